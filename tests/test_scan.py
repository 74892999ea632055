"""Prospektiver Raum-Zeit-Permutationsscan (``lagebild.analytics.scan``).

* Kleine Fälle, von Hand gerechnet: Erwartung n(z)·T/N, LLR, Kreisreihenfolge bei gleichen
  Entfernungen, 50-%-Grenze, nur Fenster bis zum Enddatum, Mindestfallzahl, Gleichstände im
  Monte-Carlo-Rang, geometrischer Überschneidungstest.
* Die beiden SaTScan-10.3.2-Läufe aus ``../shared/reference/satscan/`` (im Test gelesen):
  Orte, Zeitfenster, beobachtet, erwartet, LLR exakt; p-Werte im Monte-Carlo-Fehler.
* Eingabefehler mit deutscher Meldung (Zeile, Spalte); Eingaben bleiben unverändert.
"""

from __future__ import annotations

from math import log, sqrt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lagebild.analytics import scan
from lagebild.analytics.scan import montecarlo as scan_montecarlo
from lagebild.analytics.scan import latlong_to_xyz, space_time_permutation

SATSCAN = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "satscan"


def _llr(n, mu, total):
    return n * log(n / mu) + (total - n) * log((total - n) / (total - mu))


def _frame(rows):
    return pd.DataFrame(rows, columns=["location", "date", "count"])


# --------------------------------------------------------------------------- kleine Fälle
def _plus_grid():
    """C in der Mitte, W/S/N/E im Abstand 1, sechs ferne Orte F1…F6.

    Tage 1–4: jeder Ort 1 Fall; Tag 5: C, W, S und F1 je 1 Fall. N = 48, T(Tag 5) = 4,
    Summen: C, W, S, F1 = 5, sonst 4; 50 % = 24 (C+W+S+N+E = 23 passt)."""
    coords = {"C": (1, 1), "W": (0, 1), "S": (1, 0), "N": (1, 2), "E": (2, 1)}
    coords.update({f"F{i}": (10 * i, 10 * i) for i in range(1, 7)})
    locs = pd.DataFrame([(k, float(x), float(y)) for k, (x, y) in coords.items()],
                        columns=["location", "x", "y"])
    days = pd.date_range("2026-11-26", periods=5)
    rows = [(loc, day, 1) for day in days[:4] for loc in coords]
    rows += [(loc, days[4], 1) for loc in ("C", "W", "S", "F1")]
    return _frame(rows), locs, days


def test_equal_distances_ordered_by_x_then_y_and_partial_ring_is_a_window():
    cases, locs, days = _plus_grid()
    res = space_time_permutation(cases, locs, days[0], days[-1], max_radius=1.0,
                                 replications=0)
    top = res.iloc[0]
    # Ring um C: W (x=0), S (x=1, y=0), N (x=1, y=2), E (x=2) – nicht alphabetisch (E, N, S, W)
    assert top["centre"] == "C"
    assert top["locations"] == ("C", "W", "S")
    assert (top["start"], top["end"]) == (days[4], days[4])
    assert top["observed"] == 3
    assert top["expected"] == pytest.approx(15 * 4 / 48, abs=1e-12)
    assert top["llr"] == pytest.approx(_llr(3, 1.25, 48), abs=1e-9)  # 0,9096…
    assert top["radius"] == pytest.approx(1.0)


def test_equal_coordinates_tie_break_uses_y_after_x():
    """Um C (1,1): D (2,1) im Abstand 1, dann A (0,0) und B (0,2) gleich weit (√2) mit
    gleichem x → kleineres y (A) zuerst. Am letzten Tag je 1 Fall an C, D, A (und Z1)."""
    far = [f"Z{i}" for i in range(1, 5)]
    locs = pd.DataFrame({"location": ["C", "D", "B", "A", *far],
                         "x": [1.0, 2, 0, 0, 50, 60, 70, 80], "y": [1.0, 1, 2, 0, 50, 60, 70, 80]})
    days = pd.date_range("2026-12-01", periods=4)
    rows = [(loc, d, 1) for d in days[:3] for loc in locs["location"]]
    rows += [(loc, days[3], 1) for loc in ("C", "D", "A", "Z1")]
    res = space_time_permutation(_frame(rows), locs, days[0], days[-1], max_radius=1.5,
                                 replications=0)
    top = res.iloc[0]
    assert top["locations"] == ("C", "D", "A")
    # N = 28, T(letzter Tag) = 4, C, D, A je 4 Fälle: μ = 12·4/28
    assert top["llr"] == pytest.approx(_llr(3, 12 * 4 / 28, 28), abs=1e-9)


