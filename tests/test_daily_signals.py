"""Daily signals in the picture (#17): spikes and space-time clusters of the last 7 reported
days are stored with the weekly signals, raise the Lagestufe, appear on the overview, the
alert page, the map and in the briefing, and the demo's injected cluster is found."""

from __future__ import annotations

import io
import re
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from lagebild.alerts import service as alerting
from lagebild.access import SYSTEM, Actor
from lagebild.alerts.config import AlertConfigError, load_alert_config, parse_alert_config
from lagebild.alerts.level import level
from lagebild.analytics.daily import daily_level, daily_signals, district_of
from lagebild.analytics.trends import CITY as CITY_KEY
from lagebild.analytics.spikes import SpikeRule
from lagebild.briefing.build import make
from lagebild.catalog import load_catalog
from lagebild.demo.city import CLUSTER_DISTRICTS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"
CATALOG = load_catalog()
CONFIG = load_alert_config(catalog=CATALOG)
KRISENSTAB = Actor("k", "krisenstab", cities=frozenset({CITY}))
GAST = Actor("g", "gast", cities=frozenset({CITY}))
SETTINGS = {"scan_indicators": ("drogennotfaelle",), "study_days": 60, "max_days": 3,
            "max_radius_m": 1000.0, "replications": 99, "cluster_p": 0.05,
            "spike_level": 1, "cluster_level": 2, "ears_min_count": 3}


def _daily(extra: list[tuple[int, int, int]]) -> pd.DataFrame:
    """Six districts on a line, 1–2 cases a day for 60 days, plus (district, day, count)."""
    days = pd.date_range("2026-01-01", periods=60, freq="D")
    rows = [(d, day, 1 + day.day % 2) for d in range(1, 7) for day in days]
    rows += [(d, days[i], n) for d, i, n in extra]
    return pd.DataFrame(rows, columns=["district_id", "day", "count"]).assign(
        indicator="drogennotfaelle")


CENTROIDS = pd.DataFrame({"district_id": range(1, 7), "y": 0.0,
                          "x": [0.0, 900.0, 5000.0, 9000.0, 13000.0, 17000.0]})


# ------------------------------------------------------------------ pure analytics
def test_a_cluster_of_two_neighbours_is_found_and_a_quiet_city_has_none():
    quiet = daily_signals(_daily([]), CENTROIDS, [], SETTINGS)
    assert quiet.empty
    found = daily_signals(_daily([(1, -1, 12), (2, -1, 12)]), CENTROIDS, [], SETTINGS)
    (row,) = found[found["kind"] == "cluster"].to_dict("records")
    assert row["kind"] == "cluster" and row["district_ids"] == [1, 2]
    assert row["observed"] == 28 and row["p_value"] <= 0.05 and row["radius_m"] == 900.0
    far = daily_signals(_daily([(1, -1, 12), (6, -1, 12)]), CENTROIDS, [], SETTINGS)
    far = far[far["kind"] == "cluster"]
    assert all(len(ids) == 1 for ids in far["district_ids"])   # 16 km apart: not one circle


def test_spikes_keep_the_newest_window_per_rule_and_place():
    rule = SpikeRule("drogennotfaelle", "district", 4, 24)
    out = daily_signals(_daily([(3, -5, 5), (3, -2, 5)]), CENTROIDS, [rule],
                        SETTINGS | {"scan_indicators": ()})
    (row,) = out.to_dict("records")
    assert row["kind"] == "spike" and row["district_ids"] == [3]
    # base on 28.02. is 1 + 28 % 2 = 1: the newer window (6) wins over the older one (5+2)
    assert row["end_day"] == pd.Timestamp("2026-02-28") and row["observed"] == 6


@pytest.mark.parametrize("kinds, level", [((), 0), (("spike",), 1), (("cluster",), 2),
                                          (("spike", "cluster"), 2)])
def test_daily_level(kinds, level):
    assert daily_level(pd.DataFrame({"kind": list(kinds)}), SETTINGS) == level


@pytest.mark.parametrize("table, key", [({"cluster_level": 4}, "daily.cluster_level"),
                                        ({"cluster_p": 0.9}, "daily.cluster_p"),
                                        ({"scan_indicators": ["xyz"]}, "daily.scan_indicators"),
                                        ({"radius": 3}, "daily.radius")])
