"""EARS C1/C2/C3 auf Tageszahlen (Issue #17, tägliche Reihen).

``surveillance::earsC`` rechnet nur mit der Position in der Reihe (Fenster ``y[t-b] … y[t-1]``
bzw. ``y[t-b-2] … y[t-3]``), nicht mit den Daten des ``sts``; eine Tagesreihe gibt darum
dieselben Schranken wie dieselben Zahlen als Wochenreihe. Die Erwartungen unten sind von Hand
aus den Formeln der README in ``../shared/reference/ears/`` gerechnet.
"""

from __future__ import annotations

from math import sqrt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from lagebild.analytics.alerts import ears_c, farrington_flexible

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "ears"
DAYS = pd.date_range("2026-11-20", periods=12, freq="D")
# Tage 1–7: 1 0 2 1 0 3 0 → Mittel 1, SD √(8/6); Tag 8: 5, Tag 9: 1, Tag 10: 4, …
VALUES = [1, 0, 2, 1, 0, 3, 0, 5, 1, 4, 0, 2]
Z = norm.ppf(0.999)
SD = sqrt(8 / 6)


@pytest.mark.parametrize("method, day, expected, upper, alarm", [
    ("C1", 8, 1.0, 1.0 + Z * SD, True),     # 5 > 4,568 → Alarm am Tag 8
    ("C2", 10, 1.0, 1.0 + Z * SD, False),   # C2 am Tag 10: Fenster Tage 1–7, 4 < 4,568
])
def test_daily_bounds_by_hand(method, day, expected, upper, alarm):
    res = ears_c(pd.Series(VALUES, index=DAYS), method=method)
    assert res.index.equals(DAYS)
    row = res.iloc[day - 1]
    assert row["expected"] == pytest.approx(expected, rel=1e-12)
    assert row["upperbound"] == pytest.approx(upper, rel=1e-12)
    assert bool(row["alarm"]) is alarm
    first = {"C1": 7, "C2": 9}[method]  # davor zu wenig Verlauf
    assert res["alarm"].iloc[:first].isna().all()


def test_daily_c3_uses_the_two_previous_c2_values():
    """C3 am Tag 12 (b = 3, α = 0,025): C2-Werte der Tage 10 und 11 über die Fenster
    (Tage 5–7: 0 3 0 → m 1, s √3) und (Tage 6–8: 3 0 5 → m 8/3, s √(19/3))."""
    y = pd.Series(VALUES, index=DAYS)
    res = ears_c(y, method="C3", baseline=3, alpha=0.025)
    z = norm.ppf(0.975)
    c2_10 = (4 - 1) / sqrt(3)
    c2_11 = (0 - 8 / 3) / sqrt(19 / 3)
    lag = max(0, c2_10 - 1) + max(0, c2_11 - 1)
    s_12 = np.std([0, 5, 1], ddof=1)   # Fenster von Tag 12: Tage 7–9
    assert res["upperbound"].iloc[11] == pytest.approx(max(0, 2 + s_12 * (z - lag)), rel=1e-12)


def test_unreported_days_stay_missing():
    values = pd.Series(VALUES, index=DAYS, dtype="Float64")
    values.iloc[2] = pd.NA  # Tag 3 nicht gemeldet
    res = ears_c(values, method="C1")
    # Tag 8 (Fenster 1–7) und Tag 10 (Fenster 3–9) haben keine Schranke, Tag 11 (4–10) schon
    assert np.isnan(res["upperbound"].iloc[7]) and res["alarm"].isna().iloc[7]
    assert res["alarm"].isna().iloc[9]
    assert not res["alarm"].isna().iloc[10]
    assert res["observed"].isna().iloc[2]


def test_daily_weekly_and_integer_index_give_the_same_numbers():
    weekly = pd.date_range("2026-01-05", periods=12, freq="7D")
    for method in ("C1", "C2", "C3"):
        a = ears_c(pd.Series(VALUES, index=DAYS), method=method)
        b = ears_c(pd.Series(VALUES, index=weekly), method=method)
        c = ears_c(pd.Series(VALUES), method=method)
        for other in (b, c):
            pd.testing.assert_frame_equal(a.reset_index(drop=True),
                                          other.reset_index(drop=True))


@pytest.mark.parametrize("method", ["C1", "C2", "C3"])
def test_reference_series_on_a_daily_index_matches_r(method):
    """Die R-Ausgabe der gemeinsamen Wochenreihe gilt unverändert für dieselben Zahlen als
    Tagesreihe (earsC hängt nur von der Position ab)."""
    data = pd.read_csv(SHARED / "synthWeekly.csv")
    ref = pd.read_csv(SHARED / f"synthWeekly__earsC_{method}.csv")
    days = pd.date_range("2020-01-01", periods=len(data), freq="D")
    res = ears_c(pd.Series(data["observed"].to_numpy(), index=days), method=method,
                 baseline=7, alpha=0.001)
    np.testing.assert_allclose(res["upperbound"].to_numpy(), ref["upperbound"].to_numpy(),
                               rtol=1e-9, equal_nan=True)
    r_alarm = [None if pd.isna(a) else bool(a) for a in ref["alarm"]]
    ours = [None if pd.isna(a) else bool(a) for a in res["alarm"]]
    assert ours == r_alarm


@pytest.mark.parametrize("index, fragment", [
    (pd.to_datetime(["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-05"]),
     "zwischen 2026-11-03 und 2026-11-05 liegen 2 Tage"),
    (pd.to_datetime(["2026-11-03", "2026-11-02", "2026-11-01", "2026-10-31"]),
     "streng aufsteigend"),
])
def test_irregular_daily_index_is_rejected(index, fragment):
    with pytest.raises(ValueError, match=fragment):
        ears_c(pd.Series([1, 2, 3, 4], index=index), baseline=3)


def test_farrington_still_needs_weeks():
    with pytest.raises(ValueError, match="wöchentlich"):
        farrington_flexible(pd.Series(range(20), index=pd.date_range("2026-01-01",
                                                                     periods=20)))
