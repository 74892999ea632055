"""The figures of ``lagebild substances``: per substance of one ISO week the valid tests,
positives, share with Wilson 95 % interval and the first detection in the city (up to the
end of that week). Pure: takes the results frame of ``Store.drug_tests``.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd

from lagebild.analytics.drugcheck import first_detections, positivity
from lagebild.drugcheck.substances import load_substances


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def substances_week(tests: pd.DataFrame, monday: date) -> dict:
    """``{"week": "2026-W48", "substances": [{key, tests, positive, share, ci_low, ci_high,
    first_detected}]}`` — every substance with a valid test this week or a detection up to
    its end, in catalogue order; ``share`` and the interval are None without a valid test.
    """
    end = monday + timedelta(days=6)
    days = pd.to_datetime(tests["date"]) if len(tests) else pd.Series(dtype="datetime64[ns]")
    upto = tests[(days <= pd.Timestamp(end)).to_numpy()] if len(tests) else tests
    week = upto[(pd.to_datetime(upto["date"]) >= pd.Timestamp(monday)).to_numpy()] \
        if len(upto) else upto
    share = positivity(week).set_index("substance") if len(week) else pd.DataFrame()
    first = dict(zip(*first_detections(upto).pipe(
        lambda f: (f["substance"], f["first_detected"])))) if len(upto) else {}
    out = []
    for key in load_substances().substances:
        if key not in first and key not in share.index:
            continue
        row = share.loc[key] if key in share.index else None
        out.append({
            "key": key,
            "tests": int(row["tests"]) if row is not None else 0,
            "positive": int(row["positive"]) if row is not None else 0,
            "share": _num(row["share"]) if row is not None else None,
            "ci_low": _num(row["ci_low"]) if row is not None else None,
            "ci_high": _num(row["ci_high"]) if row is not None else None,
            "first_detected": first[key].isoformat() if key in first else None})
    return {"week": week_label(monday), "substances": out}


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)
