"""Reasons in words (German and English number formats), restricted views, Lagestufe text."""

import pandas as pd
import pytest

from lagebild.alerts import text as alert_text
from lagebild.alerts.config import LevelRule
from lagebild.analytics.escalation import Escalation
from lagebild.analytics.signals import COLOURS
from lagebild.analytics.trends import CITY
from lagebild.i18n import strings

W46 = pd.Timestamp("2026-11-09")


def _row(**kw):
    base = {"week": W46, "observed": 9.0, "rate": float("nan"), "expected": 3.14,
            "upper_yellow": 5.2, "upper_red": 7.43, "alpha_yellow": 0.01, "alpha_red": 0.001,
            "method": "ears_c2", "colour": "red", "cause": "alarm", "reported_days": 7,
            "history_have": 7, "history_need": 7, "static_yellow": float("nan"),
            "static_red": float("nan"), "static_yellow_rate": float("nan"),
            "static_red_rate": float("nan")}
    return {**base, **kw}


REASONS = [
    (_row(), "de",
     "Drogennotfälle in Neustadt: 9 in KW 46/2026, erwartet 3,1, Warnschwelle 7,4 "
     "(EARS C2, α = 0,001)"),
    (_row(), "en",
     "Drogennotfälle in Neustadt: 9 in W46/2026, expected 3.1, threshold 7.4 "
     "(EARS C2, α = 0.001)"),
    (_row(colour="yellow", observed=1234.0, expected=1000.55, upper_yellow=1200.04,
          method="farrington"), "de",
     "Drogennotfälle in Neustadt: 1.234 in KW 46/2026, erwartet 1.000,5, Warnschwelle "
     "1.200,0 (Farrington flexibel, α = 0,01)"),
    (_row(colour="yellow", observed=1234.0, expected=1000.55, upper_yellow=1200.04,
          method="noufaily", alpha_yellow=0.025), "en",
     "Drogennotfälle in Neustadt: 1,234 in W46/2026, expected 1,000.5, threshold 1,200.0 "
     "(Farrington (Noufaily), α = 0.025)"),
    (_row(rate=5.0), "de",
     "Drogennotfälle in Neustadt: 9 (5,0 je 10 000 Einwohner) in KW 46/2026, erwartet 3,1, "
     "Warnschwelle 7,4 (EARS C2, α = 0,001)"),
    (_row(cause="static", static_red=2.0, observed=3.0), "de",
     "Drogennotfälle in Neustadt: 3 in KW 46/2026, mehr als die feste Schwelle für rot (2)"),
    (_row(cause="static", colour="yellow", static_yellow=1.5, static_yellow_rate=0.5,
          observed=3.0, rate=1.0), "en",
     "Drogennotfälle in Neustadt: 3 (1.0 per 10,000 inhabitants) in W46/2026, above the fixed "
     "yellow threshold (0.5 per 10,000 inhabitants)"),
    (_row(cause="alarm_static", static_red=4.0), "de",
     "Drogennotfälle in Neustadt: 9 in KW 46/2026, erwartet 3,1, Warnschwelle 7,4 "
     "(EARS C2, α = 0,001); auch die feste Schwelle (4) ist überschritten"),
    (_row(colour="green", cause="ok", observed=2.0), "de",
     "Drogennotfälle in Neustadt: unauffällig, 2 in KW 46/2026"),
    (_row(colour="grey", cause="incomplete", reported_days=3), "de",
     "Drogennotfälle in Neustadt: Meldungen unvollständig: 3 von 7 Tagen (KW 46/2026)"),
    (_row(colour="grey", cause="history", history_have=4), "de",
     "Drogennotfälle in Neustadt: zu wenig Verlauf: 4 von 7 Wochen (KW 46/2026)"),
    (_row(colour="grey", cause="history", history_have=4), "en",
     "Drogennotfälle in Neustadt: too little history: 4 of 7 weeks (W46/2026)"),
    (_row(colour="grey", cause="no_report", observed=float("nan")), "de",
     "Drogennotfälle in Neustadt: nicht gemeldet (KW 46/2026)"),
]


@pytest.mark.parametrize("row, lang, text", REASONS)
def test_reason_in_words(row, lang, text):
    assert alert_text.reason(row, "Drogennotfälle", "Neustadt", lang) == text


def test_city_total_reads_in_der_gesamtstadt():
    assert alert_text.reason(_row(), "Naloxon-Gaben", "", "de", city=True).startswith(
        "Naloxon-Gaben in der Gesamtstadt: 9 in KW 46/2026")
    assert alert_text.reason(_row(), "Naloxone", "", "en", city=True).startswith(
        "Naloxone in the whole city: 9")