def test_circle_stops_at_half_of_all_cases():
    # A hat 14 von 34 Fällen, B 10: A+B = 24 > 17 → der Kreis um A bleibt {A}
    locs = pd.DataFrame({"location": ["A", "B", "C"], "x": [0.0, 1, 2], "y": [0.0, 0, 0]})
    days = pd.date_range("2026-11-01", periods=10)
    rows = [(loc, d, 1) for d in days for loc in ("A", "B", "C")] + [("A", days[-1], 4)]
    res = space_time_permutation(_frame(rows), locs, days[0], days[-1], max_radius=5.0,
                                 replications=0)
    top = res.iloc[0]
    assert top["locations"] == ("A",)
    assert top["expected"] == pytest.approx(14 * 7 / 34)
    assert top["llr"] == pytest.approx(_llr(5, 14 * 7 / 34, 34), abs=1e-9)
    # mit 80 % … nicht erlaubt: SaTScan lässt höchstens 50 % zu
    with pytest.raises(ValueError, match="max_share darf höchstens 0.5"):
        space_time_permutation(_frame(rows), locs, days[0], days[-1], max_radius=5.0,
                               max_share=0.8, replications=0)


def test_only_windows_ending_on_the_end_date_and_at_most_max_days():
    # eine große Häufung an A am Tag 3 von 12 wird prospektiv nicht gemeldet
    locs = pd.DataFrame({"location": ["A", "B", "C"], "x": [0.0, 10, 20], "y": [0.0, 0, 0]})
    days = pd.date_range("2026-11-01", periods=12)
    rows = [(loc, d, 1) for d in days for loc in ("A", "B", "C")] + [("A", days[2], 20)]
    rows += [("B", days[-2], 2)]
    res = space_time_permutation(_frame(rows), locs, days[0], days[-1], max_radius=1.0,
                                 max_days=3, replications=0)
    assert (res["end"] == days[-1]).all()
    assert ((res["end"] - res["start"]).dt.days < 3).all()
    assert res.iloc[0]["centre"] == "B"
    assert res.iloc[0]["start"] == days[-2]


def test_minimum_number_of_cases_and_empty_result():
    # 2 Fälle an A am letzten Tag: mit min_cases=3 gibt es kein Fenster
    locs = pd.DataFrame({"location": ["A", "B"], "x": [0.0, 10], "y": [0.0, 0]})
    days = pd.date_range("2026-12-01", periods=2)
    rows = [("A", days[1], 2), ("B", days[0], 2)]
    assert len(space_time_permutation(_frame(rows), locs, days[0], days[1], 1.0,
                                      replications=0)) == 1
    res = space_time_permutation(_frame(rows), locs, days[0], days[1], 1.0, min_cases=3,
                                 replications=9)
    assert res.empty and list(res.columns) == scan.CLUSTER_COLUMNS


def test_ties_count_in_the_monte_carlo_rank():
    """A: 2 Fälle am Tag 2, B: 2 Fälle am Tag 1 (N = 4). Beobachtet: n = 2, μ = 2·2/4 = 1,
    LLR = 2 ln 2 + 2 ln(2/3). Permutiert man die Tage, landen mit Wahrscheinlichkeit 1/6 beide
    Fälle von A am Tag 2 und mit 1/6 beide von B (dieselbe LLR, Gleichstand), sonst ist kein
    Fenster gültig (n = 1 < 2): p ≈ 1/3 (ohne Gleichstände wäre p ≈ 0,001)."""
    locs = pd.DataFrame({"location": ["A", "B"], "x": [0.0, 10], "y": [0.0, 0]})
    days = pd.date_range("2026-12-01", periods=2)
    rows = [("A", days[1], 2), ("B", days[0], 1), ("B", days[0], 1)]
    res = space_time_permutation(_frame(rows), locs, days[0], days[1], 1.0,
                                 replications=999, seed=7)
    top = res.iloc[0]
    assert (top["centre"], top["observed"], top["expected"]) == ("A", 2, 1.0)
    assert top["llr"] == pytest.approx(2 * log(2) + 2 * log(2 / 3), abs=1e-12)
    se = sqrt(1 / 3 * 2 / 3 / 999)
    assert abs(top["p_value"] - 1 / 3) < 4 * se
    again = space_time_permutation(_frame(rows), locs, days[0], days[1], 1.0,
                                   replications=999, seed=7)
    assert again.iloc[0]["p_value"] == top["p_value"]  # gleicher Seed → gleicher p-Wert


