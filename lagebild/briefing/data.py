"""Everything a briefing needs, read once from the store (used by the page and the CLI).

:func:`collect` returns a :class:`BriefingInputs` of plain frames; :mod:`lagebild.briefing.model`
turns it into the document (pure). Which rows a role may read is decided by the store:
a restricted role (``gast``) gets no alert episodes, and ``k`` switches on small-count
suppression in the document.

The period: since the last meeting before ``today`` (``measures.last_meeting``), or since
``since`` when given, else the last 8 weeks. In weeks it runs from the first Monday on or
after that day to the report week (the latest completely reported ISO week), at least one
week; the comparison period has the same number of weeks right before it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild import clock
from lagebild.measures import model as measures_mod
from lagebild.access import Actor
from lagebild.analytics import trends
from lagebild.briefing.inputs import BriefingError, BriefingInputs, period_start, period_weeks
from lagebild.store import Store

def _signals(store, actor, city, catalog, config) -> pd.DataFrame:
    from lagebild.alerts import service as alerting
    if alerting.is_stale(store, actor, city, catalog, config):
        return alerting.compute(store, actor, city, catalog, config)   # in memory, no write
    return alerting.load_signals(store, actor, city)


def _daily(store, actor, city, catalog, config) -> pd.DataFrame:
    from lagebild.alerts import service as alerting
    if alerting.is_stale(store, actor, city, catalog, config):
        return alerting.compute_daily(store, actor, city, config)      # in memory, no write
    return alerting.load_daily(store, actor, city)


def _warnings(store, actor, city, today) -> list:
    """The Substanzwarnungen in force on ``today`` (#18; every role may read them)."""
    from lagebild.drugcheck.warnings import active, from_frames
    return active(from_frames(store.substance_warnings(actor, city, active_on=today)), today)


def collect(store: Store, actor: Actor, city: str, *, catalog, config, lang: str = "de",
            k: int | None = None, today: date | None = None, since: date | None = None,
            signals: pd.DataFrame | None = None, grid: pd.DataFrame | None = None,
            progress=None) -> BriefingInputs:
    """Read what the briefing of ``city`` for ``actor`` needs. ``signals``/``grid`` may be
    passed in (the page has them cached); otherwise they are read (stale alert signals are
    recomputed in memory, nothing is written)."""
    step = progress or (lambda f, s: None)
    today = today if today is not None else clock.today()
    cities = store.cities(actor)
    if city not in set(cities["name"]):
        store.city_id(actor, city)            # German AccessDenied / KeyError
    step(0.05, "data")
    dist = store.districts(actor, city, display=True)
    if grid is None:
        grid = trends.weekly_grid(store.weekly_counts(actor, city), list(dist["district_id"]),
                                  catalog.keys, store.coverage(actor, city))
    report_week = trends.latest_complete_week(grid) if len(grid) else None
    if report_week is None:
        raise BriefingError(f"Für {city} liegen noch keine vollständig gemeldeten Wochen vor "
                            "– ein Briefing ist erst mit Meldungen möglich.")
    meetings = store.meetings(actor, city)
    start, kind, meeting = period_start(meetings, today, since, report_week)
    first, n = period_weeks(start, report_week)
    if n == 0:          # nothing reported since that day: the newest week under its own name
        first, n = report_week, 1
        if kind == "meeting":
            kind = "no_data_since"
    step(0.15, "alerts")
    if signals is None:
        signals = _signals(store, actor, city, catalog, config)
    episodes = None
    if not actor.restricted:
        from lagebild.alerts.service import load_episodes
        episodes = load_episodes(store, actor, city)
    end = (report_week + pd.Timedelta(days=6)).date()
    return BriefingInputs(
        city=city, is_demo=bool(cities.set_index("name").loc[city, "is_demo"]),
        role=actor.role, lang=lang, k=k, today=today, generated_at=clock.now(),
        since=start, since_kind=kind, first_week=first, report_week=report_week, n_weeks=n,
        meeting=meeting, next_meeting=measures_mod.next_meeting(meetings, today),
        districts=dist, grid=grid, signals=signals, episodes=episodes,
        measures=store.measures(actor, city),
        reporting=store.reporting_summary(actor, city, first.date(), end),
        catalog=catalog, config=config, bodies=measures_mod.load_bodies(),
        last_report=store.date_range(actor, city)[1],
        daily=_daily(store, actor, city, catalog, config),
        warnings=_warnings(store, actor, city, today))
