"""Suppression as a property of everything a guest sees together (#15 point 2, #21).

For a city, the collector below gathers every number the restricted role (``gast``) is shown,
through the same view models the pages, the briefing and the export call: the overview for
every week of the week picker (metrics, district table, indicator detail), the map and its
district detail, the district page, the trend chart with its band, the reasons in words, the
Ampel, the briefing's key numbers and reasons, and the guest export. Each shown number of a
person-related indicator becomes a linear equation over the true weekly counts per district
(a district cell, a whole-city total, a rate or a share); then, per indicator, linear algebra
decides which hidden cells the equations determine. None may be determined, and no shown
number may be 1..k−1. Run on the demo and on a generated city full of small counts.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import only  # noqa: E402
from privacy_attack import pinned_cells  # noqa: E402

from lagebild import export
from lagebild.alerts import text as alert_text, views as alert_views, service as alerting
from lagebild.views import district as district_view, situation as views
from lagebild.briefing import model as briefing
from lagebild.access import SYSTEM, Actor
from lagebild.alerts.config import load_alert_config
from lagebild.analytics import trends
from lagebild.briefing.data import collect
from lagebild.catalog import load_catalog

K = 5
LANG = "de"
GUEST = Actor("gast", "gast")
CITY = trends.CITY
HIDDEN_TEXTS = {f"< {K}", "×"}
NONE_TEXTS = {"–", "nicht gemeldet", ""}


def _number(text) -> float | None:
    """A shown German number ('1.234', '12,5', '25 %'); None for hidden or missing."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    if isinstance(text, (int, float, np.integer, np.floating)):
        return float(text)
    s = str(text).strip().replace("\u202f", " ")
    if s in HIDDEN_TEXTS or s in NONE_TEXTS:
        return None
    s = s.removesuffix("%").strip().replace(".", "").replace(",", ".")
    return float(s)


class View:
    """Every number one guest sees: equations ``sum(cells) = value`` per indicator, plus the
    texts that must not carry numbers at all."""

    def __init__(self, grid, districts):
        self.grid, self.districts = grid, districts
        self.eq: dict[str, list[tuple[tuple, float, str]]] = {}
        self.pop = districts.set_index("district_id")["population"]
        self.problems: list[str] = []
        self.labels: dict[str, dict[tuple, str]] = {}     # hidden cells: "< k" or "×"

    def cell(self, ind, did, week, value, where, tol=0.01):
        if str(value).strip() in HIDDEN_TEXTS:
            self.labels.setdefault(ind, {})[(did, pd.Timestamp(week))] = str(value).strip()
        self._add(ind, ((did, pd.Timestamp(week)),), value, where, tol)

    def city(self, ind, week, value, where):
        cells = tuple((d, pd.Timestamp(week)) for d in self.districts["district_id"])
        self._add(ind, cells, value, where, 0.01)

    def _add(self, ind, cells, value, where, tol):
        v = _number(value)
        if v is None:
            return
        if 1 <= round(v) <= K - 1 and len(cells) == 1:
            self.problems.append(f"{where}: {ind} zeigt {v:g}")
        self.eq.setdefault(ind, []).append((cells, v, where, tol))

    def no_numbers(self, text: str, where: str, allowed=()):
        rest = text
        for a in allowed:
            rest = rest.replace(a, "")
        if re.search(r"\d", rest):
            self.problems.append(f"{where}: Zahl im Text „{text}“")

    # ---------------------------------------------------------------- the analysis
    def label_leaks(self, ind: str) -> list[tuple]:
        """Hidden cells pinned to 1..k−1 by a shown city total, the shown cells of that week
        and what the labels say ("< k" = 1..k−1, "×" = 0 or ≥ k; a cell the guest never sees
        may be anything). Linear algebra alone misses these: 1 + 5 = 6 has one solution
        only because "×" cannot be 1..k−1."""
        eqs = self.eq.get(ind, [])
        n = len(self.districts)
        shown = {cells[0]: v for cells, v, _, _ in eqs if len(cells) == 1}
        totals = {cells[0][1]: v for cells, v, _, _ in eqs if len(cells) == n}
        labels = self.labels.get(ind, {})
        leaks = []
        for week, total in totals.items():
            cells = [(d, week) for d in self.districts["district_id"]]
            rest = int(round(total - sum(shown.get(c, 0) for c in cells if c in shown)))
            hidden = [c for c in cells if c not in shown]

            def options(c):
                label = labels.get(c)
                if label == f"< {K}":
                    return range(1, K)
                if label == "×":
                    return [0, *range(K, rest + 1)]
                return range(0, rest + 1)               # never shown: anything
            leaks += pinned_cells(hidden, options, rest, K)
        return leaks

    def derivable(self, ind: str) -> list[tuple]:
        """Hidden cells (district, week) that the shown equations determine exactly."""
        eqs = self.eq.get(ind, [])
        g = self.grid[(self.grid["indicator"] == ind) & (self.grid["district_id"] != CITY)]
        truth = {(d, pd.Timestamp(w)): c for d, w, c in
                 zip(g["district_id"], g["week"], g["count"])}
        cols = sorted({c for cells, _, _, _ in eqs for c in cells}, key=str)
        index = {c: i for i, c in enumerate(cols)}
        if not cols:
            return []
        a = np.zeros((len(eqs), len(cols)))
        for r, (cells, value, where, tol) in enumerate(eqs):
            for c in cells:
                a[r, index[c]] = 1.0
            true = sum(truth.get(c, 0) or 0 for c in cells)     # the collector reads right
            assert abs(true - value) <= tol, f"{where}: {ind} zeigt {value}, wahr ist {true}"
        shown_single = {cells[0] for cells, _, _, _ in eqs if len(cells) == 1}
        # row space of a: e_j lies in it iff the null space has no weight on j
        _, s, vt = np.linalg.svd(a, full_matrices=True)
        rank = int((s > 1e-9).sum())
        null = vt[rank:]
        determined = [c for c, j in index.items()
                      if null.shape[0] == 0 or np.abs(null[:, j]).max() < 1e-9]
        return [(c, truth.get(c)) for c in determined
                if c not in shown_single and truth.get(c) is not None
                and 1 <= truth.get(c) <= K - 1]


