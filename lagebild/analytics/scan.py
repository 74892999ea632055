"""Prospektiver Raum-Zeit-Permutationsscan wie SaTScan 10.3.2 (Kulldorff et al. 2005).

Nachgebildet ist die Definition aus dem Quelltext von SaTScan (siehe
``shared/reference/satscan/README.md`` und ``docs/alerts.md``, Abschnitt „Raum-Zeit-Scan“):

* Erwartung eines Orts-Tages ``n(z,·)·n(·,d)/N`` über den Studienzeitraum; LLR
  ``n ln(n/μ) + (N−n) ln((N−n)/(N−μ))`` nur für ``n > μ`` und ``n ≥ min_cases``.
* Prospektiv: nur Zeitfenster, die am Enddatum enden, Länge 1 … ``max_days`` Tage.
* Kreise um jeden Ort, wachsend um je einen Ort nach Entfernung; gleiche Entfernungen nach
  den kleineren Koordinaten (x, dann y, dann z), dann nach der Kennung. Obergrenzen: Radius
  ≤ ``max_radius`` und Anteil der Fälle im Kreis ≤ ``max_share`` (Bevölkerung unter Risiko
  = Fallsumme des Orts).
* Je Zentrum zählt nur sein bestes Fenster (das erste Maximum: Kreis wächst, je Kreis
  Fensterlänge 1, 2, …); sortiert nach LLR (Abstand < 1e-9 gilt als gleich: weniger Orte
  zuerst, dann Rang der Zentrumskennung unter den als Text sortierten Kennungen).
* Sekundäre Cluster ohne geografische Überschneidung (geometrischer Test, siehe
  :func:`_overlaps`); gemeldet wird der wahrscheinlichste Cluster immer, weitere bei
  LLR ≥ 0,001 und Rang ≤ R.
* Monte Carlo: die Tage der Fälle werden unter den Fällen permutiert (Summen je Ort und je
  Tag bleiben fest); Rang = 1 + #{Replikationen mit Maximum ≥ LLR − 1e-9}, p = Rang/(R+1).

Geografische Koordinaten rechnet :func:`latlong_to_xyz` wie SaTScan in 3-D-Koordinaten auf
einer Kugel mit 6367 km Radius um (Entfernungen sind dann Sehnen).
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
import pandas as pd

__all__ = ["space_time_permutation", "latlong_to_xyz", "CLUSTER_COLUMNS", "EARTH_RADIUS_KM"]

EARTH_RADIUS_KM = 6367.0
CLUSTER_COLUMNS = ["rank", "centre", "locations", "start", "end", "observed", "expected",
                   "llr", "p_value", "radius"]
_TIE = 1e-9           # LLR-Gleichstand (Sortierung, Rang) und Überschneidungstest
_MIN_REPORT_LLR = 0.001
_CHUNK = 64           # Replikationen je Block höchstens …
_CELLS = 16_000_000   # … und höchstens so viele Zellen (Kreise × k × Replikationen) je Block
_FLOOR_REPS = 32      # so viele Replikationen vollständig, bevor nur noch Schwellen zählen


# --------------------------------------------------------------------------- Koordinaten
def latlong_to_xyz(lat, lon):
    """Breite/Länge (Grad) → 3-D-Koordinaten in km auf der SaTScan-Kugel (Radius 6367 km).

    ``x = R cos(lon) cos(lat)``, ``y = R sin(lon) cos(lat)``, ``z = R sin(lat)`` wie
    ``ConvertFromLatLong`` in SaTScan; Längen westlich von Greenwich negativ.

    >>> [round(float(v), 3) for v in latlong_to_xyz(0.0, 90.0)]
    [0.0, 6367.0, 0.0]
    """
    lat = np.asarray(lat, dtype=float) * np.pi / 180.0
    lon = np.asarray(lon, dtype=float) * np.pi / 180.0
    return (EARTH_RADIUS_KM * np.cos(lon) * np.cos(lat),
            EARTH_RADIUS_KM * np.sin(lon) * np.cos(lat),
            EARTH_RADIUS_KM * np.sin(lat))


# --------------------------------------------------------------------------- Eingaben
def _fail(message: str):
    raise ValueError(f"Raum-Zeit-Scan: {message}")


def _check_number(value, name, minimum=None, maximum=None, integer=False, strict_min=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not np.isfinite(value):
        _fail(f"{name} muss eine {'ganze ' if integer else ''}Zahl sein, angegeben: {value!r}")
    if minimum is not None and (value <= minimum if strict_min else value < minimum):
        _fail(f"{name} muss {'größer als' if strict_min else 'mindestens'} {minimum} sein, "
              f"angegeben: {value}")
    if maximum is not None and value > maximum:
        _fail(f"{name} darf höchstens {maximum} sein, angegeben: {value}")
    return value


def _check_columns(frame, name, required):
    if not isinstance(frame, pd.DataFrame):
        _fail(f"{name} muss ein DataFrame sein, erhalten: {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        _fail(f"{name} fehlt die Spalte {', '.join(missing)} "
              f"(vorhanden: {', '.join(map(str, frame.columns))})")


def _row_error(name, pos, column, text):
    _fail(f"{name}, Zeile {pos + 1}, Spalte {column}: {text}")


def _read_locations(locations):
    _check_columns(locations, "locations", ["location", "x", "y"])
    ids = locations["location"].astype(str).to_numpy()
    if len(ids) == 0:
        _fail("locations enthält keinen Ort")
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
    return ids, coords


def _read_cases(cases, ids, start, end):
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


# --------------------------------------------------------------------------- Kreise
def _distances(coords):
    diff = coords[:, None, :] - coords[None, :, :]
    sq = diff[..., 0] ** 2
    for d in range(1, coords.shape[1]):
        sq = sq + diff[..., d] ** 2
    return np.sqrt(sq)


def _circles(coords, ids, totals, max_radius, max_share):
    """Nachbarn je Zentrum (sortiert) und die Zahl der erlaubten Kreisgrößen."""
    n_loc = len(ids)
    dist = _distances(coords)
    name_rank = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
    limit = max_share * float(totals.sum())
    order = np.empty((n_loc, n_loc), dtype=np.int64)
    sizes = np.zeros(n_loc, dtype=np.int64)
    for c in range(n_loc):
        keys = [name_rank] + [coords[:, d] for d in range(coords.shape[1] - 1, -1, -1)]
        o = np.lexsort(keys + [dist[c]])
        order[c] = o
        cum = np.cumsum(totals[o].astype(float))
        by_share = int(np.argmax(cum > limit)) if (cum > limit).any() else n_loc
        by_radius = n_loc if max_radius is None else int(np.sum(dist[c, o] <= max_radius))
        sizes[c] = min(by_share, by_radius)
    return dist, order, sizes, name_rank


# --------------------------------------------------------------------------- LLR
class _Llr:
    """LLR ``n ln(n/μ) + (N−n) ln((N−n)/(N−μ))`` mit Tabellen für ``n ln n``.

    Dieselbe Rechnung für echte Daten und Replikationen, damit gleiche Fenster mit gleicher
    Fallzahl genau gleiche Werte geben (Gleichstände im Rang)."""

    def __init__(self, total):
        n = np.arange(total + 1, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.nlogn = np.where(n > 0, n * np.log(n), 0.0)
        self.total = int(total)

    def __call__(self, n, log_mu, log_rest):
        rest = self.total - n
        return self.nlogn[n] - n * log_mu + self.nlogn[rest] - rest * log_rest


def _window_tables(matrix, order, sizes, max_days):
    """Fälle der letzten k Tage je Ort (Orte × K) und μ je Zentrum × Kreis × k."""
    total = int(matrix.sum())
    n_loc = matrix.shape[0]
    k_max = min(max_days, matrix.shape[1])
    recent = np.cumsum(matrix[:, ::-1][:, :k_max], axis=1)           # Orte × K
    day_share = np.cumsum(matrix.sum(axis=0)[::-1][:k_max]) / total  # T_k / N
    loc_total = matrix.sum(axis=1).astype(float)
    m_max = max(int(sizes.max()), 1)
    pad = np.full((n_loc, m_max), n_loc, dtype=np.int64)
    for c in range(n_loc):
        pad[c, :sizes[c]] = order[c, :sizes[c]]
    tot_pad = np.append(loc_total, 0.0)[pad]                         # Zentren × m
    mu = np.cumsum(tot_pad[:, :, None] * day_share[None, None, :], axis=1)
    valid = np.arange(m_max)[None, :] < sizes[:, None]
    mu = np.where(valid[:, :, None], mu, np.inf)
    return recent, pad, mu, k_max


def _counts_in_windows(recent, pad):
    """Fälle je Zentrum × Kreis × k (recent: Orte × K)."""
    padded = np.concatenate([recent, np.zeros((1, recent.shape[1]), dtype=recent.dtype)])
    return np.cumsum(padded[pad], axis=1)


def _log_tables(mu, total):
    with np.errstate(divide="ignore"):
        return np.log(mu), np.log(total - np.where(np.isfinite(mu), mu, 0.0))


def _llr_grid(n, mu, log_mu, log_rest, llr, min_cases):
    ok = (n > mu) & (n >= min_cases)
    with np.errstate(invalid="ignore"):
        return np.where(ok, llr(np.where(ok, n, 0), log_mu, log_rest), -np.inf)


# --------------------------------------------------------------------------- Cluster
def _best_per_centre(grid, sizes):
    """Je Zentrum das erste Maximum (Kreis wächst, je Kreis k = 1, 2, …)."""
    flat = grid.reshape(grid.shape[0], -1)
    best = np.argmax(flat, axis=1)
    value = flat[np.arange(flat.shape[0]), best]
    k_max = grid.shape[2]
    return [(c, float(value[c]), int(best[c] // k_max), int(best[c] % k_max))
            for c in range(grid.shape[0]) if sizes[c] > 0 and np.isfinite(value[c])]


def _compare(a, b):
    if abs(a["llr"] - b["llr"]) < _TIE:
        if a["size"] != b["size"]:
            return -1 if a["size"] < b["size"] else 1
        return -1 if a["name_rank"] < b["name_rank"] else (a["name_rank"] > b["name_rank"])
    return -1 if a["llr"] > b["llr"] else 1


def _overlaps(kept, cand, dist):
    """SaTScan ``HasAnyTractsInCommon``: liegt ein Ort des kleineren Clusters (bei gleicher
    Größe: des behaltenen) im Kreis des anderen (Abstand ≤ Radius + 1e-9)?"""
    small, big = (cand, kept) if cand["size"] < kept["size"] else (kept, cand)
    return bool((dist[big["centre"], small["members"]] <= big["radius"] + _TIE).any())


# --------------------------------------------------------------------------- Monte Carlo
def _thresholds(mu, log_mu, log_rest, llr, min_cases, floor):
    """Je Zelle (Zentrum × Kreis × k) die kleinste Fallzahl n mit ``LLR(n, μ) ≥ floor``.

    Die LLR wächst für n > μ streng mit n; binäre Suche über n, vektorisiert. Zellen, die
    ``floor`` nie erreichen (auch Füllzellen mit μ = ∞), bekommen N + 1."""
    total = llr.total
    finite = np.isfinite(mu)
    lo = np.where(finite, np.maximum(min_cases, np.floor(np.where(finite, mu, 0)) + 1), total + 1)
    lo = np.minimum(lo, total + 1).astype(np.int64)
    hi = np.full(mu.shape, total + 1, dtype=np.int64)

    def reaches(n):
        ok = n <= total
        with np.errstate(invalid="ignore"):
            value = llr(np.where(ok, n, 0), log_mu, log_rest)
        return ok & (value >= floor)

    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        up = reaches(mid)
        hi = np.where(active & up, mid, hi)
        lo = np.where(active & ~up, mid + 1, lo)


def _draw_recent(rng, case_loc, slot, n_loc, k_max, reps):
    """Fälle der letzten k Tage je Ort für ``reps`` Permutationen: (Orte + 1) × K × reps."""
    recent_n = slot.size
    keys = np.empty((reps, recent_n), dtype=np.int64)
    for r in range(reps):
        drawn = rng.choice(case_loc.size, recent_n, replace=False, shuffle=True)
        keys[r] = (case_loc[drawn] * k_max + slot) * reps + r
    counts = np.bincount(keys.ravel(), minlength=(n_loc + 1) * k_max * reps)
    counts = counts.reshape(n_loc + 1, k_max, reps).astype(np.int32)
    return np.cumsum(counts, axis=1, out=counts)


def _circle_sums(recent, pad_t):
    """Fälle je Kreisgröße × Zentrum × k × Replikation (kumulativ über die Kreisgröße)."""
    sums = recent[pad_t]
    for j in range(1, sums.shape[0]):
        np.add(sums[j], sums[j - 1], out=sums[j])
    return sums


def _simulated_maxima(matrix, pad, mu, k_max, llr, min_cases, replications, seed):
    """Größte LLR je Replikation (0, wenn kein Fenster zählt).

    Nach den ersten ≥ 32 Replikationen werden nur Zellen ausgewertet, deren Fallzahl die
    Schwelle zum kleinsten bisherigen Maximum erreicht (exakt, weil die LLR in n wächst);
    Replikationen ohne solche Zelle werden vollständig nachgerechnet. Blöcke von höchstens 64
    Replikationen und 16 Mio. Zellen halten den Speicher klein (auch bei Tausenden Fundorten)."""
    if replications == 0:
        return np.zeros(0)
    n_loc = matrix.shape[0]
    case_loc = np.repeat(np.arange(n_loc), matrix.sum(axis=1))
    slot = np.repeat(np.arange(k_max), matrix.sum(axis=0)[::-1][:k_max])
    pad_t, mu = pad.T.copy(), np.ascontiguousarray(mu.transpose(1, 0, 2))
    log_mu, log_rest = _log_tables(mu, llr.total)
    cell = (mu[..., None], log_mu[..., None], log_rest[..., None])
    rng = np.random.default_rng(seed)
    maxima = np.zeros(replications)
    block = int(max(1, min(_CHUNK, _CELLS // max(mu.size, 1))))
    need, done = None, 0
    while done < replications:
        reps = min(block, replications - done)
        n = _circle_sums(_draw_recent(rng, case_loc, slot, n_loc, k_max, reps), pad_t)
        if need is None:
            best = _llr_grid(n, *cell, llr, min_cases).reshape(-1, reps).max(axis=0)
        else:
            best = np.full(reps, -np.inf)
            hit = np.nonzero(n >= need[..., None])
            if hit[0].size:
                value = llr(n[hit], log_mu[hit[:3]], log_rest[hit[:3]])
                np.maximum.at(best, hit[3], value)
            for r in np.flatnonzero(best < floor):
                best[r] = _llr_grid(n[..., r], mu, log_mu, log_rest, llr, min_cases).max()
        maxima[done:done + reps] = np.maximum(best, 0.0)
        done += reps
        if need is None and _FLOOR_REPS <= done < replications and maxima[:done].min() > 0:
            floor = float(maxima[:done].min())
            need = _thresholds(mu, log_mu, log_rest, llr, min_cases, floor - 1e-6)
    return maxima


# --------------------------------------------------------------------------- Hauptfunktion
def space_time_permutation(cases, locations, start, end, max_radius, max_days=7,
                           min_cases=2, max_share=0.5, replications=999, seed=12345678):
    """Prospektiver Raum-Zeit-Permutationsscan (SaTScan 10.3.2, nur hohe Raten).

    Methode: Kulldorff et al. 2005. Zylinder = Kreis um einen Ort × die letzten 1 …
    ``max_days`` Tage bis ``end``. Erwartet wird ``μ = Σ n(z,·)·n(·,d)/N`` (keine
    Bevölkerungsdaten nötig), bewertet mit der Poisson-LLR; die Signifikanz kommt aus
    ``replications`` Permutationen der Falltage. Details und Gleichstandsregeln im
    Modulkommentar und in ``docs/alerts.md``.

    Parameter:
        cases: DataFrame mit ``location``, ``date``, ``count`` (ganze Zahlen ≥ 0, mehrere
            Zeilen je Ort und Tag werden addiert); Fälle außerhalb ``start … end`` zählen
            nicht.
        locations: DataFrame mit ``location``, ``x``, ``y`` und optional ``z``; Entfernungen
            euklidisch über diese Koordinaten (Breite/Länge vorher mit
            :func:`latlong_to_xyz` umrechnen, metrische CRS direkt).
        start, end: Studienzeitraum (Tage, einschließlich).
        max_radius: größter Kreisradius in Einheiten der Koordinaten (``None`` = keine
            Grenze außer ``max_share``).
        max_days: längstes Zeitfenster in Tagen.
        min_cases: Mindestfallzahl eines Clusters.
        max_share: höchster Anteil aller Fälle (Orts-Summen) in einem Kreis, 0 < … ≤ 0,5.
        replications: Zahl der Monte-Carlo-Replikationen (0 = ohne p-Wert).
        seed: Startwert des Zufallsgenerators (gleicher Seed → gleiche p-Werte).

    Rückgabe: DataFrame, eine Zeile je gemeldetem Cluster (wahrscheinlichster zuerst, dann
    sekundäre ohne geografische Überschneidung) mit ``rank`` (1, 2, …), ``centre``,
    ``locations`` (Tupel der Kennungen nach Entfernung vom Zentrum), ``start``, ``end``
    (Zeitfenster, ``pd.Timestamp``), ``observed``, ``expected``, ``llr``, ``p_value``
    (NaN ohne Replikationen) und ``radius`` (Entfernung Zentrum – fernster Ort, in
    Koordinateneinheiten). Leer, wenn kein Fenster die Bedingungen erfüllt.
    ``attrs["params"]`` hält die Parameter, ``attrs["simulated_llr"]`` die Maxima.

    Beispiel (3 Orte in einer Reihe, je 1 Fall am Tag, am letzten Tag 4 Fälle mehr an A;
    N = 34, A hat 14 Fälle, der letzte Tag 7: μ = 14·7/34 = 2,882, n = 5,
    LLR = 5 ln(5/2,882) + 29 ln(29/31,118) = 0,710; A+B hätte 24 > 17 = 50 % der Fälle):

    >>> import pandas as pd
    >>> locs = pd.DataFrame({"location": ["A", "B", "C"], "x": [0.0, 1, 2], "y": [0.0, 0, 0]})
    >>> days = pd.date_range("2026-11-01", periods=10)
    >>> cases = pd.DataFrame({"location": ["A", "B", "C"] * 10,
    ...                       "date": days.repeat(3), "count": 1})
    >>> cases.loc[len(cases)] = ["A", days[-1], 4]
    >>> res = space_time_permutation(cases, locs, days[0], days[-1], max_radius=1.0,
    ...                              replications=99, seed=1)
    >>> row = res.iloc[0]
    >>> row["centre"], row["locations"], int(row["observed"]), row["start"].date().isoformat()
    ('A', ('A',), 5, '2026-11-10')
    >>> round(float(row["expected"]), 4), round(float(row["llr"]), 4)
    (2.8824, 0.7103)
    """
    ids, coords = _read_locations(locations)
    try:
        start_ts, end_ts = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except (TypeError, ValueError):
        _fail(f"start/end sind keine Daten: {start!r}, {end!r}")
    if end_ts < start_ts:
        _fail(f"end ({end_ts.date()}) liegt vor start ({start_ts.date()})")
    if max_radius is not None:
        _check_number(max_radius, "max_radius", 0, strict_min=True)
    max_days = _check_number(max_days, "max_days", 1, integer=True)
    min_cases = _check_number(min_cases, "min_cases", 1, integer=True)
    max_share = _check_number(max_share, "max_share", 0, 0.5, strict_min=True)
    replications = _check_number(replications, "replications", 0, integer=True)
    params = {"start": start_ts, "end": end_ts, "max_radius": max_radius,
              "max_days": int(max_days), "min_cases": int(min_cases),
              "max_share": float(max_share), "replications": int(replications), "seed": seed}

    matrix = _read_cases(cases, ids, start_ts, end_ts)
    total = int(matrix.sum())
    empty = pd.DataFrame({c: [] for c in CLUSTER_COLUMNS})
    empty.attrs["params"] = params
    if total == 0:
        return empty
    dist, order, sizes, name_rank = _circles(coords, ids, matrix.sum(axis=1), max_radius,
                                             max_share)
    if sizes.max() == 0:
        return empty
    recent, pad, mu, k_max = _window_tables(matrix, order, sizes, int(max_days))
    llr = _Llr(total)
    log_mu, log_rest = _log_tables(mu, total)
    grid = _llr_grid(_counts_in_windows(recent, pad), mu, log_mu, log_rest, llr, min_cases)
    best = _best_per_centre(grid, sizes)
    if not best:
        return empty

    observed = _counts_in_windows(recent, pad)
    candidates = []
    for c, value, j, k in best:
        members = order[c, :j + 1]
        candidates.append({"centre": c, "llr": value, "size": j + 1, "k": k,
                           "members": members, "radius": float(dist[c, members[-1]]),
                           "observed": int(observed[c, j, k]), "expected": float(mu[c, j, k]),
                           "name_rank": int(name_rank[c])})
    candidates.sort(key=functools.cmp_to_key(_compare))
    kept = []
    for cand in candidates:
        if not any(_overlaps(k, cand, dist) for k in kept):
            kept.append(cand)

    maxima = _simulated_maxima(matrix, pad, mu, k_max, llr, min_cases, replications, seed)
    rows = []
    for cand in kept:
        rank = 1 + int(np.sum(maxima >= cand["llr"] - _TIE))
        if rows and (cand["llr"] < _MIN_REPORT_LLR or (replications and rank > replications)):
            continue
        rows.append({
            "rank": len(rows) + 1, "centre": ids[cand["centre"]],
            "locations": tuple(ids[cand["members"]]),
            "start": end_ts - pd.Timedelta(days=cand["k"]), "end": end_ts,
            "observed": cand["observed"], "expected": cand["expected"], "llr": cand["llr"],
            "p_value": rank / (replications + 1) if replications else np.nan,
            "radius": cand["radius"]})
    result = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    result.attrs["params"] = params
    result.attrs["simulated_llr"] = maxima
    return result
