"""The Lagestufe of a week (pure): the weekly rules of ``data/alerts.toml``, raised by the
daily spikes and clusters of the last 7 days (#17)."""

from __future__ import annotations

import pandas as pd

from lagebild.alerts.config import AlertConfig, LevelRule
from lagebild.analytics.daily import daily_level, district_of
from lagebild.analytics.escalation import Escalation, escalation
from lagebild.i18n import t


def level(signals: pd.DataFrame, week, config: AlertConfig,
          daily: pd.DataFrame | None = None) -> Escalation:
    """The Lagestufe of ``week``: the weekly rules (:func:`escalation`), raised by the daily
    signals of the last 7 days (``[daily]`` spike_level/cluster_level) when ``week`` is the
    week they belong to (its Monday lies within the 13 days before their newest day)."""
    week = pd.Timestamp(week)
    esc = escalation(signals, week, config.levels)
    if daily is None or daily.empty:
        return esc
    newest = pd.Timestamp(daily["end_day"].max())
    if not newest - pd.Timedelta(days=13) < week <= newest:
        return esc
    lifted = daily_level(daily, config.daily)
    if lifted <= esc.level:
        return esc
    kind = "cluster" if lifted == config.daily["cluster_level"] and \
        (daily["kind"] == "cluster").any() else "spike"
    p = str(config.daily["cluster_p"]).replace(".", ",")
    rule = LevelRule(lifted, t(f"daily.level_{kind}", "de", p=p), t(f"daily.level_{kind}", "en",
                                                                   p=p),
                     "red", tuple(sorted(set(daily["indicator"]))))
    rows = daily[daily["kind"] == kind]
    triggers = pd.DataFrame({
        "district_id": [district_of(ids) for ids in rows["district_ids"]],
        "indicator": rows["indicator"].to_numpy(), "week": week, "colour": "red",
        "observed": rows["observed"].to_numpy()})
    return Escalation(lifted, rule, triggers)
