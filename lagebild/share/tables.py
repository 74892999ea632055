"""The tables of a share package (#19), built from a city's frames (pure pandas).

What a city hands to the network is decided here, and only here:

- ``counts``: weekly counts and rates per 10 000 inhabitants per indicator for the whole
  city (``level = "stadt"``) and, only when asked for, per district (``level =
  "stadtteil"``). Person-related counts from 1 to k−1 are suppressed so that *no* such number
  can be derived from the package (see :func:`suppress_week`); the rate of a suppressed cell
  is suppressed with it (rate × population would give the count back).
- ``levels``: the Lagestufe per week with the rule that set it (its label, not the cells).
- ``signals``: the number of red and yellow signals per week (series, not persons).
- ``measures``: per measure its type (the responsible body), status, start, district count
  and its before/after effect per indicator as a relative change (no title, no description:
  free text never leaves the city in this version).
- ``positivity``: drug checking (rapid tests) per week: tests, positive tests, share.

Every function returns new frames and never mutates its input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lagebild import privacy
from lagebild.analytics import effects
from lagebild.analytics.trends import CITY

SHOWN, PRIMARY, SECONDARY, UNREPORTED = "", "klein", "komplementär", "nicht gemeldet"
COUNT_COLUMNS = ["level", "district_code", "district", "indicator", "week", "population",
                 "count", "rate_per_10k", "status"]


def suppress_week(cells: pd.Series, total: float, k: int) -> tuple[pd.Series, str]:
    """Status of the district cells of one indicator and week, and of their city total:
    :func:`lagebild.privacy.suppress_cells` (the one rule of every restricted view), in the
    package's words ("klein", "komplementär", "nicht gemeldet").

    >>> s, t = suppress_week(pd.Series([3, 10, 0, 12]), 25, k=5)
    >>> list(s), t
    (['klein', 'komplementär', '', ''], '')
    >>> s, t = suppress_week(pd.Series([1, 1, 10]), 12, k=5)
    >>> list(s), t
    (['klein', 'klein', 'komplementär'], '')
    >>> s, t = suppress_week(pd.Series([2, 0, 0]), 2, k=5)
    >>> list(s), t
    (['klein', '', ''], 'klein')
    """
    words = {privacy.PRIMARY: PRIMARY, privacy.SECONDARY: SECONDARY, privacy.SHOWN: SHOWN}
    v = pd.to_numeric(cells, errors="coerce")
    status, total_status = privacy.suppress_cells(cells, k, total)
    status = status.map(words).where(v.notna(), UNREPORTED)
    return status, UNREPORTED if pd.isna(total) else words[total_status]


def determined(kinds: list[str], i: int, rest: int, k: int) -> bool:
    """:func:`lagebild.privacy.pinned` for the package's labels."""
    back = {PRIMARY: privacy.PRIMARY, SECONDARY: privacy.SECONDARY}
    return privacy.pinned([back[kind] for kind in kinds], i, rest, k)


def count_table(grid: pd.DataFrame, districts: pd.DataFrame, person_related: set[str],
                k: int, with_districts: bool) -> pd.DataFrame:
    """The ``counts`` table from a weekly grid (``trends.weekly_grid``) and the districts
    (district_id, code, name, population). City rows always; district rows only with
    ``with_districts``. Columns :data:`COUNT_COLUMNS`; ``count``/``rate_per_10k`` are NaN
    where ``status`` is not shown."""
    pop = districts.set_index("district_id")["population"].astype(float)
    city_pop = float(pop.sum()) if len(pop) and pop.notna().all() else float("nan")
    body = grid[grid["district_id"] != CITY]
    rows = []
    for (ind, week), part in body.groupby(["indicator", "week"], sort=True):
        counts = part.set_index("district_id")["count"]
        total = counts.sum(min_count=1)
        if ind in person_related and with_districts:
            status, total_status = suppress_week(counts, total, k)
        elif ind in person_related:     # only the total is published: primary suppression
            status = pd.Series(UNREPORTED, index=counts.index)
            total_status = (UNREPORTED if pd.isna(total) else
                            PRIMARY if 1 <= total <= k - 1 else SHOWN)
        else:
            status = pd.Series(np.where(counts.isna(), UNREPORTED, SHOWN), index=counts.index)
            total_status = UNREPORTED if pd.isna(total) else SHOWN
        rows.append(("stadt", None, None, ind, week, city_pop, total, total_status))
        if with_districts:
            for did, value in counts.items():
                rows.append(("stadtteil", did, None, ind, week, pop.get(did, np.nan), value,
                             status[did]))
    out = pd.DataFrame(rows, columns=["level", "district_id", "district", "indicator", "week",
                                      "population", "count", "status"])
    meta = districts.set_index("district_id")
    out["district_code"] = out["district_id"].map(meta["code"]).astype(object)
    out["district"] = out["district_id"].map(meta["name"]).astype(object)
    shown = out["status"] == SHOWN
    out["count"] = out["count"].where(shown).astype(float)
    out["rate_per_10k"] = (out["count"] / out["population"] * 10_000).where(shown)
    out["week"] = pd.to_datetime(out["week"]).dt.date
    return out[COUNT_COLUMNS].reset_index(drop=True)