def test_daily_settings_are_checked_with_german_errors(table, key):
    import tomllib
    raw = tomllib.loads((ROOT / "data" / "alerts.toml").read_text(encoding="utf-8"))
    raw["daily"] = raw["daily"] | table
    with pytest.raises(AlertConfigError, match=re.escape(key)):
        parse_alert_config(raw, CATALOG)


def test_the_daily_settings_are_documented():
    doc = (ROOT / "docs" / "alerts.md").read_text(encoding="utf-8")
    for key in CONFIG.daily:
        assert f"`{key}`" in doc, key


# ------------------------------------------------------------------ the demo
def test_the_demo_cluster_is_found_by_the_scan_and_the_spike_rule(demo_store):
    daily = alerting.load_daily(demo_store, SYSTEM, CITY)
    dist = demo_store.districts(SYSTEM, CITY).set_index("district_id")["code"]
    clusters = daily[daily["kind"] == "cluster"]
    assert len(clusters) >= 1
    top = clusters.iloc[0]
    assert {dist[i] for i in top["district_ids"]} == set(CLUSTER_DISTRICTS)
    assert top["p_value"] <= CONFIG.daily["cluster_p"] and top["observed"] > 2 * top["expected"]
    places = {district_of(ids) for ids in daily.loc[daily["kind"] == "spike", "district_ids"]}
    spiked = {dist[p] for p in places if p != CITY_KEY}
    assert spiked & set(CLUSTER_DISTRICTS)


def test_a_cluster_raises_the_lagestufe_with_its_reason(demo_store):
    signals = alerting.load_signals(demo_store, SYSTEM, CITY)
    daily = alerting.load_daily(demo_store, SYSTEM, CITY)
    week = alerting.latest_week(signals)
    quiet = CONFIG.__class__(**{**CONFIG.__dict__, "levels": ()})   # no weekly rule at all
    esc = level(signals, week, quiet, daily)
    assert esc.level == CONFIG.daily["cluster_level"]
    assert "Raum-Zeit-Scan" in esc.rule.label("de")
    older = level(signals, week - pd.Timedelta(days=14), quiet, daily)
    assert older.level == 0                       # the daily signals belong to the newest week


# ------------------------------------------------------------------ where people look
def _page(db, page, actor, monkeypatch) -> AppTest:
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = actor
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _cluster_line(at) -> str:
    lines = [e.value for e in at.error if e.value.startswith("Häufung von Drogennotfällen")]
    assert lines, [e.value for e in at.error]
    return lines[0].replace("\\", "")


def test_overview_and_alert_page_show_the_last_7_days(demo_db, monkeypatch):
    at = _page(demo_db, "pages/overview.py", KRISENSTAB, monkeypatch)
    assert any(h.value == "Letzte 7 Tage" for h in at.subheader)
    line = _cluster_line(at)
    assert re.search(r"in (Schäferwiese|Lerchenfeld|Ziegelhof), .* vom 1\d\.11\. bis "
                     r"15\.11\.2026: \d+ beobachtet, \d+,\d erwartet, p = 0,0\d\d", line), line
    spikes = [w.value for w in at.warning if "Schwelle 3 in 24 Stunden" in w.value]
    assert spikes
    at = _page(demo_db, "pages/alerts.py", KRISENSTAB, monkeypatch)
    assert _cluster_line(at) == line


def test_guests_read_the_spikes_without_small_counts(demo_db, monkeypatch):
    at = _page(demo_db, "pages/overview.py", GAST, monkeypatch)
    spikes = [w.value.replace("\\", "") for w in at.warning if "Schwelle 3 in 24" in w.value]
    assert spikes
    for text in spikes:
        assert "auffällig gehäuft" in text or not re.match(r"[1-4] ", text), text


def test_the_map_draws_the_cluster_as_a_circle(demo_db, monkeypatch):
    at = _page(demo_db, "pages/map.py", KRISENSTAB, monkeypatch)
    assert not any("Kreis: Häufung" in c.value for c in at.caption)   # Spritzenfunde: none
    at.selectbox(key="map_indicator").set_value("drogennotfaelle").run()
    assert any("Kreis: Häufung des Raum-Zeit-Scans" in c.value for c in at.caption)


