"""District boundaries: read any city's open-data file, reproject, repair, simplify, assign.

Pure functions of files and frames; no database access (the CLI and the admin page hand the
result to ``Store.upsert_districts``).

>>> from shapely.geometry import box
>>> d = gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=[box(9.0, 51.0, 9.01, 51.01),
...                      box(9.01, 51.0, 9.02, 51.01)], crs=WGS84)
>>> str(metric_crs(d))
'EPSG:25832'
>>> s = display_geometries(d.geometry)
>>> bool(s.iloc[0].touches(s.iloc[1])), bool(s.iloc[0].overlaps(s.iloc[1]))
(True, False)
"""

from __future__ import annotations

import io
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

WGS84 = "EPSG:4326"
METRIC = "EPSG:25832"   # ETRS89 / UTM 32N: metric CRS for distances and areas in Germany
DISPLAY_TOLERANCE_M = 10.0   # simplification of the map geometry (about one screen pixel at z14)
_MAX_UNZIPPED = 300 * 2**20
_GEO_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")
_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

_NAME_GUESSES = ("name", "bezeichnung", "stadtteil", "ortsteil", "bezirk", "gebiet")
_CODE_GUESSES = ("code", "id", "nummer", "schluessel", "sbz", "ot", "neighborhood_id",
                 "cartodb_id", "objectid", "fid")
_POP_GUESSES = ("population", "einwohner", "bevoelkerung", "ew")
_PARENT_GUESSES = ("parent", "district_name", "stadtbezirk", "bezirk_name", "bezirksname")


class BoundaryError(ValueError):
    """A boundary file that cannot be used, explained in German."""


# --------------------------------------------------------------------------- reading
def read_geofile(source: str | Path | bytes, filename: str = "") -> gpd.GeoDataFrame:
    """The raw features of a GeoJSON, GeoPackage or (zipped) Shapefile, with a CRS.

    ``source`` is a path or the file's bytes (``filename`` only helps the error messages).
    A GeoJSON without CRS is WGS84 (RFC 7946); a legacy ``crs`` member is honoured.
    """
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    try:
        if data[:4] == b"PK\x03\x04":
            raw = _read_zip(data)
        else:
            with warnings.catch_warnings():   # GeoPackage bytes have no file extension
                warnings.filterwarnings("ignore", message=".*non conformant file extension")
                raw = gpd.read_file(io.BytesIO(data))
    except BoundaryError:
        raise
    except Exception as exc:  # pyogrio raises several types
        name = f" '{filename}'" if filename else ""
        raise BoundaryError(f"Die Datei{name} kann nicht als Geodatei gelesen werden "
                            f"(GeoJSON, GeoPackage oder gezipptes Shapefile): {exc}") from exc
    if raw.empty:
        raise BoundaryError("Die Datei enthält keine Flächen.")
    if raw.crs is None:
        minx, miny, maxx, maxy = raw.total_bounds
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise BoundaryError("Die Datei nennt kein Koordinatensystem (bei Shapefiles fehlt "
                                "die .prj-Datei) und ihre Koordinaten sind keine Längen/Breiten.")
        raw = raw.set_crs(WGS84)
    return raw