def level_table(weeks, escalate) -> pd.DataFrame:
    """Lagestufe per week: ``escalate(week)`` returns an ``Escalation`` (level, rule)."""
    rows = []
    for week in weeks:
        esc = escalate(week)
        rule = esc.rule
        rows.append((pd.Timestamp(week).date(), int(esc.level),
                     "" if rule is None else rule.label_de,
                     "" if rule is None else rule.label_en))
    return pd.DataFrame(rows, columns=["week", "level", "rule_de", "rule_en"])


def signal_table(signals: pd.DataFrame, weeks) -> pd.DataFrame:
    """Number of red and yellow signals (district and city series) per week."""
    s = signals[signals["week"].isin(pd.to_datetime(list(weeks)))]
    red = s[s["colour"] == "red"].groupby("week").size()
    yellow = s[s["colour"] == "yellow"].groupby("week").size()
    idx = pd.to_datetime(list(weeks))
    return pd.DataFrame({"week": idx.date, "red": red.reindex(idx, fill_value=0).to_numpy(),
                         "yellow": yellow.reindex(idx, fill_value=0).to_numpy()})


def _effect_safe(grid: pd.DataFrame, counts: pd.DataFrame, row: pd.Series) -> bool:
    """A person-related effect is published only when every weekly cell it rests on is in
    the package and shown (district cells, so only with ``--districts``): then it is a
    function of shown numbers and lets nobody derive anything new. Without districts, two
    measures on overlapping districts could be subtracted from each other."""
    if counts.empty or not (counts["level"] == "stadtteil").any():
        return False
    in_window = (((grid["week"] >= row["before_from"]) & (grid["week"] <= row["before_to"]))
                 | ((grid["week"] >= row["after_from"]) & (grid["week"] <= row["after_to"])))
    weeks = set(pd.to_datetime(grid.loc[in_window, "week"]).dt.date)
    mine = counts[(counts["indicator"] == row["indicator"]) & counts["week"].isin(weeks)]
    return not mine["status"].isin([PRIMARY, SECONDARY]).any()


def measure_table(measures: pd.DataFrame, grid: pd.DataFrame, counts: pd.DataFrame,
                  person_related: set[str], weeks: int = 8) -> pd.DataFrame:
    """One row per measure × indicator: type (body key), status, start, district count,
    the relative before/after change of the measure's districts and of the rest of the city
    (``None`` where there is none or where it is withheld; ``effect_note`` says why)."""
    rows = []
    for n, m in enumerate(measures.itertuples(index=False), start=1):
        own = [int(d) for d in m.districts]
        start = None if pd.isna(m.implemented_on) else pd.Timestamp(m.implemented_on)
        for ind in (list(m.indicators) or [None]):
            base = {"measure": n, "type": m.body, "status": m.status,
                    "start": None if start is None else start.date(), "end": None,
                    "district_count": len(own), "indicator": ind,
                    "change_pct": np.nan, "change_rest_pct": np.nan, "effect_note": ""}
            if start is None or ind is None:
                base["effect_note"] = "nicht umgesetzt"
                rows.append(base)
                continue
            row = effects.before_after(grid, ind, own, start, weeks)
            if row["weeks_before"] == 0 or row["weeks_after"] == 0:
                base["effect_note"] = "zu wenige Wochen im Zeitraum"
            elif ind in person_related and not _effect_safe(grid, counts, row):
                base["effect_note"] = "zurückgehalten (kleine Zahlen)"
            else:
                base["change_pct"] = float(row["change_treated_pct"]) * 100
                base["change_rest_pct"] = float(row["change_control_pct"]) * 100
            rows.append(base)
    cols = ["measure", "type", "status", "start", "end", "district_count", "indicator",
            "change_pct", "change_rest_pct", "effect_note"]
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"change_pct": float, "change_rest_pct": float})


def positivity_table(grid: pd.DataFrame, tests: str = "schnelltests",
                     positive: str = "schnelltests_positiv",
                     substance: str = "synthetische Opioide") -> pd.DataFrame:
    """Drug checking per week (city): tests, positive tests and their share, where tests
    were reported (> 0). Empty when the city does no drug checking."""
    city = grid[grid["district_id"] == CITY]
    t = city[city["indicator"] == tests].set_index("week")["count"]
    p = city[city["indicator"] == positive].set_index("week")["count"]
    both = pd.DataFrame({"tests": t, "positive": p}).dropna()
    both = both[both["tests"] > 0]
    out = pd.DataFrame({"week": pd.to_datetime(both.index).date, "substance": substance,
                        "tests": both["tests"].to_numpy(), "positive": both["positive"].to_numpy()})
    out["share_pct"] = out["positive"] / out["tests"] * 100
    return out.reset_index(drop=True)
