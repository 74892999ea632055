"""Row checks of an upload: the long frame (text) -> typed rows + errors.

``RowChecker.run`` parses every column (``ingest_values``), places point rows in districts
(``ingest_geo``), then applies the pandera rules and the duplicate rule
(``ingest_schema``). Every check adds its failing rows to the ``ErrorSink`` at once and marks
them bad; the valid rows are returned typed (``ROW_COLUMNS``).
"""

from __future__ import annotations

from itertools import chain

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from lagebild.catalog import Catalog
from lagebild.i18n import t
from lagebild.ingest.columns import Layout, is_blank
from lagebild.ingest.errors import ErrorSink, lazy
from lagebild.ingest.geo import (
    CONTRADICTION,
    CONTRADICTION_OUTSIDE,
    OK,
    SWAPPED,
    has_geometry,
    locate,
    prepare,
)
from lagebild.ingest.schema import duplicate_rows, failure_messages, validate_rows
from lagebild.ingest.values import (
    DistrictLookup,
    by_unique,
    parse_coordinates,
    parse_counts,
    parse_dates,
    parse_indicators,
)

ROW_COLUMNS = ["line", "district_id", "indicator", "date", "count", "lat", "lon", "note"]


class RowChecker:
    def __init__(self, long: pd.DataFrame, layout: Layout, catalog: Catalog,
                 districts: gpd.GeoDataFrame, today, period, lang: str, sink: ErrorSink):
        self.long, self.layout, self.catalog, self.districts = long, layout, catalog, districts
        self.today, self.period, self.lang, self.sink = today, period, lang, sink
        self.names = {c: layout.name(c, lang) for c in ("datum", "stadtteil", "indikator",
                                                        "anzahl", "lat", "lon", "bemerkung")}
        self.lines = long["line"].to_numpy()
        self.bad = np.zeros(len(long), dtype=bool)
        self.coord_given = np.zeros(len(long), dtype=bool)   # lat or lon written

    def report(self, mask: np.ndarray, column, values, messages) -> None:
        """Errors for the rows in ``mask``: column/values per row (arrays over all rows) or
        scalars; messages one scalar, one per masked row, or a lazy formatter."""
        if not mask.any():
            return
        def pick(x):
            return x if x is None or np.isscalar(x) else np.asarray(x)[mask]

        self.sink.add_rows(self.lines[mask], pick(column), pick(values), messages)
        self.bad |= mask

    # ------------------------------------------------------------------------ stages
    def run(self, step) -> pd.DataFrame:
        long, lang, names = self.long, self.lang, self.names
        dates = by_unique(long["datum"], lambda u: parse_dates(u, self.today, lang))
        self.report(dates.bad, names["datum"], long["datum"], dates.messages)
        point, lat, lon = self._coordinates()
        place = self._places()
        ind = by_unique(long["indikator"], lambda u: parse_indicators(u, self.catalog, lang))
        ind_col = long["count_col"] if self.layout.wide else names["indikator"]
        self.report(ind.bad, ind_col, long["indikator"], ind.messages)
        count, count_bad = self._counts()
        step(0.6, "geo")
        candidates = point & ~place.bad
        step(0.8, "rules")
        ids = self.districts["district_id"].to_numpy().astype("int64")
        if candidates.any():
            pos = self._assign_points(candidates, lat, lon, place.values, ind)
            district_id = pd.arrays.IntegerArray(ids[np.maximum(pos, 0)], pos < 0)
        else:      # districts by name only: the id per distinct name, then taken per row
            district_id = _per_row_ids(ids, place.distinct.astype("int64"), place.codes)
        typed = pd.DataFrame({
            "line": np.asarray(self.lines, dtype="int64"),
            "district_id": district_id,
            "indicator": ind.categorical(),
            "date": dates.values,
            # a count that failed to parse is 0 here (its row is already reported as bad)
            "count": np.asarray(count, dtype="int64"),
            "lat": np.where(point, lat, np.nan) if point.any() else lat,
            "lon": np.where(point, lon, np.nan) if point.any() else lon,
            "note": self._notes(),
            "point": point,
        }, copy=False)
        self._rules(typed)
        if not self.bad.any():
            return typed[ROW_COLUMNS]
        rows = typed.loc[~self.bad, ROW_COLUMNS].reset_index(drop=True)
        rows["indicator"] = rows["indicator"].cat.remove_unused_categories()
        return rows

    def _places(self):
        long, names = self.long, self.names
        lookup = DistrictLookup(self.districts["name"].tolist(),
                                self.districts["code"].tolist())
        place = by_unique(long["stadtteil"], lambda u: lookup.parse(u, self.lang))
        self.report(place.bad, names["stadtteil"], long["stadtteil"], place.messages)
        nowhere = is_blank(long["stadtteil"]) & ~self.coord_given
        self.report(nowhere, names["stadtteil"], "",
                    t("ingest.district.missing", self.lang))
        return place

    def _counts(self):
        """Counts; a row with coordinates and no count counts 1 (one find)."""
        long = self.long
        counts = by_unique(long["anzahl"], lambda u: parse_counts(u, self.lang))
        default_one = is_blank(long["anzahl"]) & self.coord_given
        count_bad = counts.bad & ~default_one
        self.report(count_bad, long["count_col"], long["anzahl"],
                    counts.messages[~default_one[counts.bad]])
        values = counts.values
        return (np.where(default_one, 1, values) if default_one.any() else values), count_bad

    def _notes(self) -> pd.Series:
        if "bemerkung" not in self.layout.columns:
            return _no_text(self.long.index)
        note = self.long["bemerkung"]
        return note.where(note.str.strip() != "").astype("str")

    def _coordinates(self):
        long, names, lang = self.long, self.names, self.lang
        if not ("lat" in self.layout.columns or "lon" in self.layout.columns):
            nothing = np.zeros(len(long), dtype=bool)
            return nothing, np.full(len(long), np.nan), np.full(len(long), np.nan)
        lat, lat_given, lat_bad = parse_coordinates(long["lat"])
        lon, lon_given, lon_bad = parse_coordinates(long["lon"])
        for bad, col in ((lat_bad, "lat"), (lon_bad, "lon")):
            self.report(bad, names[col], long[col], lazy(
                lambda v: t("ingest.coord.not_number", lang, value=v),
                long[col].to_numpy()[bad]))
        for have, missing, mask in (("lat", "lon", lat_given & ~lon_given),
                                    ("lon", "lat", lon_given & ~lat_given)):
            self.report(mask, names[missing], long[have],
                        t("ingest.coord.incomplete", lang, have=names[have]))
        self.coord_given = lat_given | lon_given
        return lat_given & lon_given & ~lat_bad & ~lon_bad, lat, lon

    def _assign_points(self, candidates, lat, lon, named, ind) -> np.ndarray:
        """District position per row: the named one, or point-in-polygon for the point rows
        in ``candidates`` (at least one). ``ind``: the parsed indicators."""
        pos = named.copy()
        indicators = ind.values
        long, lang = self.long, self.lang
        coord_col = f"{self.names['lat']}/{self.names['lon']}"

        def coords(mask):       # "lat, lon" as written, built only for reported rows
            out = np.empty(len(long), dtype=object)
            out[mask] = (long["lat"][mask] + ", " + long["lon"][mask]).to_numpy()
            return out

        labels = {i.key: i.label(lang) for i in self.catalog}
        no_points = [i.key for i in self.catalog if not i.points_allowed]
        refused = candidates & pd.Series(indicators, dtype=object).isin(no_points).to_numpy()
        if refused.any():
            self.report(refused, coord_col, coords(refused), lazy(
                lambda k: t("ingest.coord.not_allowed", lang, indicator=labels[k]),
                indicators[refused]))
        rows = np.flatnonzero(candidates & ~refused)
        if len(rows) == 0:
            return pos
        geoms = prepare(self.districts)
        if not has_geometry(geoms):
            mask = _mask(len(long), rows)
            self.report(mask, coord_col, coords(mask), t("ingest.coord.no_geometry", lang))
            return pos
        res = locate(lon[rows], lat[rows], geoms, named[rows])
        pos[rows] = res.pos
        failed = res.status != OK
        if failed.any():
            names = self.districts["name"].astype(str).to_numpy()
            mask = _mask(len(long), rows[failed])
            self.report(mask, coord_col, coords(mask), lazy(
                lambda *a: geo_message(*a, names, lang), res.status[failed],
                res.other[failed], named[rows][failed], res.distance[failed],
                long["lat"].to_numpy()[rows][failed], long["lon"].to_numpy()[rows][failed]))
        return pos

    def _rules(self, typed: pd.DataFrame) -> None:
        """pandera rules and the duplicate rule on the typed frame."""
        failures = validate_rows(typed, self.today, self.period)
        for idx, column, values, messages in chain(
                failure_messages(failures, self.long, self.names, self.today, self.period,
                                 self.lang),
                duplicate_rows(typed, self.long, self.lang)):
            self.sink.add_rows(self.lines[idx], column, values, messages)
            self.bad[idx] = True


