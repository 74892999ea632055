"""Daily signals of the last 7 reported days (#17): spikes and space-time clusters.

Pure numpy/pandas: daily counts and district centroids in, one frame of signals out.

- **Spikes** (:func:`lagebild.analytics.spikes.find_spikes`): every rule of ``[[spike]]`` that
  fired on one of the last 7 reported days; per rule and place only the newest window.
- **Daily EARS** (:func:`lagebild.analytics.ears.ears_c`, C2 on daily counts, the window
  t−9 … t−3): for every district and the city of each indicator in ``scan_indicators``, an
  alarm on one of the last 7 days with at least ``ears_min_count`` cases. A day on which
  nobody reported the indicator in the whole city is missing (no bound, no alarm); on a
  reported day a district without a row counts 0.
- **Clusters** (:func:`lagebild.analytics.scan.space_time_permutation`): the prospective
  space-time permutation scan of each indicator in ``[daily] scan_indicators`` over district
  centroids (a metric CRS), study period ``study_days`` up to the newest reported day; clusters
  with ``p ≤ cluster_p`` are kept.

>>> import pandas as pd
>>> from lagebild.analytics.spikes import SpikeRule
>>> days = pd.date_range("2026-01-01", periods=60, freq="D")
>>> rows = [(d, day, 1 + day.day % 2) for d in range(1, 7) for day in days]
>>> rows += [(1, days[-1], 12), (2, days[-1], 12)]       # districts 1 and 2, last day
>>> daily = pd.DataFrame(rows, columns=["district_id", "day", "count"]).assign(
...     indicator="drogennotfaelle")
>>> centroids = pd.DataFrame({"district_id": range(1, 7), "y": 0.0,
...                           "x": [0.0, 900.0, 5000.0, 9000.0, 13000.0, 17000.0]})
>>> settings = {"scan_indicators": ("drogennotfaelle",), "study_days": 60, "max_days": 3,
...             "max_radius_m": 1000.0, "replications": 99, "cluster_p": 0.05,
...             "ears_min_count": 20}      # a district's 14 is below, the city's 36 not
>>> rule = SpikeRule("drogennotfaelle", "district", 10, 24)
>>> out = daily_signals(daily, centroids, [rule], settings)
>>> out[["kind", "district_ids", "observed"]].values.tolist()
[['cluster', [1, 2], 28.0], ['spike', [1], 14.0], ['spike', [2], 14.0], ['ears', None, 36.0]]
"""

from __future__ import annotations

import pandas as pd

from lagebild.analytics.ears import ears_c
from lagebild.analytics.scan import space_time_permutation
from lagebild.analytics.spikes import find_spikes
from lagebild.analytics.trends import CITY

COLUMNS = ["kind", "indicator", "district_ids", "start_day", "end_day", "observed",
           "expected", "p_value", "llr", "min_count", "hours", "centre_id", "radius_m",
           "upper"]
LOOKBACK_DAYS = 7
SEED = 20261204


def _spikes(daily: pd.DataFrame, rules, end: pd.Timestamp) -> list[dict]:
    hits = find_spikes(daily, rules, end, lookback_days=LOOKBACK_DAYS)
    if hits.empty:
        return []
    newest = hits.drop_duplicates(["indicator", "district_id", "area", "hours"])  # newest first
    return [{"kind": "spike", "indicator": r.indicator,
             "district_ids": None if r.district_id == CITY else [int(r.district_id)],
             "start_day": r.start, "end_day": r.end, "observed": float(r.observed),
             "min_count": int(r.min_count), "hours": int(r.hours)}
            for r in newest.itertuples(index=False)]