def _cluster(centre, members, dist):
    members = np.array(members)
    return {"centre": centre, "members": members, "size": len(members),
            "radius": float(dist[centre, members[-1]])}


@pytest.mark.parametrize("x_e, kept_members, cand_members, expected", [
    (2.0, [0, 1, 2], [3], True),       # E liegt auf dem Kreis um C (Radius 1), kein gemeinsamer Ort
    (2.01, [0, 1, 2], [3], False),     # knapp außerhalb
    (1.5, [0], [3], False),            # gleich groß: C (behalten, r = 0) – E nicht im Kreis um C
    (1.5, [3], [0], False),            # gleich groß, umgekehrt: E liegt nicht im Kreis r = 0 um C
    (1.5, [3], [0, 3], True),          # Kandidat größer: ein Ort des behaltenen (E) in seinem Kreis
])
def test_overlap_is_geometric(x_e, kept_members, cand_members, expected):
    # 0 = C (1,1), 1 = W (0,1), 2 = S (1,0), 3 = E (x_e, 1)
    coords = np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [x_e, 1.0]])
    dist = scan._distances(coords)
    kept = _cluster(kept_members[0], kept_members, dist)
    cand = _cluster(cand_members[0], cand_members, dist)
    assert scan._overlaps(kept, cand, dist) is expected


def test_cases_outside_the_study_period_are_ignored_and_inputs_unchanged():
    cases, locs, days = _plus_grid()
    extra = pd.concat([cases, _frame([("E", days[0] - pd.Timedelta(days=1), 100),
                                      ("N", days[-1] + pd.Timedelta(days=1), 100)])],
                      ignore_index=True)
    before_cases, before_locs = extra.copy(), locs.copy()
    a = space_time_permutation(cases, locs, days[0], days[-1], 1.0, replications=19, seed=3)
    b = space_time_permutation(extra, locs, days[0], days[-1], 1.0, replications=19, seed=3)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(extra, before_cases)
    pd.testing.assert_frame_equal(locs, before_locs)


