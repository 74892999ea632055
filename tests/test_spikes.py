"""Spitzenregel (ODMAP-ähnlich): Zählung in 24/48/72 Stunden, Gründe in Worten, Konfiguration.

Tabellen mit Tageszahlen, von Hand ausgezählt; Standardregeln aus ``data/alerts.toml``:
Drogennotfälle ≥ 3 in 24 h je Stadtteil, ≥ 5 in 48 h in der Gesamtstadt, Drogentodesfälle
≥ 2 in 72 h in der Gesamtstadt.
"""

from __future__ import annotations

import copy
import re
import tomllib

import pandas as pd
import pytest

from lagebild.alerts.config import DEFAULT_PATH, AlertConfigError, parse_alert_config
from lagebild.alerts.text import spike_reason
from lagebild.analytics.spikes import SpikeRule, find_spikes
from lagebild.analytics.trends import CITY
from lagebild.catalog import load_catalog

RULES = (SpikeRule("drogennotfaelle", "district", 3, 24),
         SpikeRule("drogennotfaelle", "city", 5, 48),
         SpikeRule("drogentodesfaelle", "city", 2, 72))
NOTF, TOD = "drogennotfaelle", "drogentodesfaelle"


def _daily(rows):
    return pd.DataFrame([(d, i, pd.Timestamp(day), c) for d, i, day, c in rows],
                        columns=["district_id", "indicator", "day", "count"])


def _hits(frame):
    return [(r.indicator, r.district_id, r.start.strftime("%d.%m."), r.end.strftime("%d.%m."),
             r.observed) for r in frame.itertuples()]


@pytest.mark.parametrize("rows, end, lookback, expected", [
    # 3 Notfälle in Neustadt an einem Tag (zwei Meldungen) → Stadtteilregel
    ([("NS", NOTF, "2026-12-02", 2), ("NS", NOTF, "2026-12-02", 1)], "2026-12-02", 1,
     [(NOTF, "NS", "02.12.", "02.12.", 3)]),
    # 2 an einem Tag reichen nicht; 3 über zwei Tage auch nicht (24 h)
    ([("NS", NOTF, "2026-12-01", 1), ("NS", NOTF, "2026-12-02", 2)], "2026-12-02", 1, []),
    # Stadt: 3 in A am 01.12. + 2 in B am 02.12. = 5 in 48 h; A nicht (Fenster 02.12.)
    ([("A", NOTF, "2026-12-01", 3), ("B", NOTF, "2026-12-02", 2)], "2026-12-02", 1,
     [(NOTF, CITY, "01.12.", "02.12.", 5)]),
    # … mit zwei Endtagen wird A am 01.12. gefunden (neueste zuerst)
    ([("A", NOTF, "2026-12-01", 3), ("B", NOTF, "2026-12-02", 2)], "2026-12-02", 2,
     [(NOTF, CITY, "01.12.", "02.12.", 5), (NOTF, "A", "01.12.", "01.12.", 3)]),
    # 5 in 72 h, aber nur 4 in 48 h → keine Stadtregel
    ([("A", NOTF, "2026-11-30", 1), ("B", NOTF, "2026-12-01", 2), ("C", NOTF, "2026-12-02", 2)],
     "2026-12-02", 1, []),
    # Todesfälle: 30.11. und 02.12. liegen in 72 h, 29.11. und 02.12. nicht
    ([("A", TOD, "2026-11-30", 1), ("B", TOD, "2026-12-02", 1)], "2026-12-02", 1,
     [(TOD, CITY, "30.11.", "02.12.", 2)]),
    ([("A", TOD, "2026-11-29", 1), ("B", TOD, "2026-12-02", 1)], "2026-12-02", 1, []),
    # Zeilen der Gesamtstadt in der Eingabe zählen nicht doppelt; andere Indikatoren nicht mit
    ([("A", NOTF, "2026-12-02", 2), (CITY, NOTF, "2026-12-02", 2), ("A", "naloxon",
                                                                    "2026-12-02", 9)],
     "2026-12-02", 1, []),
    # Fälle nach dem Endtag zählen nicht
    ([("A", NOTF, "2026-12-03", 5)], "2026-12-02", 1, []),
])
def test_spikes_by_hand(rows, end, lookback, expected):
    daily = _daily(rows)
    before = daily.copy()
    assert _hits(find_spikes(daily, RULES, end, lookback_days=lookback)) == expected
    pd.testing.assert_frame_equal(daily, before)


def test_spike_columns_and_integer_district_ids():
    daily = _daily([(7, NOTF, "2026-12-02", 3), (8, NOTF, "2026-12-02", 2)])
    out = find_spikes(daily, RULES, pd.Timestamp("2026-12-02"))
    assert list(out.columns) == ["indicator", "district_id", "area", "start", "end",
                                 "observed", "min_count", "hours"]
    assert list(zip(out["district_id"], out["area"], out["hours"])) == [
        (CITY, "city", 48), (7, "district", 24)]


