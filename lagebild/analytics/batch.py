"""Alarm methods for many series at once (same results as the per-series functions).

For recomputing whole cities and for the benchmark: a matrix ``Y`` of weekly counts
(rows = weeks, columns = series, NaN = not reported) goes in, matrices ``expected``,
``upperbound`` and ``alarm`` (float 1.0/0.0, NaN = not computed) come out.

* :func:`ears_c_matrix` – EARS C1/C2/C3 vectorised across series (the per-series
  :func:`ears.ears_c` formulas on a 2-D sliding window; identical results).
* :func:`farrington_matrix` – Farrington flexible / Noufaily with the GLMs of many series in
  one batched IRLS (:mod:`farrington` internals); series without NaN share one design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import ndtri

from lagebild.analytics import farrington as far
from lagebild.analytics.farrington.glm import fit_model
from lagebild.analytics.farrington.reference import build_design
from lagebild.analytics.series import check_alpha, check_int

_LAG = {"C1": 1, "C2": 3, "C3": 3}
_FIRST = {"C1": 0, "C2": 2, "C3": 4}


def ears_c_matrix(Y, method: str = "C1", baseline: int = 7, alpha: float = 0.001,
                  min_sigma: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EARS C1/C2/C3 for every column of ``Y`` (weeks × series); see :func:`ears.ears_c`.

    >>> import numpy as np
    >>> e, u, a = ears_c_matrix(np.array([[2., 0], [4, 0], [6, 0], [12, 1]]), "C1", 3, 0.025)
    >>> round(float(u[3, 0]), 4), a[3].tolist()
    (7.9199, [1.0, 1.0])
    """
    if method not in _LAG:
        raise ValueError(f"EARS: method muss C1, C2 oder C3 sein, angegeben: {method!r}")
    verfahren = f"EARS {method}"
    baseline = check_int(baseline, "baseline", 3, verfahren)
    z = float(ndtri(1.0 - check_alpha(alpha, verfahren)))
    Y = np.asarray(Y, dtype=float)
    n = Y.shape[0]
    lag = _LAG[method]
    mean = np.full(Y.shape, np.nan)
    sd = np.full(Y.shape, np.nan)
    start = baseline + lag - 1
    if n > start:
        windows = sliding_window_view(Y, baseline, axis=0)[: n - start]
        mean[start:] = windows.mean(axis=-1)
        sd[start:] = windows.std(axis=-1, ddof=1)
    sigma = np.maximum(sd, min_sigma)
    if method != "C3":
        upper = mean + z * sigma
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            part = np.maximum(0.0, (Y - mean) / sigma - 1.0)
            lagged = np.full(Y.shape, np.nan)
            lagged[2:] = part[1:-1] + part[:-2]
            upper = np.maximum(0.0, Y + sigma * (z - lagged))
    first = baseline + _FIRST[method]
    mean[:first] = np.nan
    upper[:first] = np.nan
    return mean, upper, _alarm(Y, upper)


def _alarm(Y, upper) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(Y) | np.isnan(upper), np.nan, (Y > upper).astype(float))


def _shared_design(n, ks, refs, opts, dated):
    """Design of a series without NaN; the response carries the row position of each cell."""
    code = np.arange(n, dtype=float)
    return build_design(code, ks, refs, opts["w"], opts["past_weeks_not_included"],
                       opts["no_periods"], dated, opts["trend"])


def _chunk_rows(K: int, N: int, P: int, budget_mb: float = 96.0) -> int:
    per_series = K * N * P * 8 * 6 / 1e6       # X plus the IRLS temporaries
    return max(1, int(budget_mb // max(per_series, 1e-9)))


def farrington_matrix(Y, index: pd.DatetimeIndex, noufaily: bool = False,
                      monitor_from=None, **params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Farrington flexible (``noufaily=True``: Noufaily) for every column of ``Y``.

    Same parameters and results as :func:`farrington.farrington_flexible` per column;
    ``index`` is the shared weekly ``DatetimeIndex`` of the rows.
    """
    verfahren = "Farrington (Noufaily)" if noufaily else "Farrington flexible"
    defaults = dict(b=3, w=3, alpha=0.05, reweight=True, weights_threshold=2.58, trend=True,
                    p_threshold_trend=None, limit54=(5, 4), past_weeks_not_included=None)
    opts = far.options(**{**defaults, **params}, noufaily=noufaily, verfahren=verfahren)
    Y = np.asarray(Y, dtype=float)
    n, S = Y.shape
    expected, upper, alarm = (np.full(Y.shape, np.nan) for _ in range(3))
    ks, refs = far.monitored_rows(index, n, opts, monitor_from, verfahren)
    if ks.size == 0:
        return expected, upper, alarm
    dated = isinstance(index, pd.DatetimeIndex)
    X0, code, obs0, act0, x00 = _shared_design(n, ks, refs, opts, dated)
    pos = code.astype(np.int64)
    K, N, P = X0.shape
    step = _chunk_rows(K, N, P)
    for lo in range(0, S, step):
        cols = np.arange(lo, min(lo + step, S))
        parts = []
        for s in cols:
            y = Y[:, s]
            if np.isnan(y).any():
                parts.append(build_design(y, ks, refs, opts["w"], opts["past_weeks_not_included"],
                                         opts["no_periods"], dated, opts["trend"]))
            else:
                parts.append((X0, np.where(obs0, y[pos], 0.0), obs0, act0, x00))
        X, yy, obs, act, x0 = (np.concatenate(p) for p in zip(*parts))
        eta0, se, phi = fit_model(X, yy, obs, act, x0, opts)
        y_now = Y[np.ix_(ks, cols)].T.ravel()
        mu0, up, score = far.thresholds(eta0, se, phi, y_now, opts["alpha"], noufaily)
        _store(expected, upper, alarm, Y, ks, cols, eta0, mu0, up, score, opts)
    return expected, upper, alarm


def _store(expected, upper, alarm, Y, ks, cols, eta0, mu0, up, score, opts) -> None:
    """Write one chunk back, with the 5-in-4 rule of ``farrington_flexible``."""
    shape = (cols.size, ks.size)
    done = ~np.isnan(eta0).reshape(shape)
    mu0, up, score = (a.reshape(shape) for a in (mu0, up, score))
    y = Y[:, cols].T                                             # series × weeks
    y_now = y[:, ks]
    enough = np.ones(shape, bool)
    if opts["limit54"] is not None:
        cases, weeks = opts["limit54"]
        lo = np.maximum(ks + 1 - weeks, 0)
        csum = np.concatenate((np.zeros((cols.size, 1)), np.cumsum(np.nan_to_num(y), 1)), 1)
        nas = np.concatenate((np.zeros((cols.size, 1)), np.cumsum(np.isnan(y), 1)), 1)
        enough = ((csum[:, ks + 1] - csum[:, lo]) >= cases) & (nas[:, ks + 1] == nas[:, lo])
    with np.errstate(invalid="ignore"):
        hit = enough & (score > 1) & (y_now != 0)
    e, u, a = (np.full(shape, np.nan) for _ in range(3))
    e[done] = mu0[done]
    u[done & enough] = up[done & enough]
    a[done] = hit[done]
    expected[np.ix_(ks, cols)] = e.T
    upper[np.ix_(ks, cols)] = u.T
    alarm[np.ix_(ks, cols)] = a.T