def test_latlong_to_xyz_on_the_satscan_sphere():
    x, y, z = latlong_to_xyz([0.0, 90.0, 0.0], [0.0, 0.0, -90.0])
    np.testing.assert_allclose(x, [6367.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(y, [0.0, 0.0, -6367.0], atol=1e-9)
    np.testing.assert_allclose(z, [0.0, 6367.0, 0.0], atol=1e-9)


@pytest.mark.parametrize("change, message", [
    (lambda c, l: c.assign(location=c["location"].where(c.index != 2, "X")),
     "cases, Zeile 3, Spalte location: Ort 'X' fehlt in locations"),
    (lambda c, l: c.assign(count=c["count"].where(c.index != 0, -1)),
     "cases, Zeile 1, Spalte count: Anzahl muss eine ganze Zahl ≥ 0 sein"),
    (lambda c, l: c.assign(date=c["date"].astype(object).where(c.index != 4, "gestern")),
     "cases, Zeile 5, Spalte date: kein Datum"),
    (lambda c, l: c.drop(columns="count"), "cases fehlt die Spalte count"),
])
def test_bad_cases_give_german_errors_with_row_and_column(change, message):
    cases, locs, days = _plus_grid()
    with pytest.raises(ValueError, match=message):
        space_time_permutation(change(cases, locs), locs, days[0], days[-1], 1.0,
                               replications=0)


def test_bad_locations_and_parameters():
    cases, locs, days = _plus_grid()
    dup = pd.concat([locs, locs.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="locations, Zeile 12, Spalte location: Ort 'C' "
                                         "kommt doppelt vor"):
        space_time_permutation(cases, dup, days[0], days[-1], 1.0)
    bad = locs.assign(y=locs["y"].astype(object).where(locs.index != 1, "Nord"))
    with pytest.raises(ValueError, match="locations, Zeile 2, Spalte y"):
        space_time_permutation(cases, bad, days[0], days[-1], 1.0)
    with pytest.raises(ValueError, match="end .* liegt vor start"):
        space_time_permutation(cases, locs, days[-1], days[0], 1.0)
    with pytest.raises(ValueError, match="max_radius muss größer als 0"):
        space_time_permutation(cases, locs, days[0], days[-1], 0)
    with pytest.raises(ValueError, match="replications muss eine ganze Zahl"):
        space_time_permutation(cases, locs, days[0], days[-1], 1.0, replications=9.5)


# --------------------------------------------------------------------------- SaTScan
def _satscan_clusters(run: str) -> pd.DataFrame:
    col = pd.read_csv(SATSCAN / run / "results.col.txt", sep=r"\s+", dtype={"LOC_ID": str})
    gis = pd.read_csv(SATSCAN / run / "results.gis.txt", sep=r"\s+", dtype={"LOC_ID": str})
    col["locations"] = [tuple(gis.loc[gis["CLUSTER"] == c, "LOC_ID"]) for c in col["CLUSTER"]]
    return col


def _nyc():
    cas = pd.read_csv(SATSCAN / "inputs" / "NYCfever.cas", sep=r"\s+", header=None,
                      names=["location", "count", "date"], dtype={"location": str})
    geo = pd.read_csv(SATSCAN / "inputs" / "NYCfever.geo", sep=r"\s+", header=None,
                      names=["location", "lat", "lon"], dtype={"location": str})
    x, y, z = latlong_to_xyz(geo["lat"], geo["lon"])
    cas["date"] = pd.to_datetime(cas["date"], format="%Y/%m/%d")
    return cas, pd.DataFrame({"location": geo["location"], "x": x, "y": y, "z": z})


def _synth():
    return (pd.read_csv(SATSCAN / "inputs" / "cases.csv"),
            pd.read_csv(SATSCAN / "inputs" / "locations.csv"))


def _assert_deterministic(ours, ref):
    assert ours["centre"] == ref["LOC_ID"]
    assert ours["locations"] == ref["locations"]
    assert ours["start"] == pd.Timestamp(ref["START_DATE"].replace("/", "-"))
    assert ours["end"] == pd.Timestamp(ref["END_DATE"].replace("/", "-"))
    assert ours["observed"] == ref["OBSERVED"]
    assert round(ours["expected"], 2) == pytest.approx(ref["EXPECTED"], abs=1e-9)
    assert abs(ours["llr"] - ref["TEST_STAT"]) <= 5e-7 + 1e-9  # SaTScan druckt 6 Stellen


def _assert_p_close(p, p_ref, reps=999):
    # beide p-Werte sind Monte-Carlo-Schätzungen: 4 Standardfehler ihrer Differenz
    se = sqrt(2 * max(p_ref * (1 - p_ref), 1 / reps) / reps)
    assert abs(p - p_ref) <= 4 * se + 1e-9, (p, p_ref)


@pytest.mark.parametrize("run, data, start, end", [
    ("nyc_base_standardmc", _nyc, "2001-11-01", "2001-11-24"),
    ("synth_base", _synth, "2024-01-01", "2024-04-29"),
])
def test_reproduces_satscan(run, data, start, end):
    cases, locs = data()
    ref = _satscan_clusters(run)
    # alle Kandidaten (ohne Replikationen): die gemeldeten Cluster sind die ersten, in Reihenfolge
    listing = space_time_permutation(cases, locs, start, end, max_radius=3.0, replications=0)
    for i in range(len(ref)):
        _assert_deterministic(listing.iloc[i], ref.iloc[i])
    res = space_time_permutation(cases, locs, start, end, max_radius=3.0, replications=999,
                                 seed=20261204)
    assert list(res["rank"]) == list(range(1, len(res) + 1))
    for i in range(len(res)):
        if i >= len(ref):  # nur möglich, wenn SaTScans p-Wert knapp unter 1 lag
            raise AssertionError(f"Cluster {i + 1} zu viel: {res.iloc[i].to_dict()}")
        _assert_deterministic(res.iloc[i], ref.iloc[i])
        _assert_p_close(res.iloc[i]["p_value"], ref.iloc[i]["P_VALUE"])
    # SaTScan meldet Cluster 4 von NYC mit p = 0,999: ob er hier erscheint, ist Zufall
    assert len(res) >= len(ref[ref["P_VALUE"] < 0.99])


def test_simulated_maxima_follow_satscans_distribution():
    cases, locs = _nyc()
    res = space_time_permutation(cases, locs, "2001-11-01", "2001-11-24", max_radius=3.0,
                                 replications=999, seed=5)
    ours = res.attrs["simulated_llr"]
    theirs = np.loadtxt(SATSCAN / "nyc_base_standardmc" / "results.llr.txt", skiprows=1)
    for q in (2.5, 3.0, 3.5, 4.0, 5.0):
        a, b = (ours >= q).mean(), (theirs >= q).mean()
        assert abs(a - b) <= 4 * sqrt(2 * max(b * (1 - b), 1e-3) / 999), (q, a, b)


def test_pruned_and_blocked_simulation_equals_the_plain_one(monkeypatch):
    """Die Schwellen-Abkürzung und kleine Blöcke ändern kein simuliertes Maximum."""
    cases, locs = _synth()
    args = (cases, locs, "2024-01-01", "2024-04-29")
    fast = space_time_permutation(*args, max_radius=3.0, replications=199, seed=11)
    monkeypatch.setattr(scan_montecarlo, "_FLOOR_REPS", 10**9)      # nie abkürzen
    plain = space_time_permutation(*args, max_radius=3.0, replications=199, seed=11)
    monkeypatch.setattr(scan_montecarlo, "_CELLS", 1)                # Blöcke von 1 Replikation
    single = space_time_permutation(*args, max_radius=3.0, replications=199, seed=11)
    np.testing.assert_array_equal(fast.attrs["simulated_llr"], plain.attrs["simulated_llr"])
    np.testing.assert_array_equal(fast.attrs["simulated_llr"], single.attrs["simulated_llr"])
    assert (fast.attrs["simulated_llr"] > 0).all()


def test_integer_district_ids_come_back_as_given():
    cases, locs, days = _plus_grid()
    number = {name: i + 1 for i, name in enumerate(locs["location"])}
    res = space_time_permutation(cases.assign(location=cases["location"].map(number)),
                                 locs.assign(location=locs["location"].map(number)),
                                 days[0], days[-1], 1.0, replications=0)
    assert res.iloc[0]["centre"] == 1 and res.iloc[0]["locations"] == (1, 2, 3)
    assert isinstance(res.iloc[0]["centre"], (int, np.integer))
    with pytest.raises(ValueError, match="locations, Zeile 2, Spalte location: Kennung fehlt"):
        space_time_permutation(cases, locs.assign(location=locs["location"].where(
            locs.index != 1)), days[0], days[-1], 1.0)


# --------------------------------------------------------------------------- Gegenprobe
def _brute_force(cases, locs, start, end, max_radius, max_days, min_cases, max_share):
    """Die Definition als schlichte Schleifen (ohne Vektorisierung), für kleine Daten."""
    ids = [str(v) for v in locs["location"]]
    xy = locs[["x", "y"]].to_numpy(float)
    days = pd.date_range(start, end)
    table = {(str(r.location), pd.Timestamp(r.date)): 0 for r in cases.itertuples()}
    for r in cases.itertuples():
        table[(str(r.location), pd.Timestamp(r.date))] += r.count
    count = {(i, d): table.get((i, d), 0) for i in ids for d in days}
    total = sum(count.values())
    loc_total = {i: sum(count[(i, d)] for d in days) for i in ids}
    day_total = {d: sum(count[(i, d)] for i in ids) for d in days}
    found = []
    for c, centre in enumerate(ids):
        dist = [sqrt(((xy[c] - xy[o]) ** 2).sum()) for o in range(len(ids))]
        order = sorted(range(len(ids)), key=lambda o: (dist[o], xy[o][0], xy[o][1], ids[o]))
        circle, best, cum = [], None, 0
        for o in order:
            cum += loc_total[ids[o]]
            if dist[o] > max_radius or cum > max_share * total:
                break
            circle.append(o)
            for k in range(1, min(max_days, len(days)) + 1):
                window = days[-k:]
                n = sum(count[(ids[m], d)] for m in circle for d in window)
                mu = sum(loc_total[ids[m]] * day_total[d] / total for m in circle for d in window)
                if n > mu and n >= min_cases:
                    value = n * log(n / mu) + ((total - n) * log((total - n) / (total - mu))
                                               if n < total else 0.0)
                    if best is None or value > best[0]:
                        best = (value, list(circle), k, n, mu)
        if best:
            found.append((best, c))
    rank = {name: r for r, name in enumerate(sorted(ids))}
    found.sort(key=lambda f: (-round(f[0][0], 8), len(f[0][1]), rank[ids[f[1]]]))
    kept = []
    for (value, circle, k, n, mu), c in found:
        radius = sqrt(((xy[c] - xy[circle[-1]]) ** 2).sum())
        clash = False
        for kc, kcircle, kradius in kept:
            small, big, big_c, big_r = ((circle, kcircle, kc, kradius) if len(circle) < len(kcircle)
                                        else (kcircle, circle, c, radius))
            if any(sqrt(((xy[big_c] - xy[m]) ** 2).sum()) <= big_r + 1e-9 for m in small):
                clash = True
                break
        if not clash:
            kept.append((c, circle, radius))
            yield ids[c], tuple(ids[m] for m in circle), days[-k], n, mu, value


@pytest.mark.parametrize("seed", range(30))
def test_agrees_with_a_plain_loop_implementation(seed):
    rng = np.random.default_rng(seed)
    n_loc = int(rng.integers(4, 13))
    xy = rng.integers(0, 5, (n_loc, 2)).astype(float)          # Gitter: viele Gleichstände
    keep = ~pd.DataFrame(xy).duplicated().to_numpy()
    locs = pd.DataFrame({"location": [f"O{i}" for i in range(int(keep.sum()))],
                         "x": xy[keep, 0], "y": xy[keep, 1]})
    days = pd.date_range("2026-11-01", periods=int(rng.integers(3, 12)))
    counts = rng.poisson(rng.uniform(0.2, 1.5), (len(days), len(locs)))
    cases = pd.DataFrame({"location": np.tile(locs["location"], len(days)),
                          "date": days.repeat(len(locs)), "count": counts.ravel()})
    params = dict(max_radius=float(rng.choice([1.0, 1.5, 2.0, 3.0])),
                  max_days=int(rng.integers(1, 6)), min_cases=int(rng.integers(1, 4)),
                  max_share=float(rng.choice([0.2, 0.35, 0.5])))
    ours = space_time_permutation(cases, locs, days[0], days[-1], replications=0, **params)
    ours = ours[ours["llr"] >= 0.001]
    expected = [e for e in _brute_force(cases, locs, days[0], days[-1], **params)
                if e[5] >= 0.001]
    assert len(ours) == len(expected), params
    for row, (centre, members, first, n, mu, value) in zip(ours.itertuples(), expected):
        assert (row.centre, row.locations, row.start, row.observed) == (centre, members, first, n)
        assert row.expected == pytest.approx(mu, rel=1e-12)
        assert row.llr == pytest.approx(value, abs=1e-9)


def test_cluster_locations_compare_with_lists_and_tuples():
    cases, locs, days = _plus_grid()
    members = space_time_permutation(cases, locs, days[0], days[-1], 1.0,
                                     replications=0).iloc[0]["locations"]
    assert members == ["C", "W", "S"] and members == ("C", "W", "S")
    assert ["C", "W", "S"] == members and members != ["C", "S", "W"]
    assert list(members) == ["C", "W", "S"] and len({members, ("C", "W", "S")}) == 1