def gather(store, city: str, today: date, export_frame=True) -> View:
    """Every number the guest sees for ``city`` (see the module docstring)."""
    catalog, cfg = load_catalog(), load_alert_config(catalog=load_catalog())
    dist = store.districts(GUEST, city)
    grid = trends.weekly_grid(store.weekly_counts(GUEST, city), list(dist["district_id"]),
                              catalog.keys, store.coverage(GUEST, city))
    signals = alerting.compute(store, GUEST, city, catalog, cfg)
    view = View(grid, dist)
    person = [i for i in catalog if i.person_related]
    names = dist.set_index("district_id")["name"].to_dict()
    by_name = {v: k for k, v in names.items()}
    latest = trends.latest_complete_week(grid)
    picker = sorted(w for w in grid["week"].unique() if w <= latest)[-8:]   # week picker

    for week in picker:                                           # ---- overview
        summary = trends.week_summary(grid, week)
        previous = pd.Timestamp(week) - pd.Timedelta(days=7)
        for m in views.city_metrics(summary, catalog, week, LANG, K):
            if catalog[m.key].person_related:
                view.city(m.key, week, m.value, f"Kennzahl {m.key} {week:%F}")
                assert m.delta is None
        matrix = views.district_matrix(summary, dist, catalog, LANG, K)
        for ind in person:
            for name, text in matrix[ind.label(LANG)].items():
                view.cell(ind.key, by_name[name], week, text, f"Stadtteiltabelle {week:%F}")
            detail = views.indicator_detail(summary, dist, ind.key, LANG, K)
            for row in detail.itertuples(index=False):
                for value, when in ((row[1], week), (row[2], previous)):
                    if row[0] == "Gesamtstadt":
                        view.city(ind.key, when, value, f"Einzelheiten {week:%F}")
                    else:
                        view.cell(ind.key, by_name[row[0]], when, value, f"Einzelheiten {week:%F}")
        esc, cells, watch = alerting.week_picture(signals, week, cfg, pd.DataFrame(
            columns=["district_id", "neighbour_id"]))
        for colour, text, row in alert_views.reason_lines(cells, dist, catalog, LANG, K):
            if catalog[row["indicator"]].person_related:
                view.no_numbers(text, "Grund", (trends.iso_label(row["week"], LANG),
                                                alert_text.method_label(row["method"], LANG)))
        text, _ = alert_views.ampel_matrix(cells, watch, dist, catalog, LANG)
        for ind in person:
            for cell in text[ind.label(LANG)]:
                if not cell.startswith("○"):
                    view.no_numbers(cell, "Ampel")

    week = latest
    for ind in person:                                             # ---- map (one week)
        for rate in (False, True):
            cells = views.map_cells(grid, dist, ind.key, week, 1, rate, LANG, K)
            for did, label in zip(cells["district_id"], cells["label"]):
                value = _number(label)
                if value is not None and rate:
                    value = value * view.pop[did] / 10_000
                view.cell(ind.key, did, week, value, "Karte" + (" je 10 000" if rate else ""),
                          tol=0.05 * view.pop[did] / 10_000 + 0.01)
        with pytest.raises(ValueError):                            # no multi-week sums
            views.map_cells(grid, dist, ind.key, week, 12, False, LANG, K)
        series = views.trend_series(grid, dist, ind.key, [CITY], 104, LANG, K)   # ---- trends
        for w, value in zip(series["week"], series["count"]):
            view.city(ind.key, w, value, "Trend")
        band = alert_views.band(signals, CITY, ind.key, 104, K)
        assert band["expected"].isna().all() and band["upperbound"].isna().all()
        for w, value, alarm in zip(band["week"], band["observed"], band["alarm"]):
            if alarm:
                view.city(ind.key, w, value, "Trend-Warnung")
    summary = trends.week_summary(grid, week)
    for did in dist["district_id"]:                                # ---- map detail, district page
        for row in views.district_detail_rows(grid, dist, catalog, did, week, 12, LANG, K):
            ind = next((i for i in person if row[0].startswith(i.label(LANG))), None)
            if ind is None:
                continue
            view.cell(ind.key, did, week, row[1], "Kartendetail")
            rate = _number(row[2])
            view.cell(ind.key, did, week,
                      None if rate is None else rate * view.pop[did] / 10_000,
                      "Kartendetail je 10 000", tol=0.05 * view.pop[did] / 10_000 + 0.01)
            view.cell(ind.key, did, week - pd.Timedelta(days=7), row[3], "Kartendetail Vorwoche")
            share = _number(row[4])
            total = grid[(grid["indicator"] == ind.key) & (grid["district_id"] == CITY)
                         & (grid["week"] == week)]["count"].iloc[0]
            view.cell(ind.key, did, week, None if share is None else share / 100 * total,
                      "Kartendetail Anteil", tol=0.005 * total + 0.01)
        rows = district_view.indicator_rows(summary, catalog, did, LANG, K)
        for r in rows.itertuples(index=False):
            ind = next((i for i in person if i.label(LANG) == r[0]), None)
            if ind is not None:
                view.cell(ind.key, did, week, r[1], "Stadtteilseite")
                view.cell(ind.key, did, week - pd.Timedelta(days=7), r[2], "Stadtteilseite")
                assert r[3] == r[4] == "–"

    inp = collect(store, GUEST, city, catalog=catalog, config=cfg, k=K, today=today,  # briefing
                  signals=signals, grid=grid)
    numbers = briefing.numbers_section(inp)
    for row in numbers.table.rows:
        ind = next((i for i in person if i.label(LANG) == row[0]), None)
        if ind is not None:
            view.city(ind.key, inp.report_week, row[5], "Briefing Kennzahlen")
            assert row[2] == row[3] == "–"
    for sec in briefing.alerts_sections(inp):
        for bullet in sec.bullets:
            if any(i.label(LANG) in bullet for i in person):
                view.no_numbers(bullet, "Briefing Grund", (trends.iso_label(inp.report_week),
                                *[alert_text.method_label(m, LANG) for m in
                                  ("ears_c1", "ears_c2", "ears_c3", "noufaily")]))
    if export_frame:                                               # ---- guest export
        frame = export.export_frame(store, GUEST, city, catalog, K)
        for r in frame.itertuples(index=False):
            if r.indikator in {i.key for i in person}:
                w = pd.Timestamp(date.fromisocalendar(int(r.woche[:4]), int(r.woche[6:]), 1))
                value = None if pd.isna(r.anzahl) else float(r.anzahl)
                if r.stadtteil == "Gesamtstadt":
                    view.city(r.indikator, w, value, "Export")
                else:
                    view.cell(r.indikator, by_name[r.stadtteil], w, value, "Export")
    return view


