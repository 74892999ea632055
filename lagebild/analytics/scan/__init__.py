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

import numpy as np
import pandas as pd

from lagebild.analytics.scan.cases import check_number, fail, read_cases, read_locations
from lagebild.analytics.scan.montecarlo import Llr, llr_grid, log_tables, simulated_maxima

__all__ = ["space_time_permutation", "latlong_to_xyz", "Members", "CLUSTER_COLUMNS",
           "EARTH_RADIUS_KM"]

EARTH_RADIUS_KM = 6367.0
CLUSTER_COLUMNS = ["rank", "centre", "locations", "start", "end", "observed", "expected",
                   "llr", "p_value", "radius"]
_TIE = 1e-9           # LLR-Gleichstand (Sortierung, Rang) und Überschneidungstest
_MIN_REPORT_LLR = 0.001


class Members(tuple):
    """Die Orte eines Clusters (Tupel); gleich auch mit einer Liste derselben Kennungen.

    >>> Members(["A", "B"]) == ["A", "B"], ["A", "B"] == Members(["A", "B"])
    (True, True)
    """

    def __eq__(self, other):
        if isinstance(other, (list, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = tuple.__hash__


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


# --------------------------------------------------------------------------- Fenster
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
    ``locations`` (:class:`Members`, ein Tupel der Kennungen nach Entfernung vom Zentrum;
    Kennungen wie in ``locations``, abgeglichen mit ``cases`` als Text), ``start``, ``end``
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
    ids, coords, labels = read_locations(locations)
    params = _params(start, end, max_radius, max_days, min_cases, max_share, replications, seed)
    matrix = read_cases(cases, ids, params["start"], params["end"])
    empty = pd.DataFrame({c: [] for c in CLUSTER_COLUMNS})
    empty.attrs["params"] = params
    if matrix.sum() == 0:
        return empty
    dist, order, sizes, name_rank = _circles(coords, ids, matrix.sum(axis=1), max_radius,
                                             max_share)
    if sizes.max() == 0:
        return empty
    recent, pad, mu, k_max = _window_tables(matrix, order, sizes, params["max_days"])
    llr = Llr(int(matrix.sum()))
    candidates = _candidates(_counts_in_windows(recent, pad), mu, llr, params["min_cases"],
                             sizes, order, dist, name_rank)
    if not candidates:
        return empty
    kept = []
    for cand in candidates:
        if not any(_overlaps(k, cand, dist) for k in kept):
            kept.append(cand)
    maxima = simulated_maxima(matrix, pad, mu, k_max, llr, params["min_cases"],
                              params["replications"], seed)
    result = _report(kept, maxima, labels, params)
    result.attrs["params"] = params
    result.attrs["simulated_llr"] = maxima
    return result


def _params(start, end, max_radius, max_days, min_cases, max_share, replications, seed):
    try:
        start_ts, end_ts = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except (TypeError, ValueError):
        fail(f"start/end sind keine Daten: {start!r}, {end!r}")
    if end_ts < start_ts:
        fail(f"end ({end_ts.date()}) liegt vor start ({start_ts.date()})")
    if max_radius is not None:
        check_number(max_radius, "max_radius", 0, strict_min=True)
    return {"start": start_ts, "end": end_ts, "max_radius": max_radius,
            "max_days": int(check_number(max_days, "max_days", 1, integer=True)),
            "min_cases": int(check_number(min_cases, "min_cases", 1, integer=True)),
            "max_share": float(check_number(max_share, "max_share", 0, 0.5, strict_min=True)),
            "replications": int(check_number(replications, "replications", 0, integer=True)),
            "seed": seed}


def _candidates(observed, mu, llr, min_cases, sizes, order, dist, name_rank):
    """Das beste Fenster jedes Zentrums, sortiert wie in SaTScan (siehe :func:`_compare`)."""
    log_mu, log_rest = log_tables(mu, llr.total)
    grid = llr_grid(observed, mu, log_mu, log_rest, llr, min_cases)
    candidates = []
    for c, value, j, k in _best_per_centre(grid, sizes):
        members = order[c, :j + 1]
        candidates.append({"centre": c, "llr": value, "size": j + 1, "k": k,
                           "members": members, "radius": float(dist[c, members[-1]]),
                           "observed": int(observed[c, j, k]), "expected": float(mu[c, j, k]),
                           "name_rank": int(name_rank[c])})
    return sorted(candidates, key=functools.cmp_to_key(_compare))


def _report(kept, maxima, labels, params):
    """Ränge, p-Werte und die Meldegrenze (der erste immer, weitere mit LLR ≥ 0,001, p < 1)."""
    reps, end, rows = params["replications"], params["end"], []
    for cand in kept:
        rank = 1 + int(np.sum(maxima >= cand["llr"] - _TIE))
        if rows and (cand["llr"] < _MIN_REPORT_LLR or (reps and rank > reps)):
            continue
        rows.append({
            "rank": len(rows) + 1, "centre": labels[cand["centre"]],
            "locations": Members(labels[cand["members"]].tolist()),
            "start": end - pd.Timedelta(days=cand["k"]), "end": end,
            "observed": cand["observed"], "expected": cand["expected"], "llr": cand["llr"],
            "p_value": rank / (reps + 1) if reps else np.nan, "radius": cand["radius"]})
    return pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
