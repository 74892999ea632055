"""Sensitive places (Kitas, schools, playgrounds, youth centres) and syringe finds near them.

Pure functions, no database: :func:`parse_places` turns an admin's CSV or GeoJSON into a
frame ``name, kind, lat, lon``; :func:`proximity_notices` finds syringe finds within a
distance of a place in the last days, measured in metres in a metric CRS.

>>> csv = "Name;Typ;Breite;Länge\\nKita Köhlerplatz;Kita;51,3397;12,3731\\n".encode("cp1252")
>>> parse_places(csv, "orte.csv").to_dict("records")
[{'name': 'Kita Köhlerplatz', 'kind': 'kita', 'lat': 51.3397, 'lon': 12.3731}]
"""

from __future__ import annotations

import csv
import io
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lagebild.geo import WGS84, BoundaryError, metric_crs, read_geofile

KINDS = ("kita", "schule", "spielplatz", "jugend", "konsumraum", "drugchecking", "streetwork",
         "sonstige")
SITE_KINDS = ("konsumraum", "drugchecking", "streetwork")   # (#18) drug-checking sites
_KIND_WORDS = (   # first matching word stem wins; compared case-insensitively
    ("kita", ("kita", "kindertages", "kindergarten", "krippe", "hort", "daycare",
              "kindergarden")),
    ("schule", ("schule", "gymnasium", "school")),
    ("spielplatz", ("spielplatz", "bolzplatz", "playground")),
    ("jugend", ("jugend", "youth")),
    ("konsumraum", ("konsumraum", "drogenkonsum", "consumption room", "druckraum")),
    ("drugchecking", ("drug-checking", "drugchecking", "drug checking")),
    ("streetwork", ("streetwork", "street work", "outreach")),
)
_COLUMNS = {
    "name": ("name", "bezeichnung", "einrichtung", "titel"),
    "kind": ("typ", "type", "art", "kategorie", "category", "kind"),
    "lat": ("lat", "latitude", "breite", "breitengrad", "y"),
    "lon": ("lon", "lng", "long", "longitude", "länge", "laenge", "längengrad", "x"),
}


class PlacesError(ValueError):
    """A places file that cannot be used; ``problems`` lists every row problem (German)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


def kind_of(label) -> str:
    """Normalised kind of a free-text type label.

    >>> kind_of("Kindertagesstätte"), kind_of("Grundschule"), kind_of("Jugendclub"), kind_of("")
    ('kita', 'schule', 'jugend', 'sonstige')
    """
    text = "" if label is None or pd.isna(label) else str(label).casefold()
    for kind, stems in _KIND_WORDS:
        if any(stem in text for stem in stems):
            return kind
    return "sonstige"


def decode(data: bytes) -> str:
    """Strict UTF-8 (BOM allowed), else cp1252 — the two encodings German offices send."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def parse_places(data: bytes, filename: str = "") -> pd.DataFrame:
    """Places from CSV (``;`` or ``,``, UTF-8 or cp1252, decimal comma allowed) or GeoJSON.

    Returns ``name, kind, lat, lon`` (WGS84). Raises :class:`PlacesError` listing every
    bad row (CSV row numbers count the header as row 1) — nothing is half-accepted.
    """
    head = data.lstrip()[:1]
    if filename.lower().endswith((".geojson", ".json", ".gpkg")) or head == b"{":
        return _from_geo(data, filename)
    return _from_csv(data)


def _from_csv(data: bytes) -> pd.DataFrame:
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        raise PlacesError("Die Datei ist weder UTF-8 noch Windows-1252 kodiert.") from exc
    first = text.splitlines()[0] if text.strip() else ""
    sep = ";" if first.count(";") >= first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    if len(rows) < 2:
        raise PlacesError("Die Datei enthält keine Orte (erwartet: Kopfzeile und Zeilen mit "
                          "Name, Typ, Breite/lat, Länge/lon).")
    header = [h.strip() for h in rows[0]]
    cols = _columns(header)
    records, problems = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = {k: (row[i].strip() if i < len(row) else "") for k, i in cols.items()}
        lat, lon = _number(cell["lat"]), _number(cell["lon"])
        problem = _check(cell["name"], lat, lon)
        if problem:
            problems.append(f"Zeile {number}: {problem}")
            continue
        records.append({"name": cell["name"], "kind": kind_of(cell.get("kind")),
                        "lat": lat, "lon": lon})
    return _result(records, problems)


def _columns(header: list[str]) -> dict[str, int]:
    lower = [h.casefold() for h in header]
    found, missing = {}, []
    for key, names in _COLUMNS.items():
        idx = next((lower.index(n) for n in names if n in lower), None)
        if idx is None and key != "kind":
            missing.append(f"{key} ({' / '.join(names[:3])})")
        elif idx is not None:
            found[key] = idx
    if missing:
        raise PlacesError(f"Spalten fehlen: {', '.join(missing)}. Vorhanden: "
                          f"{', '.join(header)}.")
    return found


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except (ValueError, AttributeError):
        return None