def _check(view: View, catalog):
    assert view.problems == []
    for ind in catalog.person_related_keys():
        assert view.derivable(ind) == [], ind
        assert view.label_leaks(ind) == [], ind


def test_the_demo_reveals_no_small_count_to_a_guest(demo_store):
    last = demo_store.date_range(GUEST, "Musterstadt")[1]
    view = gather(demo_store, "Musterstadt", last + pd.Timedelta(days=1))
    catalog = load_catalog()
    assert sum(len(v) for v in view.eq.values()) > 1000       # the collector did see a lot
    _check(view, catalog)


def _small_city(store, name="Kleinhausen", n_districts=12, n_weeks=20, seed=7):
    """A city whose person-related counts are mostly 0..4 per district and week."""
    store.ensure_city(SYSTEM, name)
    words = ["Au", "Berg", "Dorf", "Eck", "Feld", "Hain", "Heide", "Hof", "Mark", "Moor",
             "Ried", "Tal", "Wald", "Weide"][:n_districts]
    gdf = gpd.GeoDataFrame({"code": [f"{i:02d}" for i in range(n_districts)], "name": words,
                            "population": [3000 + 500 * i for i in range(n_districts)],
                            "parent": [None] * n_districts},
                           geometry=[box(10 + 0.01 * i, 51, 10.01 + 0.01 * i, 51.01)
                                     for i in range(n_districts)], crs="EPSG:4326")
    store.upsert_districts(SYSTEM, name, gdf)
    ids = list(store.districts(SYSTEM, name)["district_id"])
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-06-01", periods=7 * n_weeks)
    catalog = load_catalog()
    rows = []
    for ind in catalog:
        lam = 0.12 if ind.person_related else 1.5
        for did in ids:
            counts = rng.poisson(lam * (3 if did == ids[0] else 1), len(days))
            rows.append(pd.DataFrame({"district_id": did, "indicator": ind.key, "date": days,
                                      "count": counts, "lat": None, "lon": None, "note": None}))
    rows = pd.concat(rows, ignore_index=True)
    periods = pd.DataFrame({"indicator": catalog.keys, "start_date": days[0].date(),
                            "end_date": days[-1].date()})
    store.insert_upload(SYSTEM, name, "Testdienst", "klein.csv", "h-klein", rows, periods)
    return days[-1].date()


