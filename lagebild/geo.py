"""District boundaries: read any city's open-data file, reproject, repair, assign points.

Pure functions of files and frames; no database access (the CLI and pages hand the result
to ``Store.upsert_districts``).
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

WGS84 = "EPSG:4326"
METRIC = "EPSG:25832"   # ETRS89 / UTM 32N: metric CRS for distances and areas in Germany

_NAME_GUESSES = ("name", "bezeichnung", "stadtteil", "ortsteil", "bezirk", "gebiet")
_CODE_GUESSES = ("code", "id", "nummer", "schluessel", "sbz", "ot", "neighborhood_id",
                 "cartodb_id", "objectid", "fid")
_POP_GUESSES = ("population", "einwohner", "bevoelkerung", "ew")


class BoundaryError(ValueError):
    """A boundary file that cannot be used, explained in German."""


def _pick(columns: list[str], wanted: str | None, guesses: tuple[str, ...], what: str,
          required: bool) -> str | None:
    if wanted:
        if wanted not in columns:
            raise BoundaryError(
                f"Feld '{wanted}' für {what} gibt es nicht. Vorhandene Felder: "
                f"{', '.join(columns)}.")
        return wanted
    lower = {c.lower(): c for c in columns}
    for g in guesses:
        if g in lower:
            return lower[g]
    if required:
        raise BoundaryError(f"Kein Feld für {what} gefunden; bitte angeben. Vorhandene Felder: "
                            f"{', '.join(columns)}.")
    return None


def read_boundaries(source: str | Path | bytes, *, name_field: str | None = None,
                    code_field: str | None = None, population_field: str | None = None,
                    parent_field: str | None = None) -> gpd.GeoDataFrame:
    """Read a boundary file (GeoJSON, GeoPackage, zipped Shapefile) into the district shape.

    Returns a GeoDataFrame with ``code`` (str), ``name`` (str), ``population`` (Int64),
    ``parent`` (str or NA) and polygonal ``geometry`` in EPSG:4326. Any CRS — including a
    legacy GeoJSON ``crs`` member — is reprojected; invalid geometries are repaired. Fields
    not given are guessed from common names; without a code field the row number is used.
    """
    try:
        raw = gpd.read_file(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Exception as exc:  # pyogrio raises several types
        raise BoundaryError(f"Die Datei kann nicht als Geodatei gelesen werden: {exc}") from exc
    if raw.empty:
        raise BoundaryError("Die Datei enthält keine Flächen.")
    if raw.crs is None:
        raw = raw.set_crs(WGS84)  # RFC 7946: GeoJSON without crs is WGS84
    cols = [c for c in raw.columns if c != raw.geometry.name]
    name_col = _pick(cols, name_field, _NAME_GUESSES, "den Namen", True)
    code_col = _pick(cols, code_field, _CODE_GUESSES, "den Schlüssel", False)
    pop_col = _pick(cols, population_field, _POP_GUESSES, "die Einwohnerzahl", False)
    parent_col = _pick(cols, parent_field, (), "den übergeordneten Bezirk", False)

    out = gpd.GeoDataFrame({
        "code": (raw[code_col].astype(str) if code_col else
                 pd.Series([str(i + 1) for i in range(len(raw))], index=raw.index)),
        "name": raw[name_col].astype(str).str.strip(),
        "population": (pd.to_numeric(raw[pop_col], errors="coerce").round().astype("Int64")
                       if pop_col else pd.Series(pd.NA, index=raw.index, dtype="Int64")),
        "parent": raw[parent_col].astype(str) if parent_col else pd.NA,
    }, geometry=repair(raw.geometry).to_crs(WGS84))
    empty = out.geometry.is_empty | out.geometry.isna()
    if empty.any():
        bad = ", ".join(out.loc[empty, "name"].head(5))
        raise BoundaryError(f"{int(empty.sum())} Flächen ohne Geometrie: {bad}.")
    dupes = out["code"][out["code"].duplicated()]
    if len(dupes):
        raise BoundaryError(f"Schlüssel mehrfach vergeben: {', '.join(dupes.unique()[:5])}. "
                            "Bitte ein eindeutiges Schlüsselfeld wählen.")
    return out.reset_index(drop=True)


def repair(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """make_valid on invalid geometries, keeping only their polygonal parts."""
    fixed = geoms.copy()
    invalid = ~fixed.is_valid
    if invalid.any():
        fixed[invalid] = fixed[invalid].make_valid()
        fixed[invalid] = fixed[invalid].apply(_polygonal)
    return fixed


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def assign_districts(lat: pd.Series, lon: pd.Series, districts: gpd.GeoDataFrame) -> pd.Series:
    """District id for each point (NA where outside every district), vectorised."""
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=WGS84, index=lat.index)
    joined = gpd.sjoin(pts, districts[["district_id", "geometry"]], how="left",
                       predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["district_id"].reindex(lat.index).astype("Int64")


def area_km2(gdf: gpd.GeoDataFrame) -> pd.Series:
    return gdf.to_crs(METRIC).area / 1e6