def _read_zip(data: bytes) -> gpd.GeoDataFrame:
    """Read the one Shapefile (or GeoPackage/GeoJSON) inside a ZIP archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [m for m in zf.infolist() if not m.is_dir()
                   and not PurePosixPath(m.filename).name.startswith(".")
                   and "__MACOSX" not in m.filename]
        if sum(m.file_size for m in members) > _MAX_UNZIPPED:
            raise BoundaryError("Die ZIP-Datei ist entpackt größer als 300 MB.")
        geo = [m for m in members if PurePosixPath(m.filename).suffix.lower() in _GEO_SUFFIXES]
        shp = [m for m in geo if m.filename.lower().endswith(".shp")]
        main = shp or geo
        if len(main) != 1:
            found = ", ".join(m.filename for m in main) or "keine"
            raise BoundaryError("Die ZIP-Datei muss genau ein Shapefile (.shp) oder eine "
                                f"Geodatei enthalten; gefunden: {found}.")
        stem = str(PurePosixPath(main[0].filename).with_suffix("")).lower()
        wanted = [m for m in members if str(PurePosixPath(m.filename).with_suffix("")).lower()
                  == stem and PurePosixPath(m.filename).suffix.lower() in
                  (*_SHP_PARTS, ".gpkg", ".geojson", ".json")]
        with tempfile.TemporaryDirectory() as tmp:
            for m in wanted:   # only base names: nothing is written outside tmp
                target = Path(tmp) / ("grenzen" + PurePosixPath(m.filename).suffix.lower())
                target.write_bytes(zf.read(m))
            main_suffix = PurePosixPath(main[0].filename).suffix.lower()
            return gpd.read_file(Path(tmp) / f"grenzen{main_suffix}")


def field_guesses(columns: list[str]) -> dict[str, str | None]:
    """Likely name, code, population and parent fields among ``columns``.

    >>> field_guesses(["id", "name", "district_name", "geometry"])
    {'name': 'name', 'code': 'id', 'population': None, 'parent': 'district_name'}
    """
    lower = {c.lower(): c for c in columns}

    def first(guesses):
        return next((lower[g] for g in guesses if g in lower), None)
    return {"name": first(_NAME_GUESSES), "code": first(_CODE_GUESSES),
            "population": first(_POP_GUESSES), "parent": first(_PARENT_GUESSES)}


def _pick(columns: list[str], wanted: str | None, guess: str | None, what: str,
          required: bool) -> str | None:
    if wanted:
        if wanted not in columns:
            raise BoundaryError(
                f"Feld '{wanted}' für {what} gibt es nicht. Vorhandene Felder: "
                f"{', '.join(columns)}.")
        return wanted
    if guess is None and required:
        raise BoundaryError(f"Kein Feld für {what} gefunden; bitte angeben. Vorhandene Felder: "
                            f"{', '.join(columns)}.")
    return guess


def read_boundaries(source: str | Path | bytes, *, name_field: str | None = None,
                    code_field: str | None = None, population_field: str | None = None,
                    parent_field: str | None = None, filename: str = "",
                    tolerance_m: float = DISPLAY_TOLERANCE_M) -> gpd.GeoDataFrame:
    """Read a boundary file (GeoJSON, GeoPackage, zipped Shapefile) into the district shape.

    Returns a GeoDataFrame with ``code`` (str), ``name`` (str), ``population`` (Int64),
    ``parent`` (str or NA), polygonal ``geometry`` in EPSG:4326 and ``display_geometry``
    (see :func:`display_geometries`). Any CRS — including a legacy GeoJSON ``crs`` member —
    is reprojected; invalid geometries are repaired. The parent field is only used when
    given; the others are guessed from common names; without a code field the row number.
    """
    return districts_from_frame(read_geofile(source, filename), name_field=name_field,
                                code_field=code_field, population_field=population_field,
                                parent_field=parent_field, tolerance_m=tolerance_m)


def districts_from_frame(raw: gpd.GeoDataFrame, *, name_field: str | None = None,
                         code_field: str | None = None, population_field: str | None = None,
                         parent_field: str | None = None,
                         tolerance_m: float = DISPLAY_TOLERANCE_M) -> gpd.GeoDataFrame:
    """The district frame of :func:`read_boundaries` from already read features."""
    cols = [c for c in raw.columns if c != raw.geometry.name]
    guess = field_guesses(cols)
    name_col = _pick(cols, name_field, guess["name"], "den Namen", True)
    code_col = _pick(cols, code_field, guess["code"], "den Schlüssel", False)
    pop_col = _pick(cols, population_field, guess["population"], "die Einwohnerzahl", False)
    parent_col = _pick(cols, parent_field, None, "den übergeordneten Bezirk", False)
    polys = raw.geometry.apply(lambda g: g is None or g.is_empty
                               or g.geom_type in ("Polygon", "MultiPolygon"))
    if not polys.all():
        kinds = ", ".join(sorted(set(raw.geometry[~polys].geom_type)))
        raise BoundaryError(f"{int((~polys).sum())} Objekte sind keine Flächen ({kinds}). "
                            "Stadtteilgrenzen müssen Polygone sein.")
    out = gpd.GeoDataFrame({
        "code": (raw[code_col].astype(str).str.strip() if code_col else
                 pd.Series([str(i + 1) for i in range(len(raw))], index=raw.index)),
        "name": raw[name_col].astype(str).str.strip(),
        "population": (pd.to_numeric(raw[pop_col], errors="coerce").round().astype("Int64")
                       if pop_col else pd.Series(pd.NA, index=raw.index, dtype="Int64")),
        "parent": (raw[parent_col].astype("string").str.strip() if parent_col
                   else pd.Series(pd.NA, index=raw.index, dtype="string")),
    }, geometry=repair(raw.geometry).to_crs(WGS84))
    empty = out.geometry.is_empty | out.geometry.isna()
    if empty.any():
        bad = ", ".join(out.loc[empty, "name"].head(5))
        raise BoundaryError(f"{int(empty.sum())} Flächen ohne Geometrie: {bad}.")
    dupes = out["code"][out["code"].duplicated()]
    if len(dupes):
        raise BoundaryError(f"Schlüssel mehrfach vergeben: {', '.join(dupes.unique()[:5])}. "
                            "Bitte ein eindeutiges Schlüsselfeld wählen.")
    out = out.reset_index(drop=True)
    out["display_geometry"] = display_geometries(out.geometry, tolerance_m)
    return out


# --------------------------------------------------------------------------- geometry
def repair(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """make_valid on invalid geometries, keeping only their polygonal parts."""
    fixed = geoms.copy()
    invalid = ~fixed.is_valid & fixed.notna()
    if invalid.any():
        fixed[invalid] = fixed[invalid].make_valid()
        fixed[invalid] = fixed[invalid].apply(_polygonal)
    return fixed


def _polygonal(geom):
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def metric_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """A metric CRS for the data: ETRS89/UTM (EPSG:258zz) in Europe, else WGS84/UTM.

    Germany west of 12° E gets EPSG:25832, east of it EPSG:25833 (as the Länder use them).
    """
    minx, miny, maxx, maxy = gdf.to_crs(WGS84).total_bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    zone = int((lon + 180) // 6) + 1
    if -12 <= lon <= 42 and 34 <= lat <= 72:
        return CRS.from_epsg(25800 + zone)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def display_geometries(geoms: gpd.GeoSeries,
                       tolerance_m: float = DISPLAY_TOLERANCE_M) -> gpd.GeoSeries:
    """Simplified map geometries that keep shared borders (no gaps, no slivers).

    In a metric CRS the districts are first cleaned into an exact coverage (shared edges
    with identical vertices, tiny overlaps resolved; ``shapely.coverage_clean``, shapely
    ≥ 2.2) and then simplified together (``shapely.coverage_simplify``), so neighbours keep
    one common border. Returned in EPSG:4326, same index.
    """
    crs = metric_crs(geoms)
    metric = geoms.to_crs(crs)
    values = metric.values
    if hasattr(shapely, "coverage_clean") and len(values) > 1:
        values = shapely.coverage_clean(values)
    simplified = shapely.coverage_simplify(values, tolerance_m)
    fixed = [_polygonal(shapely.make_valid(g)) if not shapely.is_valid(g) else g
             for g in simplified]
    return gpd.GeoSeries(fixed, index=geoms.index, crs=crs).to_crs(WGS84)


def assign_districts(lat: pd.Series, lon: pd.Series, districts: gpd.GeoDataFrame) -> pd.Series:
    """District id for each point (NA where outside every district), vectorised."""
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=WGS84, index=lat.index)
    joined = gpd.sjoin(pts, districts[["district_id", "geometry"]], how="left",
                       predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["district_id"].reindex(lat.index).astype("Int64")


def area_km2(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Areas in km², computed in the data's metric CRS (:func:`metric_crs`)."""
    return gdf.to_crs(metric_crs(gdf)).area / 1e6
