"""Reporting completeness (#20): rhythm learnt or set, due day, "überfällig" – table-driven
on tiny frames with hand-computed answers, then through the real importer and store."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from lagebild.access import SYSTEM, AccessDenied, Actor
from lagebild.ops import completeness as comp
from lagebild.ops.views import city_completeness, overdue_lines
from lagebild.catalog import load_catalog

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ops_kit import ORG, deliver_weekly  # noqa: E402

TODAY = date(2026, 11, 18)
CITY = "Musterstadt"


def history(*periods, org="A", indicator="x"):
    """Deliveries as (start, end) ISO strings, uploaded the day after their end."""
    starts = [date.fromisoformat(s) for s, _ in periods]
    ends = [date.fromisoformat(e) for _, e in periods]
    return pd.DataFrame({"organisation": org, "indicator": indicator,
                         "uploaded_at": [pd.Timestamp(e) + pd.Timedelta(days=1) for e in ends],
                         "start_date": starts, "end_date": ends})


def weekly(last_end: str, n: int = 4):
    end = date.fromisoformat(last_end)
    return history(*[((end - timedelta(days=7 * i + 6)).isoformat(),
                      (end - timedelta(days=7 * i)).isoformat()) for i in reversed(range(n))])


@pytest.mark.parametrize("periods, rhythm", [
    ([("2026-11-01", "2026-11-01"), ("2026-11-02", "2026-11-02"),
      ("2026-11-03", "2026-11-03")], "daily"),
    ([("2026-10-05", "2026-10-11"), ("2026-10-12", "2026-10-18"),
      ("2026-10-19", "2026-10-25")], "weekly"),
    ([("2026-08-01", "2026-08-31"), ("2026-09-01", "2026-09-30"),
      ("2026-10-01", "2026-10-31")], "monthly"),
    # one weekly file: its length; one file of three years: history, nothing learnt
    ([("2026-10-19", "2026-10-25")], "weekly"),
    ([("2023-11-01", "2026-10-31")], None),
    # a first file with years of history, then weekly files: the gaps decide
    ([("2023-01-01", "2026-10-04"), ("2026-10-05", "2026-10-11"),
      ("2026-10-12", "2026-10-18")], "weekly"),
    # every quarter: irregular for our three rhythms
    ([("2026-01-01", "2026-03-31"), ("2026-04-01", "2026-06-30")], None),
])
def test_rhythm_is_learnt_from_the_deliveries(periods, rhythm):
    assert comp.learn_rhythm(history(*periods)) == rhythm


@pytest.mark.parametrize("last_end, rhythm, today, due, overdue, days", [
    # weekly, reported up to Sunday 25.10.: next week ends 01.11., + 3 days grace = 04.11.
    ("2026-10-25", "weekly", "2026-11-04", "2026-11-01", False, None),
    ("2026-10-25", "weekly", "2026-11-05", "2026-11-01", True, 1),
    ("2026-10-25", "weekly", "2026-11-18", "2026-11-01", True, 14),
    # daily: up to 15.11. -> 16.11. + 2 = 18.11. is the last day on time
    ("2026-11-15", "daily", "2026-11-18", "2026-11-16", False, None),
    ("2026-11-15", "daily", "2026-11-19", "2026-11-16", True, 1),
    # monthly: up to 30.09. -> 31.10. + 7 = 07.11.
    ("2026-09-30", "monthly", "2026-11-07", "2026-10-31", False, None),
    ("2026-09-30", "monthly", "2026-11-18", "2026-10-31", True, 11),
])
def test_due_day_and_overdue(last_end, rhythm, today, due, overdue, days):
    h = history(("2026-01-01", last_end))            # one long file: rhythm from the admin
    rhythms = pd.DataFrame({"organisation": ["A"], "indicator": ["x"], "rhythm": [rhythm]})
    row = comp.completeness(h, rhythms, date.fromisoformat(today)).iloc[0]
    assert (row.rhythm, row.source) == (rhythm, "admin")
    assert str(row.due) == due
    assert bool(row.overdue) is overdue
    assert (None if pd.isna(row.days_overdue) else int(row.days_overdue)) == days


def test_admin_setting_wins_and_none_is_never_overdue():
    h = weekly("2026-10-25")
    learnt = comp.completeness(h, None, TODAY).iloc[0]
    assert (learnt.rhythm, learnt.source, bool(learnt.overdue)) == ("weekly", "learnt", True)
    monthly = pd.DataFrame({"organisation": ["A"], "indicator": ["x"], "rhythm": ["monthly"]})
    row = comp.completeness(h, monthly, TODAY).iloc[0]
    assert (row.rhythm, str(row.due), bool(row.overdue)) == ("monthly", "2026-11-25", False)
    off = monthly.assign(rhythm="none")
    row = comp.completeness(h, off, TODAY).iloc[0]
    assert (row.rhythm, row.due, bool(row.overdue)) == ("none", None, False)


def test_unknown_rhythm_is_shown_but_never_overdue():
    row = comp.completeness(history(("2023-11-01", "2025-01-31")), None, TODAY).iloc[0]
    assert (row.rhythm, row.source, row.due, bool(row.overdue)) == (None, "unknown", None,
                                                                     False)


def test_overdue_rows_come_first_longest_first():
    h = pd.concat([weekly("2026-11-15", 3).assign(organisation="Pünktlich"),
                   weekly("2026-10-25", 3).assign(organisation="Spät"),
                   weekly("2026-10-11", 3).assign(organisation="Sehr spät")])
    table = comp.completeness(h, None, TODAY)
    assert list(table["organisation"]) == ["Sehr spät", "Spät", "Pünktlich"]
    assert list(table["days_overdue"][:2]) == [28, 14]
    assert comp.reminder_key(table.iloc[1]) == "reminder:Spät:x:2026-11-01"


def test_no_deliveries_no_rows():
    empty = history()
    assert comp.completeness(empty, None, TODAY).empty


# ------------------------------------------------------------------ through the store
def test_store_history_learns_weekly_and_names_the_late_organisation(demo_store):
    deliver_weekly(demo_store, ORG, date(2026, 10, 25))
    table = city_completeness(demo_store, SYSTEM, CITY, TODAY)
    late = comp.overdue(table)
    assert list(late["organisation"]) == [ORG]
    assert late.iloc[0]["rhythm"] == "weekly" and late.iloc[0]["deliveries"] == 4
    # the demo organisations delivered three years at once: rhythm unknown, not overdue
    demo = table[table["organisation"].str.endswith("(Demo)")]
    assert len(demo) > 0 and set(demo["source"]) == {"unknown"} and not demo["overdue"].any()
    lines = overdue_lines(table, load_catalog())
    assert lines == [f"**{ORG}**: wöchentliche Meldung Spritzenfunde überfällig seit 14 Tagen "
                     "(gemeldet bis 25.10.2026, erwartet bis 01.11.2026 + 3 Tage)"]


def test_a_new_delivery_ends_the_overdue_state(demo_store):
    deliver_weekly(demo_store, ORG, date(2026, 10, 25))
    deliver_weekly(demo_store, ORG, date(2026, 11, 15), n=3)
    late = comp.overdue(city_completeness(demo_store, SYSTEM, CITY, TODAY))
    assert ORG not in set(late["organisation"])


def test_withdrawn_delivery_does_not_count(demo_store):
    deliver_weekly(demo_store, ORG, date(2026, 11, 15))
    last = demo_store.uploads(SYSTEM, CITY).iloc[0]["upload_id"]
    demo_store.withdraw_upload(SYSTEM, CITY, int(last))
    row = city_completeness(demo_store, SYSTEM, CITY, TODAY).set_index("organisation").loc[ORG]
    assert str(row["last_day"]) == "2026-11-08" and row["deliveries"] == 3


def test_admin_sets_rhythm_audited_and_only_admin(demo_store):
    org = "Gesundheitsamt Musterstadt (Demo)"
    demo_store.set_delivery_rhythm(SYSTEM, CITY, org, ["drogentodesfaelle"], "daily")
    row = city_completeness(demo_store, SYSTEM, CITY, date(2026, 11, 25)) \
        .set_index("organisation").loc[org]
    assert (row["rhythm"], row["source"], bool(row["overdue"])) == ("daily", "admin", True)
    audit = demo_store.audit_log(SYSTEM)
    assert "ops.rhythm" in set(audit["action"])
    crisis = Actor("k", "krisenstab", cities=frozenset({CITY}))
    with pytest.raises(AccessDenied, match="Lieferrhythmus"):
        demo_store.set_delivery_rhythm(crisis, CITY, org, ["drogentodesfaelle"], "weekly")
    with pytest.raises(ValueError, match="Unbekannter Rhythmus"):
        demo_store.set_delivery_rhythm(SYSTEM, CITY, org, ["drogentodesfaelle"], "jährlich")
    demo_store.set_delivery_rhythm(SYSTEM, CITY, org, ["drogentodesfaelle"], None)
    assert demo_store.delivery_rhythms(SYSTEM, CITY).empty


def test_guests_and_outreach_do_not_see_completeness(demo_store):
    for role in ("gast", "outreach"):
        with pytest.raises(AccessDenied, match="Vollständigkeit"):
            demo_store.delivery_history(Actor("x", role, organisation="A",
                                              cities=frozenset({CITY})), CITY)
