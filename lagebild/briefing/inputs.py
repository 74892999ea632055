"""What a briefing is made of (pure): :class:`BriefingInputs` (plain frames, read once by
:mod:`lagebild.briefing.data`), the period of a briefing (from the last meeting, ``--since``
or the last 8 weeks) and :class:`BriefingError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from lagebild.measures import model as measures_mod


DEFAULT_WEEKS = 8


class BriefingError(RuntimeError):
    """A briefing that cannot be made, explained in German."""


@dataclass
class BriefingInputs:
    city: str
    is_demo: bool
    role: str
    lang: str
    k: int | None                 # small-count threshold of a restricted briefing, else None
    today: date
    generated_at: datetime
    since: date                   # the day the period starts (meeting date, --since, default)
    since_kind: str               # "meeting" | "custom" | "default" | "no_data_since"
    first_week: pd.Timestamp
    report_week: pd.Timestamp
    n_weeks: int
    meeting: pd.Series | None     # the last meeting (None without one)
    next_meeting: pd.Series | None
    districts: pd.DataFrame       # GeoDataFrame with display geometry
    grid: pd.DataFrame
    signals: pd.DataFrame
    episodes: pd.DataFrame | None  # None for restricted roles
    measures: pd.DataFrame
    reporting: pd.DataFrame
    catalog: object
    config: object
    bodies: dict
    last_report: date | None = None   # newest observation date (the "Datenstand")
    daily: pd.DataFrame | None = None  # daily spikes and clusters of the last 7 days (#17)
    warnings: list = field(default_factory=list)  # Substanzwarnungen in force today (#18)

    @property
    def period_end(self) -> pd.Timestamp:
        return self.report_week + pd.Timedelta(days=6)


def period_weeks(since, report_week) -> tuple[pd.Timestamp, int]:
    """(first week, number of weeks): from the first Monday on or after ``since`` to the
    report week. ``n == 0`` when no complete week lies between ``since`` and the end of the
    report week (a meeting after the newest reported week): then the period is empty and must
    not be named after that day.

    >>> w, n = period_weeks(date(2026, 9, 16), pd.Timestamp("2026-11-09"))
    >>> w.date().isoformat(), n
    ('2026-09-21', 8)
    >>> period_weeks(date(2026, 11, 25), pd.Timestamp("2026-11-09"))[1]
    0
    """
    day = pd.Timestamp(since).normalize()
    first = day + pd.Timedelta(days=(7 - day.day_of_week) % 7)
    report_week = pd.Timestamp(report_week)
    n = int((report_week - first).days // 7) + 1
    return (first, n) if n >= 1 else (report_week, 0)


def period_start(meetings: pd.DataFrame, today: date, since: date | None,
                 report_week: pd.Timestamp) -> tuple[date, str, pd.Series | None]:
    """(start day, kind, last meeting) of the briefing period."""
    meeting = measures_mod.last_meeting(meetings, today)
    if since is not None:
        return since, "custom", meeting
    if meeting is not None:
        return pd.Timestamp(meeting["held_on"]).date(), "meeting", meeting
    start = pd.Timestamp(report_week) - pd.Timedelta(days=7 * (DEFAULT_WEEKS - 1))
    return start.date(), "default", None