def geo_message(status, other, named, distance, lat, lon, names, lang: str) -> str:
    def metres(d):
        return f"{d:,.0f}".replace(",", "." if lang == "de" else ",")

    if status == SWAPPED:
        return t("ingest.coord.swapped", lang, lat=lat, lon=lon, district=names[other])
    if status == CONTRADICTION:
        return t("ingest.coord.contradiction", lang, actual=names[other], named=names[named],
                 distance=metres(distance))
    if status == CONTRADICTION_OUTSIDE:
        return t("ingest.coord.contradiction_outside", lang, named=names[named],
                 distance=metres(distance))
    return t("ingest.coord.outside", lang, lat=lat, lon=lon)


def _no_text(index: pd.Index) -> pd.Series:
    """An all-missing text column, built from an Arrow null array (no per-row objects)."""
    nulls = pa.chunked_array([pa.nulls(len(index), pa.large_string())])
    return pd.Series(pd.array(nulls, dtype="str"), index=index)


def _per_row_ids(ids: np.ndarray, positions: np.ndarray, codes: np.ndarray
                 ) -> pd.arrays.IntegerArray:
    """District id per row from the position per distinct name (-1 = unknown, NA) and the
    row's code: one lookup per row, the missing mask only when a name was unknown."""
    unknown = positions < 0
    per_row = ids[np.maximum(positions, 0)][codes]
    missing = unknown[codes] if unknown.any() else np.zeros(len(codes), dtype=bool)
    return pd.arrays.IntegerArray(per_row, missing)


def _mask(n: int, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    return mask