@pytest.mark.parametrize("observed, person, hidden", [
    (4.0, True, True), (1.0, True, True), (5.0, True, True), (0.0, True, True),
    (4.0, False, False)])
def test_restricted_view_hides_small_person_related_counts(observed, person, hidden):
    """Restricted, person-related: no number at all, also for 5 or more (#15: the table may
    hide it as "×", and "erwartet" is an average of earlier, possibly hidden weeks)."""
    row = _row(observed=observed, rate=3.0)
    text = alert_text.reason(row, "Drogennotfälle", "Neustadt", "de", k=5,
                             person_related=person)
    if hidden:
        assert text == "Drogennotfälle in Neustadt: auffällig erhöht in KW 46/2026 (rot, EARS C2)"
        assert not any(ch.isdigit() for ch in text.replace("46/2026", "").replace("C2", ""))
    else:
        assert f"{observed:.0f} (3,0 je 10 000 Einwohner) in KW 46/2026" in text


def test_restricted_static_reason_names_no_threshold():
    row = _row(cause="static", static_red=2.0, observed=3.0)
    assert alert_text.reason(row, "Drogentodesfälle", "Altstadt", "en", k=5) == \
        "Drogentodesfälle in Altstadt: noticeably raised in W46/2026 (red, fixed threshold)"


@pytest.mark.parametrize("alpha, de, en", [(0.001, "0,001", "0.001"), (0.025, "0,025", "0.025"),
                                           (0.05, "0,05", "0.05"), (0.0001, "0,0001", "0.0001")])
def test_alpha_without_trailing_zeros(alpha, de, en):
    assert (alert_text.fmt_alpha(alpha, "de"), alert_text.fmt_alpha(alpha, "en")) == (de, en)


def test_cells_read_without_colour():
    assert alert_text.cell_text("red", lang="de") == "▲ rot"
    assert alert_text.cell_text("yellow", lang="en") == "◆ yellow"
    row = _row(colour="grey", cause="history", history_have=4)
    assert alert_text.cell_text("grey", "history", "de", row) == \
        "○ grau – zu wenig Verlauf: 4 von 7 Wochen"
    assert len(set(alert_text.SYMBOLS.values())) == 4


def test_level_text_names_rule_and_cells():
    rule = LevelRule(2, "rote Ampel bei einem personenbezogenen Indikator",
                     "red light for a person-related indicator", "red", ("drogennotfaelle",))
    triggers = pd.DataFrame({"district_id": [7, CITY], "indicator": ["drogennotfaelle"] * 2,
                             "week": [W46, W46], "colour": ["red", "red"]})
    esc = Escalation(2, rule, triggers)
    names, labels = {7: "Bahnhofsviertel"}, {"drogennotfaelle": "Drogennotfälle"}
    heading, reason = alert_text.level_texts(esc, W46, names, labels, "de")
    assert heading == "Lagestufe 2: Lage"
    assert reason == ("Gesetzt durch die Regel „rote Ampel bei einem personenbezogenen "
                      "Indikator“: Drogennotfälle in Bahnhofsviertel (rot, KW 46/2026); "
                      "Drogennotfälle in der Gesamtstadt (rot, KW 46/2026).")
    heading, reason = alert_text.level_texts(esc, W46, names, {"drogennotfaelle": "Overdoses"},
                                             "en")
    assert heading == "Escalation level 2: Incident"
    assert reason.startswith("Set by the rule “red light for a person-related indicator”: "
                             "Overdoses in Bahnhofsviertel (red, W46/2026)")
    many = Escalation(1, rule, pd.concat([triggers] * 4, ignore_index=True))
    assert alert_text.level_texts(many, W46, names, labels, "de")[1].endswith(" und 3 weitere.")
    assert alert_text.level_texts(Escalation(0), W46, {}, {}, "de") == (
        "Lagestufe 0: Normal", "Keine Regel der Lagestufen greift in KW 46/2026.")


def test_every_dynamic_text_key_exists_in_both_languages():
    keys = [f"alerts.colour.{c}" for c in COLOURS]
    keys += [f"alerts.level.{n}" for n in range(4)]
    keys += [f"alerts.method.{m}" for m in ("ears_c1", "ears_c2", "ears_c3", "farrington",
                                            "noufaily")]
    keys += [f"alerts.status.{s}" for s in ("open", "acknowledged", "ended", "retracted")]
    keys += [f"alerts.grey.{c}" for c in ("no_report", "incomplete", "history")]
    texts = strings()
    assert [k for k in keys if k not in texts or not texts[k].get("en")] == []
