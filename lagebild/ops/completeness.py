"""Reporting completeness (#20): per organisation and indicator the expected delivery rhythm,
the last delivery and whether the next one is overdue. Pure functions of frames (no store,
no streamlit); the definitions are in docs/operations.md ("Vollständigkeit der Meldungen").

Definitions
-----------
- A *delivery* of an organisation for an indicator is one imported (not withdrawn) upload's
  reporting period for that indicator; its *end* is the last day the period covers.
- The *rhythm* is ``daily``, ``weekly`` or ``monthly``, set by the admin (stored, wins) or
  learnt (:func:`learn_rhythm`); the admin may also set ``none`` (no delivery expected).
- The next delivery covers the days up to the *due day*: the last end plus one day, seven
  days or one calendar month (a month's last day stays a month's last day).
- It is *überfällig* when ``today > due day + grace`` with the grace of :data:`GRACE`
  (daily 2, weekly 3, monthly 7 days): time to count, export and send.

>>> import pandas as pd
>>> from datetime import date
>>> h = pd.DataFrame({"organisation": ["A", "A"], "indicator": ["x", "x"],
...     "uploaded_at": pd.to_datetime(["2026-10-19", "2026-10-26"]),
...     "start_date": pd.to_datetime(["2026-10-12", "2026-10-19"]).date,
...     "end_date": pd.to_datetime(["2026-10-18", "2026-10-25"]).date})
>>> row = completeness(h, None, date(2026, 11, 18)).iloc[0]
>>> row.rhythm, str(row.due), bool(row.overdue), int(row.days_overdue)
('weekly', '2026-11-01', True, 14)
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pandas as pd

RHYTHMS = ("daily", "weekly", "monthly")
NONE = "none"                       # set by the admin: no delivery expected
GRACE = {"daily": 2, "weekly": 3, "monthly": 7}
RECENT = 8                          # learn from the gaps between the last 9 deliveries
COLUMNS = ["organisation", "indicator", "rhythm", "source", "deliveries", "last_upload",
           "last_day", "due", "overdue", "days_overdue"]


def classify_days(days: float) -> str | None:
    """A typical number of days between deliveries as a rhythm: ≤ 3 daily, ≤ 14 weekly,
    ≤ 45 monthly, otherwise None (irregular: nothing is learnt).

    >>> [classify_days(d) for d in (1, 3, 7, 14, 30, 31, 46)]
    ['daily', 'daily', 'weekly', 'weekly', 'monthly', 'monthly', None]
    """
    if days <= 3:
        return "daily"
    if days <= 14:
        return "weekly"
    if days <= 45:
        return "monthly"
    return None


def learn_rhythm(periods: pd.DataFrame) -> str | None:
    """The rhythm of one organisation × indicator from its deliveries (``start_date``,
    ``end_date``): with two or more different ends the median gap between consecutive ends
    of the last nine deliveries; with one delivery its length (one to 31 days), since a
    longer first file is history delivered at once and says nothing about the rhythm."""
    ends = sorted(set(pd.to_datetime(periods["end_date"])))
    if len(ends) >= 2:
        gaps = pd.Series(ends[-(RECENT + 1):]).diff().dropna().dt.days
        return classify_days(float(gaps.median()))
    if len(ends) == 1:
        row = periods.iloc[0]
        length = (pd.Timestamp(row["end_date"]) - pd.Timestamp(row["start_date"])).days + 1
        return classify_days(length) if length <= 31 else None
    return None


def next_due(last_day: date, rhythm: str) -> date:
    """The last day the next delivery covers.

    >>> [str(next_due(date(2026, 10, 31), r)) for r in RHYTHMS]
    ['2026-11-01', '2026-11-07', '2026-11-30']
    >>> str(next_due(date(2026, 1, 15), "monthly")), str(next_due(date(2026, 2, 28), "monthly"))
    ('2026-02-15', '2026-03-31')
    """
    if rhythm == "daily":
        return last_day + timedelta(days=1)
    if rhythm == "weekly":
        return last_day + timedelta(days=7)
    year, month = (last_day.year + 1, 1) if last_day.month == 12 else \
        (last_day.year, last_day.month + 1)
    month_end = calendar.monthrange(last_day.year, last_day.month)[1]
    new_end = calendar.monthrange(year, month)[1]
    day = new_end if last_day.day == month_end else min(last_day.day, new_end)
    return date(year, month, day)


def completeness(history: pd.DataFrame, rhythms: pd.DataFrame | None,
                 today: date) -> pd.DataFrame:
    """One row per organisation × indicator with deliveries (see the module's definitions).

    ``history``: one row per delivery (``organisation``, ``indicator``, ``uploaded_at``,
    ``start_date``, ``end_date``); ``rhythms``: the admin's settings (``organisation``,
    ``indicator``, ``rhythm`` one of :data:`RHYTHMS` or ``"none"``), may be None.
    Columns: :data:`COLUMNS`; ``source`` is ``admin``, ``learnt`` or ``unknown``; ``due``
    and ``days_overdue`` are None without a rhythm. Overdue rows first (longest overdue
    first), then by organisation and indicator.
    """
    set_by_admin = {} if rhythms is None else {
        (r.organisation, r.indicator): r.rhythm for r in rhythms.itertuples(index=False)}
    rows = []
    for (org, indicator), periods in history.groupby(["organisation", "indicator"], sort=True):
        last_day = pd.Timestamp(periods["end_date"].max()).date()
        rhythm = set_by_admin.get((org, indicator))
        source = "admin" if rhythm else "learnt"
        if not rhythm:
            rhythm = learn_rhythm(periods)
            source = "learnt" if rhythm else "unknown"
        due = next_due(last_day, rhythm) if rhythm in RHYTHMS else None
        late = (today - due).days - GRACE[rhythm] if due else None
        rows.append({"organisation": org, "indicator": indicator, "rhythm": rhythm,
                     "source": source, "deliveries": len(periods),
                     "last_upload": pd.Timestamp(periods["uploaded_at"].max()),
                     "last_day": last_day, "due": due,
                     "overdue": bool(late is not None and late > 0),
                     "days_overdue": late if late is not None and late > 0 else None})
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.empty:
        return out
    out["_late"] = out["days_overdue"].fillna(-1)
    out = out.sort_values(["overdue", "_late", "organisation", "indicator"],
                          ascending=[False, False, True, True], kind="stable")
    return out.drop(columns="_late").reset_index(drop=True)


def overdue(table: pd.DataFrame) -> pd.DataFrame:
    """Only the overdue rows of :func:`completeness`."""
    return table[table["overdue"]].reset_index(drop=True)


def reminder_key(row) -> str:
    """The key of one overdue delivery (organisation, indicator, due day): a reminder is sent
    once per key, so a second run finds nothing new until the next delivery is overdue."""
    return f"reminder:{row['organisation']}:{row['indicator']}:{row['due']}"
