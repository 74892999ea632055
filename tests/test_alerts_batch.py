"""Batched alarm methods give exactly the per-series results (used for refreshes/benchmark)."""

import numpy as np
import pandas as pd
import pytest

from lagebild.analytics.batch import ears_c_matrix, farrington_matrix
from lagebild.analytics.ears import ears_c
from lagebild.analytics.farrington import farrington_flexible


def _data(weeks, series, seed=3):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2019-12-30", periods=weeks, freq="7D")      # contains KW 53/2020
    t = np.arange(weeks)[:, None]
    lam = rng.uniform(0.2, 12, series) * (1 + 0.4 * np.sin(2 * np.pi * t / 52.18))
    Y = rng.poisson(lam).astype(float)
    Y[20:24, 1] = np.nan                     # a reporting gap
    Y[:, 2] = 0.0
    Y[[60, 61, weeks - 1], 2] = [2.0, 5.0, 4.0]   # long zero runs with a few cases
    Y[weeks - 1, 0] = np.nan                  # current week missing
    return index, Y


@pytest.mark.parametrize("method", ["C1", "C2", "C3"])
@pytest.mark.parametrize("min_sigma", [0.0, 1.0])
def test_ears_matrix_equals_the_per_series_function(method, min_sigma):
    index, Y = _data(120, 5)
    expected, upper, alarm = ears_c_matrix(Y, method, 7, 0.001, min_sigma)
    for s in range(Y.shape[1]):
        ref = ears_c(pd.Series(Y[:, s], index=index), method, 7, 0.001, min_sigma)
        np.testing.assert_array_equal(upper[:, s], ref["upperbound"].to_numpy())
        np.testing.assert_array_equal(expected[:, s], ref["expected"].to_numpy())
        np.testing.assert_array_equal(
            alarm[:, s], ref["alarm"].astype("Float64").to_numpy(dtype=float, na_value=np.nan))


@pytest.mark.parametrize("noufaily", [False, True])
def test_farrington_matrix_equals_the_per_series_function(noufaily):
    index, Y = _data(215, 4)
    expected, upper, alarm = farrington_matrix(Y, index, noufaily=noufaily, alpha=0.01)
    assert np.isfinite(upper).any() and (alarm == 1).any()
    for s in range(Y.shape[1]):
        ref = farrington_flexible(pd.Series(Y[:, s], index=index), noufaily=noufaily,
                                  alpha=0.01)
        np.testing.assert_array_equal(upper[:, s], ref["upperbound"].to_numpy())
        np.testing.assert_array_equal(expected[:, s], ref["expected"].to_numpy())
        np.testing.assert_array_equal(
            alarm[:, s], ref["alarm"].astype("Float64").to_numpy(dtype=float, na_value=np.nan))


def test_invalid_parameters_are_refused_in_german():
    with pytest.raises(ValueError, match="method muss C1, C2 oder C3 sein"):
        ears_c_matrix(np.zeros((10, 2)), "C4")
    with pytest.raises(ValueError, match="baseline muss mindestens 3 sein"):
        ears_c_matrix(np.zeros((10, 2)), "C1", baseline=2)
    with pytest.raises(ValueError, match="w darf höchstens 25 sein"):
        farrington_matrix(np.zeros((10, 2)), pd.date_range("2020-01-06", periods=10,
                                                            freq="7D"), w=30)
