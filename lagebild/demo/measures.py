"""Meetings and measures of the demo city (synthetic, like everything in Musterstadt).

Dates are relative to the last demo report (the Sunday before today, see
``seed.demo_end``): three past Drogenrapport meetings every two months, the next one planned
(10 days after the last report, so always after today); measures around the demo's
outbreaks (some done, one overdue, one due before the next meeting, one dropped).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from lagebild.access import SYSTEM
from lagebild.store import Store

PARTICIPANTS = ["Polizei", "Ordnungsamt", "Jugendamt", "Gesundheitsamt", "Drogenhilfe",
                "Streetwork", "Suchtbeauftragte"]


def _alert(store: Store, city: str, district_id: int, indicator: str) -> int | None:
    eps = store.alert_episodes(SYSTEM, city)
    eps = eps[(eps["district_id"] == district_id) & (eps["indicator"] == indicator)
              & (eps["state"] != "retracted")]
    return None if eps.empty else int(eps["alert_id"].max())


def create_demo_measures(store: Store, city: str) -> dict:
    """Store the demo meetings and measures; returns their ids by short name."""
    _, last = store.date_range(SYSTEM, city)
    end = pd.Timestamp(last).date()
    ids = store.districts(SYSTEM, city).set_index("code")["district_id"].astype(int).to_dict()

    def day(offset: int) -> date:
        return end + timedelta(days=offset)

    meetings = {}
    for key, offset, text in (
            ("may", -186, "Lagebericht Frühjahr; Großmarkt beruhigt. Keine neuen Maßnahmen."),
            ("july", -123, "Sommerlage; Hinweise auf Fentanyl-Beimengungen aus Nachbarstädten."),
            ("september", -60, "Steigende Naloxon-Gaben im Bahnhofsviertel: Schulungen, "
                               "Reinigung Altstadt, Platzverweise geprüft und verworfen."),
            ("november", 10, "")):
        meetings[key] = store.add_meeting(SYSTEM, city, held_on=day(offset),
                                          title="Drogenrapport", participants=PARTICIPANTS,
                                          decisions=text)
    plan = _plan(day, ids, meetings["september"],
                 _alert(store, city, ids["02"], "drogennotfaelle"))
    out = {}
    for key, fields in plan:
        out[key] = store.add_measure(SYSTEM, city, comment="Demo", **fields)
    store.update_measure(SYSTEM, city, out["platzverweis"], status="verworfen",
                         comment="Verdrängung in die "
                         "Nachbarviertel befürchtet; stattdessen Streetwork verstärken.")
    return {"meetings": meetings, "measures": out}


def _plan(day, ids: dict, sep: int, alert: int | None) -> list[tuple[str, dict]]:
    """The demo measures (short name, fields) – dates relative to the last report."""
    return [
        ("muehle", dict(title="Zusätzliche Spritzenabwurfbehälter an der Mühlenbrücke",
                        description="Zwei Abwurfbehälter, tägliche Begehung für drei Monate.",
                        body="stadtreinigung", districts=[ids["04"]],
                        indicators=["spritzenfunde"], status="umgesetzt",
                        implemented_on=day(-920), due_on=day(-925))),
        ("grossmarkt", dict(title="Mehr Präsenz von Ordnungsamt und Streetwork am Großmarkt",
                            body="ordnungsamt", districts=[ids["03"]],
                            indicators=["beschwerden"], status="umgesetzt",
                            implemented_on=day(-410))),
        ("naloxon", dict(title="Naloxon-Schulungen für Szenegänger im Bahnhofsviertel",
                         description="Kurzschulungen im Kontaktladen, Naloxon-Kits zum "
                                     "Mitnehmen.", body="drogenhilfe", districts=[ids["02"]],
                         indicators=["naloxon", "drogennotfaelle"], meeting_id=sep,
                         status="in_umsetzung", implemented_on=day(-41), due_on=day(30))),
        ("altstadt", dict(title="Reinigungsintervall an Spielplätzen der Altstadt verdoppeln",
                          body="gruenflaechenamt", districts=[ids["01"]],
                          indicators=["spritzenfunde"], meeting_id=sep, due_on=day(-2))),
        ("platzverweis", dict(title="Platzverweise am Bahnhofsvorplatz", body="polizei",
                              districts=[ids["02"]], indicators=["beschwerden"],
                              meeting_id=sep)),
        ("warnung", dict(title="Nitazen-Warnung an Szene, Kontaktläden und Notaufnahmen",
                         body="gesundheitsamt", districts=[ids["01"], ids["02"]],
                         indicators=["drogennotfaelle"], status="umgesetzt",
                         alert_id=alert,
                         implemented_on=day(-3), due_on=day(-3))),
        ("drugchecking", dict(title="Drug-Checking-Sprechstunde im Bahnhofsviertel ausweiten",
                              body="suchtbeauftragte", districts=[ids["02"]],
                              indicators=["schnelltests"], due_on=day(10))),
        ("jugend", dict(title="Aufsuchende Jugendarbeit am Sonnenhang", body="jugendamt",
                        districts=[ids["11"]], due_on=day(77))),
    ]