def test_a_city_of_small_counts_reveals_none_to_a_guest(empty_store):
    last = _small_city(empty_store)
    view = gather(empty_store, "Kleinhausen", last + pd.Timedelta(days=1))
    catalog = load_catalog()
    g = view.grid[view.grid["district_id"] != CITY]
    person = g[g["indicator"].isin(catalog.person_related_keys())]["count"]
    assert ((person >= 1) & (person <= 4)).mean() > 0.3     # the point: many small counts
    _check(view, catalog)


def test_the_check_finds_a_leak():
    """The analysis itself: a reason naming a hidden count, and a city total that gives a
    single hidden district away, are both caught."""
    dist = pd.DataFrame({"district_id": [1, 2, 3], "name": ["A", "B", "C"],
                         "population": [1000, 1000, 1000]})
    w = pd.Timestamp("2026-11-09")
    grid = pd.DataFrame({"district_id": [1, 2, 3, CITY], "indicator": "naloxon",
                         "week": w, "count": [1.0, 14.0, 0.0, 15.0]})
    view = View(grid, dist)
    view.cell("naloxon", 3, w, "0", "Tabelle")
    view.cell("naloxon", 1, w, "< 5", "Tabelle")
    view.cell("naloxon", 2, w, "×", "Tabelle")
    assert view.derivable("naloxon") == []                   # table alone: safe
    view.cell("naloxon", 2, w, "14", "Grund")                # "Bahnhofsviertel 14" ...
    view.city("naloxon", w, "15", "Grund")                   # ... "Gesamtstadt 15"
    assert view.derivable("naloxon") == [((1, w), 1.0)]
    labelled = View(pd.DataFrame({"district_id": [1, 2, 3, CITY], "indicator": "naloxon",
                                  "week": w, "count": [1.0, 5.0, 30.0, 36.0]}), dist)
    labelled.cell("naloxon", 1, w, "< 5", "Tabelle")          # the rule before #15 ...
    labelled.cell("naloxon", 2, w, "×", "Tabelle")
    labelled.cell("naloxon", 3, w, "30", "Tabelle")
    labelled.city("naloxon", w, "36", "Kennzahl")
    assert labelled.derivable("naloxon") == []                 # ... passes linear algebra,
    assert labelled.label_leaks("naloxon") == [((1, w), 1)]    # not what the labels say
    view.no_numbers("Naloxon-Gaben in Altstadt: 14 in KW 46/2026", "Grund", ("KW 46/2026",))
    assert len(view.problems) == 1


def test_guest_trend_page_draws_no_expectation_for_person_related(demo_db, monkeypatch):
    """The page itself: a guest's Naloxon trend has no expected/threshold line and says why."""
    import json
    from pathlib import Path

    from streamlit.testing.v1 import AppTest
    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = AppTest.from_file(str(root / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = GUEST
    at.run()
    at.switch_page("pages/trends.py").run()
    at.selectbox(key="trends_indicator").set_value("naloxon").run()
    assert not at.exception
    spec = json.loads(only(at.get("plotly_chart")).proto.spec)
    names = [tr.get("name") for tr in spec["data"]]
    assert names[0] == "Gesamtstadt" and "erwartet / Warnschwelle" not in names
    assert any("Erwartung und Warnschwelle zeigt die eingeschränkte Ansicht" in c.value
               for c in at.caption)