def test_cluster_circles_are_escaped_map_layers():
    from lagebild import maps
    from lagebild.maps import layers as map_layers
    dist = gpd_districts()
    m = maps.base_map(dist)
    map_layers.add_clusters(m, pd.DataFrame({"lat": [51.0], "lon": [10.0], "radius_m": [0.0],
                                             "label": ["<img src=x onerror=alert(1)> ${x}"]}))
    html = maps.to_html(m)
    assert "lagebild-cluster" in html and "<img src=x" not in html and "${x}" not in html
    assert "400.0" in html                                  # one district: a 400 m circle


def gpd_districts():
    from lagebild.demo.city import demo_districts
    return demo_districts()


def test_the_briefing_lists_the_daily_signals(demo_store):
    docs = make(demo_store, KRISENSTAB, CITY, catalog=CATALOG, config=CONFIG,
                today=date(2026, 11, 20))
    text = " ".join("\n".join(p.extract_text() for p in
                              PdfReader(io.BytesIO(docs.pdf)).pages).split())
    assert "Tägliche Signale (letzte 7 Tage)" in text
    assert "Häufung von Drogennotfällen in" in text and "p = 0,0" in text
    assert "Häufung von Drogennotfällen in" in docs.html


def test_the_alert_list_starts_with_the_daily_signals(demo_db, monkeypatch):
    at = _page(demo_db, "pages/alerts.py", KRISENSTAB, monkeypatch)
    table = frame_with(at, "Status", "Grund (stärkste Woche)")
    daily = table[table["Status"] == "tägliches Signal (letzte 7 Tage)"]
    cluster = daily[daily["Grund (stärkste Woche)"].str.startswith("Häufung von Drogennotfällen")]
    assert len(cluster) == 1
    assert set(cluster.iloc[0]["Stadtteil"].split(", ")) == {"Schäferwiese", "Lerchenfeld",
                                                             "Ziegelhof"}
    assert table.index[table["Status"] != "tägliches Signal (letzte 7 Tage)"].min() > \
        daily.index.max()                                    # the daily signals come first


def test_daily_ears_alarms_on_a_jump_and_treats_unreported_days_as_missing():
    settings = SETTINGS | {"replications": 0, "ears_min_count": 3}
    quiet = daily_signals(_daily([]), CENTROIDS, [], settings)
    assert "ears" not in set(quiet["kind"])                 # 1–2 a day: no daily alarm
    jump = daily_signals(_daily([(4, -2, 6)]), CENTROIDS, [], settings)
    rows = [r for r in jump[jump["kind"] == "ears"].to_dict("records")
            if r["district_ids"] == [4]]
    assert len(rows) == 1
    row = rows[0]
    # 28.02.: 1 + 0 + 6 cases; C2 compares with 19.–25.02. = 2, 1, 2, 1, 2, 1, 2 → mean 11/7
    assert row["observed"] == 7 and row["expected"] == pytest.approx(11 / 7)
    assert row["observed"] > row["upper"] > row["expected"]
    data = _daily([(4, -2, 6)])
    gap = data[data["day"] != data["day"].max() - pd.Timedelta(days=1)]    # nobody reported
    gapped = daily_signals(gap, CENTROIDS, [], settings)
    assert "ears" not in set(gapped["kind"])                # that day is missing, not 0


def test_daily_ears_reason_hides_small_counts_and_their_bounds():
    from lagebild.alerts.daily_text import ears_reason
    row = {"end_day": pd.Timestamp("2026-11-10"), "observed": 3.0, "expected": 0.4,
           "upper": 2.1}
    full = ears_reason(row, "Drogennotfälle", "in Ziegelhof")
    assert full == ("Drogennotfälle in Ziegelhof am 10.11.2026: 3, erwartet 0,4, Warnschwelle "
                    "2,1 (EARS C2 auf Tageszahlen, α = 0,001)")
    hidden = ears_reason(row, "Drogennotfälle", "in Ziegelhof", k=5)
    assert not re.search(r"\d,\d|: \d", hidden) and "auffällig erhöht" in hidden
