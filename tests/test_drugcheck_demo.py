"""Drug checking in the demo (#18): the nitazene wave in the rising district is the earliest
signal — first detection two weeks before the overdose outbreak turns red — and changes the
Lagestufe by the configured rule; the overview shows it."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from lagebild.access import SYSTEM, Actor
from lagebild.cli import main
from lagebild.demo.city import RISING_DISTRICT
from lagebild.drugcheck.demo import demo_tests, wave_start

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import open_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"


def alerts(db, week, capsys) -> dict:
    assert main(["alerts", "--city", CITY, "--week", week, "--json", "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def test_demo_results_are_a_year_at_three_sites(demo_store):
    tests = demo_store.drug_tests(SYSTEM, CITY)
    assert set(tests["site"]) == {"Drogenkonsumraum Bahnhofsviertel (Demo)",
                                  "Drogenkonsumraum Altstadt (Demo)",
                                  "Drug-Checking Musterstadt (Demo)"}
    days = pd.to_datetime(tests["date"])
    assert (days.max() - days.min()).days == 364
    places = demo_store.places(SYSTEM, CITY)
    assert sorted(places["kind"]) == ["drugchecking", "konsumraum", "konsumraum"]
    nitazene = tests[(tests["substance"] == "nitazene") & (tests["result"] == "positiv")]
    assert pd.Timestamp(nitazene["date"].min()) >= pd.Timestamp(wave_start(date(2026, 11, 15)))


def test_nitazene_is_first_detected_two_weeks_before_the_overdoses_turn_red(demo_db, capsys):
    # LAGEBILD_TODAY = 2026-11-18: the demo ends 2026-11-15; the wave starts on 20.10. (KW 43),
    # the overdose outbreak in Bahnhofsviertel on 03.11. (KW 45)
    w42, w43, w44, w45 = (alerts(demo_db, f"2026-W{w}", capsys) for w in (42, 43, 44, 45))
    assert not [d for d in w42["drugcheck"] if d["substance"] == "nitazene"]
    first = [d for d in w43["drugcheck"] if d["kind"] == "first"]
    assert [d["substance"] for d in first] == ["nitazene"]
    assert first[0]["reason"].startswith("Nitazene erstmals in der Stadt nachgewiesen am ")
    # the weekly and daily rules say 0 in KW 43; the first detection lifts it to 1
    assert (w43["level"], w43["rule"]) == (1, "Drug-Checking: Erstnachweis → Lagestufe "
                                              "mindestens 1")
    assert not [a for a in w43["alerts"] + w44["alerts"]
                if a["district"] == "Bahnhofsviertel" and a["indicator"] == "drogennotfaelle"
                and a["colour"] == "red"]
    assert [a for a in w45["alerts"] if a["district"] == "Bahnhofsviertel"
            and a["indicator"] == "drogennotfaelle" and a["colour"] == "red"]
    rising = [d for d in w44["drugcheck"] if d["kind"] == "rising"]
    assert [d["substance"] for d in rising] == ["nitazene"]
    assert re.search(r"Anteil positiver Tests steigt – \d+ von \d+ in KW 44/2026 .* gegenüber "
                     r"\d+ von \d+ in den 8 Wochen davor \(exakter Test nach Fisher, "
                     r"p [<=] 0,\d+, α = 0,05\)", rising[0]["reason"]), rising[0]["reason"]
    sold = [d for d in w44["drugcheck"] if d["kind"] == "sold_as"]
    assert any(re.fullmatch(r"Nitazene in als Heroin verkauften Proben: \d+ von \d+ in "
                            r"KW 44/2026", d["reason"]) for d in sold)


def test_the_wave_is_in_the_rising_district():
    tests = demo_tests(date(2026, 11, 15))
    pos = tests[(tests["substance"] == "nitazene") & (tests["result"] == "positiv")]
    assert pos["site_code"].value_counts().idxmax() == RISING_DISTRICT


def test_overview_lists_the_drug_checking_signal_first(demo_db, monkeypatch):
    at = open_app(demo_db, monkeypatch, Actor("k", "krisenstab", cities=frozenset({CITY})))
    at.sidebar.selectbox(key="overview_week").set_value(pd.Timestamp("2026-10-19")).run()
    assert not at.exception, [e.value for e in at.exception]
    box = next(e for e in at.info if "Lagestufe" in e.value)
    assert "Lagestufe 1" in box.value and "Nitazene erstmals in der Stadt" in box.value
    reasons = next(m.value for m in at.markdown if m.value.startswith("- "))
    assert reasons.splitlines()[0].startswith("- Nitazene erstmals in der Stadt nachgewiesen")


def test_guests_read_the_drug_checking_signal_without_counts(demo_db, monkeypatch):
    """Guests may not open the drug-checking page (small numbers); the overview's reasons
    and the Lagestufe they raise tell them what and when, but no count, share, day or site
    of the tests – the crisis team reads the same signal with its figures."""
    def overview(actor):
        at = open_app(demo_db, monkeypatch, actor)
        at.sidebar.selectbox(key="overview_week").set_value(pd.Timestamp("2026-10-19")).run()
        assert not at.exception, [e.value for e in at.exception]
        level = next(e.value for e in at.info if "Lagestufe" in e.value)
        reasons = next(m.value for m in at.markdown if m.value.startswith("- "))
        return level, reasons.splitlines()[0]

    level, first = overview(Actor("g", "gast", cities=frozenset({CITY})))
    assert first == "- Nitazene erstmals in der Stadt nachgewiesen in KW 43/2026"
    assert "Lagestufe 1" in level and "Nitazene erstmals in der Stadt" in level
    for text in (level, first):
        assert not re.search(r"\d+ von \d+|gültigen Tests|\d\d\.\d\d\.\d{4}", text), text
    _, full = overview(Actor("k", "krisenstab", cities=frozenset({CITY})))
    assert re.search(r"nachgewiesen am \d\d\.\d\d\.2026 \(.+\): \d+ von \d+ gültigen Tests", full)
