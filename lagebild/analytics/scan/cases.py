"""Eingaben des Raum-Zeit-Scans prüfen und in Arrays lesen (deutsche Fehler mit Zeile und
Spalte). Teil von :mod:`lagebild.analytics.scan`."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd


def fail(message: str):
    raise ValueError(f"Raum-Zeit-Scan: {message}")


def check_number(value, name, minimum=None, maximum=None, integer=False, strict_min=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not np.isfinite(value):
        fail(f"{name} muss eine {'ganze ' if integer else ''}Zahl sein, angegeben: {value!r}")
    if minimum is not None and (value <= minimum if strict_min else value < minimum):
        fail(f"{name} muss {'größer als' if strict_min else 'mindestens'} {minimum} sein, "
              f"angegeben: {value}")
    if maximum is not None and value > maximum:
        fail(f"{name} darf höchstens {maximum} sein, angegeben: {value}")
    return value


def _check_columns(frame, name, required):
    if not isinstance(frame, pd.DataFrame):
        fail(f"{name} muss ein DataFrame sein, erhalten: {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        fail(f"{name} fehlt die Spalte {', '.join(missing)} "
              f"(vorhanden: {', '.join(map(str, frame.columns))})")


def _row_error(name, pos, column, text):
    fail(f"{name}, Zeile {pos + 1}, Spalte {column}: {text}")


def read_locations(locations):
    """Kennungen als Text (für Abgleich und Sortierung), Koordinaten, Originalkennungen."""
    _check_columns(locations, "locations", ["location", "x", "y"])
    if len(locations) == 0:
        fail("locations enthält keinen Ort")
    missing = locations["location"].isna().to_numpy()
    if missing.any():
        _row_error("locations", int(np.flatnonzero(missing)[0]), "location", "Kennung fehlt")
    ids = locations["location"].astype(str).to_numpy()
    dup = pd.Index(ids).duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        _row_error("locations", pos, "location", f"Ort {ids[pos]!r} kommt doppelt vor")
    dims = ["x", "y"] + (["z"] if "z" in locations.columns else [])
    coords = np.empty((len(ids), len(dims)))
    for d, col in enumerate(dims):
        values = pd.to_numeric(locations[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            _row_error("locations", pos, col,
                       f"Koordinate ist keine endliche Zahl: {locations[col].iloc[pos]!r}")
        coords[:, d] = values
    labels = np.empty(len(ids), dtype=object)
    labels[:] = locations["location"].tolist()
    return ids, coords, labels


def read_cases(cases, ids, start, end):
    """Fallmatrix Orte × Tage des Studienzeitraums (Fälle außerhalb werden ignoriert)."""
    _check_columns(cases, "cases", ["location", "date", "count"])
    days = (end - start).days + 1
    matrix = np.zeros((len(ids), days), dtype=np.int64)
    if len(cases) == 0:
        return matrix
    dates = pd.to_datetime(cases["date"], errors="coerce")
    if dates.isna().any():
        pos = int(np.flatnonzero(dates.isna().to_numpy())[0])
        _row_error("cases", pos, "date", f"kein Datum: {cases['date'].iloc[pos]!r}")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    counts = pd.to_numeric(cases["count"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(counts) | (counts < 0) | (counts != np.round(counts))
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        _row_error("cases", pos, "count",
                   f"Anzahl muss eine ganze Zahl ≥ 0 sein: {cases['count'].iloc[pos]!r}")
    day = ((dates.dt.normalize() - start).dt.days).to_numpy()
    inside = (day >= 0) & (day < days)
    position = pd.Index(ids).get_indexer(cases["location"].astype(str))
    unknown = inside & (position < 0)
    if unknown.any():
        pos = int(np.flatnonzero(unknown)[0])
        _row_error("cases", pos, "location",
                   f"Ort {cases['location'].iloc[pos]!r} fehlt in locations")
    np.add.at(matrix, (position[inside], day[inside]), counts[inside].astype(np.int64))
    return matrix
