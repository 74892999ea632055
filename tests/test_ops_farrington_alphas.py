"""#20 (faster ``lagebild ingest``): Gelb und Rot einer Reihe teilen ein Farrington-Modell –
the results must equal two separate calls, for every variant and with gaps in the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lagebild.analytics.alerts import run_method, run_method_alphas


def series(seed: int, weeks: int = 300, gaps: bool = False) -> pd.Series:
    rng = np.random.default_rng(seed)
    y = rng.poisson(3 + 2 * np.sin(np.arange(weeks) / 8.0)).astype(float)
    y[-3] += 15                                    # an outbreak at the end
    if gaps:
        y[rng.choice(weeks, 20, replace=False)] = np.nan
    return pd.Series(y, index=pd.date_range("2019-01-07", periods=weeks, freq="7D"))


@pytest.mark.parametrize("method, params", [
    ("farrington", {}),
    ("farrington", {"b": 2, "w": 2, "trend": False}),
    ("noufaily", {}),
    ("EARS C2", {}),
])
@pytest.mark.parametrize("gaps", [False, True])
def test_two_levels_equal_two_separate_calls(method, params, gaps):
    y = series(7, gaps=gaps)
    yellow, red = run_method_alphas(method, y, (0.05, 0.001), **params)
    for got, alpha in ((yellow, 0.05), (red, 0.001)):
        want = run_method(method, y, alpha=alpha, **params)
        pd.testing.assert_frame_equal(got, want)
        assert got.attrs == want.attrs
    assert (red["upperbound"].dropna() >= yellow["upperbound"].dropna()).all()
    assert red["alarm"].sum() <= yellow["alarm"].sum()


def test_unknown_parameter_is_refused_as_before():
    with pytest.raises(ValueError, match="kennt die Parameter"):
        run_method_alphas("farrington", series(1), (0.05, 0.01), window=3)