def _ears(daily: pd.DataFrame, settings: dict, end: pd.Timestamp) -> list[dict]:
    first = end - pd.Timedelta(days=LOOKBACK_DAYS + 9 + 7)        # C2 needs t−9 … t−3
    days = pd.date_range(first, end, freq="D")
    out = []
    for indicator in settings["scan_indicators"]:
        part = daily[(daily["indicator"] == indicator) & (daily["day"] >= first)
                     & (daily["district_id"] != CITY)]
        if part.empty:
            continue
        table = part.pivot_table(index="day", columns="district_id", values="count",
                                 aggfunc="sum").reindex(days)
        reported = table.notna().any(axis=1)
        table = table.fillna(0.0)
        table[CITY] = table.sum(axis=1)
        table.loc[~reported] = float("nan")
        for district in table.columns:
            res = ears_c(table[district], method="C2", baseline=7, alpha=0.001)
            recent = res.iloc[-LOOKBACK_DAYS:]
            hits = recent[(recent["alarm"] == True)                     # noqa: E712 (NA)
                          & (recent["observed"] >= settings["ears_min_count"])]
            if hits.empty:
                continue
            day, row = hits.index[-1], hits.iloc[-1]                  # the newest alarm
            out.append({"kind": "ears", "indicator": indicator,
                        "district_ids": None if district == CITY else [int(district)],
                        "start_day": day, "end_day": day, "observed": float(row["observed"]),
                        "expected": float(row["expected"]),
                        "upper": float(row["upperbound"])})
    return out


def _clusters(daily: pd.DataFrame, centroids: pd.DataFrame, settings: dict,
              end: pd.Timestamp, seed: int) -> list[dict]:
    start = end - pd.Timedelta(days=settings["study_days"] - 1)
    locations = centroids.rename(columns={"district_id": "location"})[["location", "x", "y"]]
    out = []
    for indicator in settings["scan_indicators"]:
        part = daily[(daily["indicator"] == indicator) & (daily["district_id"] != CITY)
                     & daily["district_id"].isin(locations["location"])]
        part = part[(part["day"] >= start) & (part["day"] <= end) & (part["count"] > 0)]
        if part["count"].sum() < 2:
            continue
        cases = part.rename(columns={"district_id": "location", "day": "date"})[
            ["location", "date", "count"]]
        found = space_time_permutation(
            cases, locations, start, end, max_radius=settings["max_radius_m"],
            max_days=settings["max_days"], replications=settings["replications"], seed=seed)
        if settings["replications"]:
            found = found[found["p_value"] <= settings["cluster_p"]]
        for r in found.itertuples(index=False):
            out.append({"kind": "cluster", "indicator": indicator,
                        "district_ids": [int(i) for i in r.locations],
                        "start_day": pd.Timestamp(r.start), "end_day": pd.Timestamp(r.end),
                        "observed": float(r.observed), "expected": float(r.expected),
                        "p_value": None if pd.isna(r.p_value) else float(r.p_value),
                        "llr": float(r.llr), "centre_id": int(r.centre),
                        "radius_m": float(r.radius)})
    return out


def daily_signals(daily: pd.DataFrame, centroids: pd.DataFrame, rules, settings: dict,
                  seed: int = SEED) -> pd.DataFrame:
    """Spikes and significant clusters of the last 7 reported days.

    Parameters: ``daily`` with ``district_id``, ``indicator``, ``day``, ``count`` (days nobody
    reported are absent); ``centroids`` with ``district_id``, ``x``, ``y`` in metres;
    ``rules`` the spike rules; ``settings`` the ``[daily]`` table of ``alerts.toml``.
    Returns one row per signal with :data:`COLUMNS` (clusters first, by p-value; then spikes,
    newest first). The input is not changed.
    """
    if daily.empty:
        return pd.DataFrame(columns=COLUMNS)
    data = daily.assign(day=pd.to_datetime(daily["day"]).dt.normalize())
    end = data["day"].max()
    rows = (_clusters(data, centroids, settings, end, seed) + _spikes(data, rules, end)
            + _ears(data, settings, end))
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("start_day", "end_day"):
        out[col] = pd.to_datetime(out[col])
    return out.reset_index(drop=True)


def daily_level(signals: pd.DataFrame, settings: dict) -> int:
    """The Lagestufe the daily signals demand at least: ``cluster_level`` with a significant
    cluster, ``spike_level`` with a spike, else 0."""
    if signals is None or signals.empty:
        return 0
    kinds = set(signals["kind"])
    return max([settings["cluster_level"]] * ("cluster" in kinds)
               + [settings["spike_level"]] * ("spike" in kinds) + [0])


def district_ids(ids) -> list[int]:
    """The district ids of a signal as stored (a list, or NULL/NA for a city-wide one)."""
    if ids is None or isinstance(ids, float) or ids is pd.NA:
        return []
    return [int(i) for i in ids]


def district_of(ids) -> object:
    """The first district id of a signal, or ``CITY`` for a city-wide one (NULL/empty)."""
    ids = district_ids(ids)
    return ids[0] if ids else CITY