def _check(name: str, lat: float | None, lon: float | None) -> str | None:
    if not name:
        return "Name fehlt."
    if lat is None or lon is None:
        return f"„{name}“: Koordinaten fehlen oder sind keine Zahlen."
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return f"„{name}“: Koordinaten {lat}, {lon} sind keine Breite/Länge in Grad (WGS84)."
    return None


def _from_geo(data: bytes, filename: str) -> pd.DataFrame:
    try:
        raw = read_geofile(data, filename).to_crs(WGS84)
    except BoundaryError as exc:
        raise PlacesError(str(exc).replace("Flächen", "Orte")) from exc
    cols = {c.casefold(): c for c in raw.columns if c != raw.geometry.name}
    name_col = next((cols[n] for n in _COLUMNS["name"] if n in cols), None)
    kind_col = next((cols[n] for n in _COLUMNS["kind"] if n in cols), None)
    if name_col is None:
        raise PlacesError(f"Kein Namensfeld (name/bezeichnung) in der Datei; vorhanden: "
                          f"{', '.join(cols.values())}.")
    records, problems = [], []
    for number, (_, row) in enumerate(raw.iterrows(), start=1):
        geom = row.geometry
        name = "" if pd.isna(row[name_col]) else str(row[name_col]).strip()
        point = None if geom is None or geom.is_empty else (
            geom if geom.geom_type == "Point" else geom.representative_point())
        problem = _check(name, point.y if point else None, point.x if point else None)
        if problem:
            problems.append(f"Objekt {number}: {problem}")
            continue
        records.append({"name": name, "kind": kind_of(row[kind_col] if kind_col else None),
                        "lat": float(point.y), "lon": float(point.x)})
    return _result(records, problems)


def _result(records: list[dict], problems: list[str]) -> pd.DataFrame:
    if problems:
        raise PlacesError(f"{len(problems)} fehlerhafte Einträge – nichts übernommen.", problems)
    if not records:
        raise PlacesError("Die Datei enthält keine Orte.")
    return pd.DataFrame.from_records(records, columns=["name", "kind", "lat", "lon"])


def proximity_notices(finds: pd.DataFrame, places: pd.DataFrame, *, distance_m: float = 100,
                      days: int = 14, reference: date | None = None) -> pd.DataFrame:
    """Syringe finds at most ``distance_m`` metres from a sensitive place in the last ``days``.

    ``finds``: date, lat, lon (e.g. ``Store.points``); ``places``: name, kind, lat, lon.
    The window is ``reference − days + 1 … reference`` (inclusive; ``reference`` defaults to
    the newest find). Distances are measured in the UTM zone of the data (ETRS89 in Europe).
    Returns one row per (find, place) pair: date, place, kind, distance_m (rounded), lat,
    lon — newest first, then nearest first.

    >>> finds = pd.DataFrame({"date": [date(2026, 11, 12)], "lat": [51.0], "lon": [10.0]})
    >>> kita = pd.DataFrame({"name": ["Kita A"], "kind": ["kita"], "lat": [51.0003],
    ...                      "lon": [10.0]})
    >>> proximity_notices(finds, kita)[["place", "distance_m"]].to_dict("records")
    [{'place': 'Kita A', 'distance_m': 33}]
    """
    cols = ["date", "place", "kind", "distance_m", "lat", "lon"]
    if finds.empty or places.empty:
        return pd.DataFrame(columns=cols)
    when = pd.to_datetime(finds["date"]).dt.normalize()
    ref = pd.Timestamp(reference) if reference is not None else when.max()
    recent = finds.loc[(when > ref - pd.Timedelta(days=days)) & (when <= ref)]
    if recent.empty:
        return pd.DataFrame(columns=cols)
    f = gpd.GeoSeries(gpd.points_from_xy(recent["lon"], recent["lat"]), crs=WGS84)
    p = gpd.GeoSeries(gpd.points_from_xy(places["lon"], places["lat"]), crs=WGS84)
    crs = metric_crs(pd.concat([f, p]).pipe(gpd.GeoSeries, crs=WGS84))
    fm, pm = f.to_crs(crs).values, p.to_crs(crs).values
    fi, pi = shapely.STRtree(pm).query(fm, predicate="dwithin", distance=distance_m)
    dist = shapely.distance(fm[fi], pm[pi])
    out = pd.DataFrame({
        "date": pd.to_datetime(recent["date"].to_numpy()[fi]).date,
        "place": places["name"].to_numpy()[pi], "kind": places["kind"].to_numpy()[pi],
        "distance_m": np.round(dist).astype(int),
        "lat": recent["lat"].to_numpy()[fi], "lon": recent["lon"].to_numpy()[fi]})
    out = out[dist <= distance_m]
    return out.sort_values(["date", "distance_m"], ascending=[False, True],
                           ignore_index=True)[cols]