@pytest.mark.parametrize("row, lang, k, text", [
    (dict(district_id="NS", start="2026-12-02", end="2026-12-02", observed=3, min_count=3,
          hours=24), "de", None,
     "3 Drogennotfälle in Neustadt am 02.12.2026 – Schwelle 3 in 24 Stunden"),
    (dict(district_id=CITY, start="2026-12-01", end="2026-12-02", observed=6, min_count=5,
          hours=48), "de", None,
     "6 Drogennotfälle in der Gesamtstadt vom 01.12. bis 02.12.2026 – Schwelle 5 in 48 Stunden"),
    (dict(district_id=CITY, start="2026-12-30", end="2027-01-01", observed=2, min_count=2,
          hours=72), "de", None,
     "2 Drogennotfälle in der Gesamtstadt vom 30.12.2026 bis 01.01.2027 – Schwelle 2 in 72 "
     "Stunden"),
    (dict(district_id=CITY, start="2026-12-01", end="2026-12-02", observed=6, min_count=5,
          hours=48), "en", None,
     "Drogennotfälle: 6 in the whole city from 2026-12-01 to 2026-12-02 – threshold 5 in 48 "
     "hours"),
    # eingeschränkte Ansicht, k = 5: 3 wird nicht genannt, 6 schon
    (dict(district_id="NS", start="2026-12-02", end="2026-12-02", observed=3, min_count=3,
          hours=24), "de", 5,
     "Drogennotfälle in Neustadt am 02.12.2026: auffällig gehäuft – Schwelle 3 in 24 Stunden "
     "erreicht"),
    (dict(district_id="NS", start="2026-12-02", end="2026-12-02", observed=6, min_count=3,
          hours=24), "de", 5,
     "6 Drogennotfälle in Neustadt am 02.12.2026 – Schwelle 3 in 24 Stunden"),
])
def test_spike_reason_in_words(row, lang, k, text):
    row = {**row, "start": pd.Timestamp(row["start"]), "end": pd.Timestamp(row["end"])}
    assert spike_reason(row, "Drogennotfälle", "Neustadt", lang, k=k) == text


def test_suppressed_reason_shows_no_small_count():
    row = {"district_id": "NS", "start": pd.Timestamp("2026-12-02"),
           "end": pd.Timestamp("2026-12-02"), "observed": 4, "min_count": 3, "hours": 24}
    text = spike_reason(row, "Drogennotfälle", "Neustadt", "de", k=5)
    assert not re.search(r"\b4\b", text), text
    # nicht personenbezogen: die Zahl bleibt
    assert spike_reason(row, "Spritzenfunde", "Neustadt", "de", k=5,
                        person_related=False).startswith("4 Spritzenfunde")


# --------------------------------------------------------------------------- Konfiguration
def _raw():
    with DEFAULT_PATH.open("rb") as fh:
        return tomllib.load(fh)


def test_default_file_has_the_issue_defaults():
    cfg = parse_alert_config(_raw(), load_catalog())
    assert cfg.spikes == RULES


def test_missing_spike_section_means_defaults_and_empty_list_means_off():
    raw = _raw()
    del raw["spike"]
    assert parse_alert_config(raw, load_catalog()).spikes == RULES
    raw["spike"] = []
    assert parse_alert_config(raw, load_catalog()).spikes == ()


@pytest.mark.parametrize("change, message", [
    (dict(hours=36), "alerts.toml: 'spike[1].hours' muss 24, 48, 72 … 168 sein"),
    (dict(hours=24.0), "'spike[1].hours' muss 24, 48, 72"),
    (dict(area="kreis"), "'spike[1].area' muss stadtteil oder stadt sein, angegeben: 'kreis'"),
    (dict(indicator="notfaelle"), "'spike[1].indicator' ist kein Indikator des Katalogs"),
    (dict(min_count=0), "'spike[1].min_count' muss eine ganze Zahl ≥ 1 sein, angegeben: 0"),
    (dict(schwelle=3), "'spike[1].schwelle' ist unbekannt"),
    (dict(area="stadt", hours=48), "'spike[2]' wiederholt spike[1]"),
])
def test_bad_spike_rules_give_german_errors(change, message):
    raw = copy.deepcopy(_raw())
    raw["spike"][0].update(change)
    with pytest.raises(AlertConfigError, match=message.replace("[", r"\[").replace("]", r"\]")
                       .replace("…", ".")):
        parse_alert_config(raw, load_catalog())


def test_missing_key_in_spike_rule():
    raw = copy.deepcopy(_raw())
    del raw["spike"][2]["min_count"]
    with pytest.raises(AlertConfigError, match=r"'spike\[3\].min_count' fehlt"):
        parse_alert_config(raw, load_catalog())


def test_no_data_no_spike_and_bad_input():
    empty = _daily([])
    out = find_spikes(empty, RULES, "2026-12-02", lookback_days=7)
    assert out.empty and "observed" in out.columns
    with pytest.raises(ValueError, match="fehlt die Spalte count"):
        find_spikes(empty.drop(columns="count"), RULES, "2026-12-02")
    with pytest.raises(ValueError, match="hours muss ein Vielfaches von 24 sein"):
        find_spikes(empty, [SpikeRule(NOTF, "district", 3, 36)], "2026-12-02")
    with pytest.raises(ValueError, match="lookback_days muss eine ganze Zahl ≥ 1 sein"):
        find_spikes(empty, RULES, "2026-12-02", lookback_days=0)
