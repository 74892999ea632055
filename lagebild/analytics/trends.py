"""Weekly aggregation and simple change measures — pure pandas, inputs never mutated.

Vocabulary: ``week`` is the Monday (a ``Timestamp``) of an ISO week; ISO week 53 is an
ordinary week here. A week nobody reported for an indicator is missing (NaN), not zero.
"""

from __future__ import annotations

import pandas as pd

CITY = "__city__"   # district_id used for the city total rows


def iso_label(week: pd.Timestamp, lang: str = "de") -> str:
    """'KW 46/2026' (de) or 'W46/2026' (en) for the ISO week containing ``week``.

    >>> iso_label(pd.Timestamp("2020-12-28"))
    'KW 53/2020'
    """
    iso = pd.Timestamp(week).isocalendar()
    return f"KW {iso.week}/{iso.year}" if lang == "de" else f"W{iso.week}/{iso.year}"


def parse_iso_week(text: str) -> pd.Timestamp:
    """Monday of an ISO week given as '2026-W46'.

    >>> parse_iso_week("2020-W53").date().isoformat()
    '2020-12-28'
    """
    try:
        year, week = text.upper().split("-W")
        return pd.Timestamp.fromisocalendar(int(year), int(week), 1)
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"'{text}' ist keine ISO-Woche (Form: 2026-W46).") from exc


def weekly_grid(weekly: pd.DataFrame, district_ids: list, indicators: list[str],
                coverage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Complete district × indicator × week table with the city total.

    ``weekly``: district_id, indicator, week, count (only weeks with rows).
    ``coverage``: indicator, week, reported_days; weeks without coverage become NaN, covered
    weeks without rows become 0. Without coverage every week in the data range counts as
    reported. Returns district_id, indicator, week, count (float), reported_days.
    """
    w = weekly.assign(week=pd.to_datetime(weekly["week"]))
    if w.empty:
        return pd.DataFrame(columns=["district_id", "indicator", "week", "count",
                                     "reported_days"])
    weeks = pd.date_range(w["week"].min(), w["week"].max(), freq="7D")
    if coverage is not None and not coverage.empty:
        cov = coverage.assign(week=pd.to_datetime(coverage["week"]))
        weeks = weeks.union(pd.DatetimeIndex(cov["week"].unique()))
    index = pd.MultiIndex.from_product([list(district_ids), indicators, weeks],
                                       names=["district_id", "indicator", "week"])
    grid = (w.groupby(["district_id", "indicator", "week"])["count"].sum()
            .reindex(index).astype("float64").reset_index())
    if coverage is not None and not coverage.empty:
        days = cov.set_index(["indicator", "week"])["reported_days"]
        grid["reported_days"] = (days.reindex(pd.MultiIndex.from_frame(
            grid[["indicator", "week"]])).fillna(0).to_numpy().astype(int))
    else:
        grid["reported_days"] = 7
    covered = grid["reported_days"] > 0
    grid.loc[covered & grid["count"].isna(), "count"] = 0.0
    grid.loc[~covered, "count"] = float("nan")
    by = grid.groupby(["indicator", "week"])             # NaN only where no district has a
    city = pd.DataFrame({"count": by["count"].sum(min_count=1),   # number (#20: vectorised)
                         "reported_days": by["reported_days"].max()}).reset_index()
    city["district_id"] = CITY
    grid["district_id"] = grid["district_id"].astype(object)
    return pd.concat([grid, city[grid.columns]], ignore_index=True)


def latest_complete_week(grid: pd.DataFrame) -> pd.Timestamp | None:
    """The newest week that is fully reported for at least one indicator."""
    full = grid[(grid["reported_days"] >= 7) & grid["count"].notna()]
    return None if full.empty else pd.Timestamp(full["week"].max())


def newer_partial_weeks(grid: pd.DataFrame) -> pd.Series:
    """Weeks after the latest complete week in which something was reported, with the most
    reported days of any indicator (week → days, ascending): an upload for KW 48 that covers
    a few days must still be findable, marked as incomplete."""
    latest = latest_complete_week(grid)
    part = grid[grid["count"].notna() & (grid["reported_days"] > 0)]
    if latest is not None:
        part = part[part["week"] > latest]
    return part.groupby("week")["reported_days"].max().sort_index()


def week_summary(grid: pd.DataFrame, week: pd.Timestamp, mean_weeks: int = 8) -> pd.DataFrame:
    """Per district × indicator: this week, previous week, mean of the ``mean_weeks`` weeks
    before (only completely reported weeks count), and the changes. Columns: district_id, indicator, current, previous, mean8,
    change_prev (ratio − 1), change_mean (ratio − 1), reported_days.
    """
    week = pd.Timestamp(week)
    prev = week - pd.Timedelta(days=7)
    start = week - pd.Timedelta(days=7 * mean_weeks)
    keys = ["district_id", "indicator"]
    cur = grid[grid["week"] == week].set_index(keys)
    out = pd.DataFrame(index=cur.index)
    out["current"] = cur["count"]
    out["reported_days"] = cur["reported_days"]
    out["previous"] = grid[grid["week"] == prev].set_index(keys)["count"]
    hist = grid[(grid["week"] >= start) & (grid["week"] < week)]
    if "reported_days" in hist:      # a partly reported week is no baseline week (#15)
        hist = hist.assign(count=hist["count"].where(hist["reported_days"] >= 7))
    out["mean8"] = hist.groupby(keys)["count"].mean()
    out["change_prev"] = _ratio_change(out["current"], out["previous"])
    out["change_mean"] = _ratio_change(out["current"], out["mean8"])
    return out.reset_index()


def _ratio_change(new: pd.Series, old: pd.Series) -> pd.Series:
    """new/old − 1; NaN when old is 0 or missing (a change from 0 has no ratio)."""
    old = old.where(old > 0)
    return new / old - 1


def period_totals(grid: pd.DataFrame, indicator: str, start: pd.Timestamp,
                  end: pd.Timestamp) -> pd.Series:
    """Sum per district of the weeks whose Monday lies in [start, end] (NaN if none reported)."""
    sel = grid[(grid["indicator"] == indicator) & (grid["week"] >= pd.Timestamp(start))
               & (grid["week"] <= pd.Timestamp(end))]
    return sel.groupby("district_id")["count"].sum(min_count=1)


def rate_per_10k(counts: pd.Series, population: pd.Series) -> pd.Series:
    """Counts per 10 000 inhabitants, aligned on the index; NaN where population unknown."""
    pop = pd.to_numeric(population, errors="coerce").reindex(counts.index)
    return counts / pop.where(pop > 0) * 10_000
