"""AppTests of the alerts feature on the demo database: Lagestufe and Ampel on the overview,
the Warnungen page (list, filter, acknowledge), the band in Trends, the map's alert colours."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lagebild.alerts import service as alerting
from lagebild.access import SYSTEM, Actor
from lagebild.catalog import load_catalog
from lagebild.demo.city import generate_demo
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, labelled, only  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = frozenset({"Musterstadt"})
KRISENSTAB = Actor("k", "krisenstab", cities=CITY)
GAST = Actor("g", "gast", cities=CITY)


@pytest.fixture
def app(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    monkeypatch.chdir(ROOT)

    def open_page(page: str | None = None, actor: Actor = KRISENSTAB, lang: str = "de"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["lagebild_actor"] = actor
        if lang == "en":
            at.session_state["lagebild_lang"] = "en"
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_page


def _ampel(at) -> pd.DataFrame:
    headers = {c for d in at.dataframe for c in d.value.columns}
    return frame_with(at, "Nachbarschaft" if "Nachbarschaft" in headers else "Neighbourhood")


def _level_box(at):
    boxes = [b for kind in (at.success, at.info, at.warning, at.error) for b in kind
             if "Lagestufe" in b.value or "Escalation level" in b.value]
    assert len(boxes) == 1
    return boxes[0]


def _reasons(at) -> list[str]:
    text = next(m.value for m in at.markdown if m.value.startswith("- "))
    return [line[2:].replace("\\", "") for line in text.splitlines()]


def _peak_week(ob) -> pd.Timestamp:
    return ob.peak - pd.Timedelta(days=ob.peak.weekday())


def test_lagestufe_under_the_title_and_red_ampel_for_the_current_outbreak(app):
    at = app()
    assert only(at.title).value == "Lagebild Musterstadt – KW 46/2026"
    box = _level_box(at)
    assert box.proto.format == box.proto.ERROR                    # level 3 = error colour
    assert box.value.startswith("**Lagestufe 3: Krise** – Gesetzt durch die Regel")
    assert "Bahnhofsviertel" in box.value
    ampel = _ampel(at)
    assert ampel.index[0] == "Gesamtstadt" and len(ampel) == 1 + len(
        generate_demo().districts)
    assert ampel.loc["Bahnhofsviertel", "Drogennotfälle"] == "▲ rot"
    assert ampel.loc["Bahnhofsviertel", "Naloxon-Gaben"] == "▲ rot"
    assert set(ampel.drop(columns="Nachbarschaft").stack()) <= {"▲ rot", "◆ gelb", "● grün"} | {
        v for v in ampel.stack() if str(v).startswith("○ grau – ")}
    assert ampel["Nachbarschaft"].str.contains("grenzt an Bahnhofsviertel").any()
    assert ampel.loc["Bahnhofsviertel", "Nachbarschaft"].count("Bahnhofsviertel") == 0
    reasons = _reasons(at)
    hit = next(r for r in reasons if r.startswith("Drogennotfälle in Bahnhofsviertel: "))
    assert re.fullmatch(r"Drogennotfälle in Bahnhofsviertel: \d+ \(\d+,\d je 10 000 Einwohner\) "
                        r"in KW 46/2026, erwartet \d+,\d, Warnschwelle \d+,\d "
                        r"\(EARS C2, α = 0,001\)", hit), hit


def test_every_demo_outbreak_is_red_in_its_peak_week_and_raises_the_lagestufe(app):
    at = app()
    choices = at.sidebar.selectbox(key="overview_week").options
    catalog = load_catalog()
    checked = 0
    for ob in generate_demo().outbreaks.itertuples():
        week = _peak_week(ob)
        label = f"KW {week.isocalendar().week}/{week.isocalendar().year}"
        if label not in choices:          # the overview offers the last 104 weeks
            continue
        at.sidebar.selectbox(key="overview_week").set_value(week).run()
        assert not at.exception
        ampel = _ampel(at)
        district = generate_demo().districts.set_index("code").loc[ob.district_code, "name"]
        assert ampel.loc[district, catalog[ob.indicator].label_de] == "▲ rot", (district, label)
        level = int(re.search(r"Lagestufe (\d)", _level_box(at).value).group(1))
        assert level >= (2 if catalog[ob.indicator].person_related else 1), label
        checked += 1
    assert checked >= 3


def test_english_overview(app):
    at = app(lang="en")
    assert _level_box(at).value.startswith("**Escalation level 3: Crisis** – Set by the rule")
    ampel = _ampel(at)
    assert ampel.loc["Bahnhofsviertel", "Non-fatal overdoses"] == "▲ red"
    assert any(r.startswith("Non-fatal overdoses in Bahnhofsviertel: ") and "expected" in r
               and "α = 0.001" in r for r in _reasons(at))


def _small_person_week(demo_db) -> pd.Timestamp:
    """A week of the last two years with a yellow/red person-related district cell of 1..4."""
    store = Store(demo_db)
    try:
        sig = alerting.load_signals(store, SYSTEM, "Musterstadt")
    finally:
        store.close()
    person = load_catalog().person_related_keys()
    hits = sig[sig["indicator"].isin(person) & sig["colour"].isin(["red", "yellow"])
               & sig["observed"].between(1, 4) & (sig["district_id"] != alerting.CITY)
               & (sig["week"] > sig["week"].max() - pd.Timedelta(days=7 * 100))]
    assert not hits.empty, "the demo has no small person-related alert to test with"
    return hits["week"].max()


def test_gast_sees_colours_but_no_small_person_related_counts(app, demo_db):
    week = _small_person_week(demo_db)
    at = app(actor=GAST)
    at.sidebar.selectbox(key="overview_week").set_value(week).run()
    assert not at.exception
    person = [i.label_de for i in load_catalog() if i.person_related]
    reasons = [r for r in _reasons(at) if r.startswith(tuple(person))]
    hidden = [r for r in reasons if "auffällig erhöht" in r]
    assert hidden, reasons
    for r in reasons:
        numbers = re.findall(r": (\d+)[ (]", r)
        assert "auffällig erhöht" in r or (numbers and int(numbers[0]) >= 5), r
    assert any("Eingeschränkte Ansicht" in c.value for c in at.caption)


def _district_key(demo_db, name: str) -> str:
    store = Store(demo_db)
    try:
        ids = store.districts(SYSTEM, "Musterstadt").set_index("name")["district_id"]
    finally:
        store.close()
    return str(int(ids[name]))


def test_trends_draws_the_band_and_marks_the_alarm(app, demo_db):
    at = app("pages/trends.py")
    at.selectbox(key="trends_indicator").set_value("drogennotfaelle").run()
    at.multiselect(key="trends_districts").set_value(
        [_district_key(demo_db, "Bahnhofsviertel"), "__city__"]).run()
    assert not at.exception
    spec = json.loads(only(at.get("plotly_chart")).proto.spec)
    names = [tr.get("name") for tr in spec["data"]]
    assert names[:2] == ["Bahnhofsviertel", "Gesamtstadt"]
    assert "erwartet / Warnschwelle" in names                     # band of the first series
    alarms = next(tr for tr in spec["data"] if tr.get("name") == "Warnung")
    assert any(str(x).startswith("2026-11-09") for x in alarms["x"])
    assert any("Graues Band" in c.value and "Bahnhofsviertel" in c.value for c in at.caption)


def test_alerts_page_lists_filters_and_acknowledges(app):
    at = app("pages/alerts.py")
    assert only(at.title).value == "Warnungen Musterstadt"
    table = _alert_list(at)
    assert {"offen", "beendet"} <= set(table["Status"])
    open_rows = table[table["Status"] == "offen"]
    assert ((open_rows["Stadtteil"] == "Bahnhofsviertel")
            & (open_rows["Indikator"] == "Drogennotfälle")).any()
    assert table["Grund (stärkste Woche)"].str.contains(r"erwartet .*Warnschwelle").any()

    at.multiselect(key="alerts_status").set_value(["ended"]).run()
    assert set(_alert_list(at)["Status"]) == {"beendet"}
    at.multiselect(key="alerts_status").set_value(["open"]).run()
    at.multiselect(key="alerts_indicator").set_value(["naloxon"]).run()
    filtered = _alert_list(at)
    assert set(filtered["Indikator"]) == {"Naloxon-Gaben"} and set(filtered["Status"]) == {"offen"}

    alert_id = at.selectbox(key="alerts_ack_id").value
    _submit(at)                                                   # without a comment
    assert any("Bitte einen Kommentar angeben" in e.value for e in at.error)
    at.text_area(key="alerts_ack_comment").input("Streetwork und Rettungsdienst informiert")
    at.selectbox(key="alerts_ack_id").set_value(alert_id)
    _submit(at)
    assert not at.exception
    assert any(f"Warnung {alert_id} quittiert" in s.value for s in at.success)
    at.multiselect(key="alerts_status").set_value(["acknowledged"]).run()
    row = _alert_list(at).set_index("Nr.").loc[alert_id]
    assert row["Status"] == "quittiert" and row["Kommentar"] == (
        "Streetwork und Rettungsdienst informiert")
    assert row["quittiert"].startswith("k, ")


def _alert_list(at) -> pd.DataFrame:
    return frame_with(at, "Nr.", "Status", "Indikator", "Stadtteil")


def _submit(at):
    labelled(at.button, "Quittieren").click().run()


def test_map_offers_the_alert_colours(app):
    at = app("pages/map.py")
    at.selectbox(key="map_indicator").set_value("drogennotfaelle").run()
    at.radio(key="map_measure").set_value("alert").run()
    assert not at.exception
    assert "Alarmfarbe" in at.radio(key="map_measure").options


def _add_week(demo_db) -> None:
    """A new upload after the demo (as if imported without a refresh)."""
    store = Store(demo_db)
    try:
        ids = store.districts(SYSTEM, "Musterstadt")["district_id"]
        days = pd.date_range("2026-11-16", periods=7)
        rows = pd.DataFrame({"district_id": int(ids.iloc[0]), "indicator": "drogennotfaelle",
                             "date": days, "count": 1, "lat": None, "lon": None, "note": None})
        periods = pd.DataFrame({"indicator": ["drogennotfaelle"], "start_date": [days[0].date()],
                                "end_date": [days[-1].date()]})
        store.insert_upload(SYSTEM, "Musterstadt", "Rettungsdienst Musterstadt (Demo)", "n.csv",
                            "neu", rows, periods)
    finally:
        store.close()


def _refreshes(demo_db) -> list[str]:
    store = Store(demo_db)
    try:
        log = store.audit_log(SYSTEM)
    finally:
        store.close()
    return list(log.loc[log["action"] == "alerts.refresh", "actor"])


def test_stale_signals_are_refreshed_by_the_crisis_team_but_never_by_gast(app, demo_db):
    _add_week(demo_db)
    before = _refreshes(demo_db)
    at = app(actor=GAST)
    assert only(at.title).value.endswith("KW 47/2026")             # the new week is there
    assert _ampel(at).loc["Gesamtstadt", "Spritzenfunde"].startswith("○ grau – nicht gemeldet")
    at.sidebar.selectbox(key="overview_week").set_value(pd.Timestamp("2026-11-09")).run()
    assert _ampel(at).loc["Bahnhofsviertel", "Drogennotfälle"] == "▲ rot"   # in memory
    assert _refreshes(demo_db) == before
    at = app(actor=KRISENSTAB)
    assert _refreshes(demo_db) == ["k"] + before
    assert _ampel(at).loc["Gesamtstadt", "Spritzenfunde"].startswith("○ grau – nicht gemeldet")
