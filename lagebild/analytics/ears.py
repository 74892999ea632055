"""EARS C1/C2/C3 wie im R-Paket ``surveillance`` 1.20.3 (``earsC``).

Nachgebildet wird der *Code* des Pakets, nicht seine Hilfeseite (siehe
``shared/reference/ears/README.md``):

* C1: Fenster ``y[t-b] … y[t-1]``, ``U1 = m1 + z·max(s1, σ_min)``.
* C2: Fenster ``y[t-b-2] … y[t-3]`` (2 Wochen Schutzabstand), ``U2 = m2 + z·max(s2, σ_min)``.
* C3: ``U3 = max(0, y_t + max(s2, σ_min)·(z − L_t))`` mit
  ``L_t = max(0, C2_{t−1} − 1) + max(0, C2_{t−2} − 1)`` – mit dem *beobachteten* ``y_t``.
* ``z = qnorm(1 − alpha)`` (einseitig), ``sd`` ist die Stichproben-SD (Nenner ``b − 1``),
  Alarm bei strikt ``y_t > U_t``.

Eingabeprüfung und Ergebnisrahmen teilt es mit den anderen Verfahren
(:mod:`lagebild.analytics.series`).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import ndtri

from lagebild.analytics.series import (alarm_array, check_alpha, check_int, count_values,
                                       result_frame)

__all__ = ["ears_c"]

_EARS_METHODS = ("C1", "C2", "C3")


# --------------------------------------------------------------------------- EARS
def _window_mean_sd(y: np.ndarray, baseline: int, first_lag: int):
    """Mittelwert und Stichproben-SD über ``y[t-first_lag-baseline+1 … t-first_lag]``.

    Liefert Arrays der Länge ``len(y)``; NaN, wo das Fenster nicht vollständig in der Reihe
    liegt oder ein NA enthält (NaN pflanzt sich wie in R fort).
    """
    n = y.size
    mean = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    start = baseline + first_lag - 1  # erstes t (0-basiert) mit vollständigem Fenster
    if n > start:
        windows = sliding_window_view(y, baseline)[: n - start]
        mean[start:] = windows.mean(axis=1)
        sd[start:] = windows.std(axis=1, ddof=1)
    return mean, sd


def _ears_bounds(y, method, baseline, z, min_sigma):
    """Erwartungswert und obere Schranke für alle t (noch ohne Startmaske)."""
    lag = 1 if method == "C1" else 3
    mean, sd = _window_mean_sd(y, baseline, lag)
    sigma = np.maximum(sd, min_sigma)  # NaN bleibt NaN (wie R pmax)
    if method != "C3":
        return mean, mean + z * sigma
    with np.errstate(divide="ignore", invalid="ignore"):
        c2 = (y - mean) / sigma
        part = np.maximum(0.0, c2 - 1.0)
        lag2 = np.concatenate(([np.nan, np.nan], part[:-2]))[: y.size]
        lag1 = np.concatenate(([np.nan], part[:-1]))[: y.size]
        upper = np.maximum(0.0, y + sigma * (z - (lag2 + lag1)))
    return mean, upper


def ears_c(observed, method="C1", baseline=7, alpha=0.001, min_sigma=0.0):
    """EARS C1/C2/C3 nach ``surveillance::earsC`` (Paketversion 1.20.3).

    Methode: Vergleich des aktuellen Zeitpunkts (Woche oder Tag) mit Mittelwert und
    Stichproben-SD der ``baseline`` vorangehenden Zeitpunkte (C1 ohne, C2/C3 mit 2 Zeitpunkten
    Schutzabstand); C3 ist der Paket-Code (``U3 = max(0, y_t + s·(z − L_t))``), nicht die
    Formel der Hilfeseite. Wie ``earsC`` rechnet das Verfahren nur mit der Position in der
    Reihe: auf Tageszahlen ist das Fenster von C1 die 7 Vortage, von C2 die Tage t−9 … t−3.

    Parameter:
        observed: ``pd.Series`` mit Zählungen (NA erlaubt, z. B. nicht gemeldete Tage);
            Index ein regelmäßiger ``DatetimeIndex`` (täglich, wöchentlich, … – überall
            derselbe Abstand) oder ganzzahlig (streng aufsteigend). Die Zeilen gelten als
            aufeinanderfolgende Zeitpunkte.
        method: ``"C1"``, ``"C2"`` oder ``"C3"``.
        baseline: Anzahl der Vergleichszeitpunkte b (Wochen bzw. Tage, ≥ 3).
        alpha: einseitiges Niveau, ``z = qnorm(1 − alpha)``. ``None`` = Paketverhalten ohne
            alpha: 0.025 für C3, sonst 0.001.
        min_sigma: Untergrenze der SD (``max(sd, min_sigma)``), ≥ 0.

    Rückgabe: ``pd.DataFrame`` mit demselben Index und den Spalten ``observed``,
    ``expected`` (Basismittelwert m), ``upperbound`` und ``alarm`` (nullable boolean).
    Berechnet wird ab Zeile b+1 (C1), b+3 (C2) bzw. b+5 (C3) (1-basiert); davor NaN/<NA>.
    Ist die Reihe dafür zu kurz, kommt ein Rahmen nur aus NaN/<NA> zurück („zu wenig
    Verlauf“). NA im Fenster → Schranke und Alarm NA; NA in y_t → Alarm NA (bei C1/C2 wird
    die Schranke trotzdem berechnet). ``attrs["method"]`` z. B. ``"EARS C2"``,
    ``attrs["params"]`` enthält die verwendeten Parameter (alpha aufgelöst).

    Beispiel (Fenster 2, 4, 6; m = 4, s = 2, z = qnorm(0.975) ≈ 1.96; U = 4 + 1.96·2):

    >>> import pandas as pd
    >>> res = ears_c(pd.Series([2, 4, 6, 12]), method="C1", baseline=3, alpha=0.025)
    >>> round(float(res["upperbound"].iloc[3]), 4), bool(res["alarm"].iloc[3])
    (7.9199, True)
    >>> res["alarm"].isna().tolist()
    [True, True, True, False]
    """
    verfahren = "EARS"
    if method not in _EARS_METHODS:
        raise ValueError(f"EARS: method muss C1, C2 oder C3 sein, angegeben: {method!r}")
    verfahren = f"EARS {method}"
    if isinstance(baseline, numbers.Integral) and not isinstance(baseline, bool) and baseline < 3:
        raise ValueError(f"{verfahren} braucht mindestens 3 Basiswochen, angegeben: {baseline}")
    baseline = check_int(baseline, "baseline", 3, verfahren)
    if alpha is None:
        alpha = 0.025 if method == "C3" else 0.001
    alpha = check_alpha(alpha, verfahren)
    ok = isinstance(min_sigma, numbers.Real) and not isinstance(min_sigma, bool)
    if not ok or not np.isfinite(min_sigma) or min_sigma < 0:
        raise ValueError(
            f"{verfahren}: min_sigma muss eine Zahl ≥ 0 sein, angegeben: {min_sigma!r}"
        )
    y = count_values(observed, verfahren, weekly=False)

    mean, upper = _ears_bounds(y, method, baseline, float(ndtri(1.0 - alpha)), float(min_sigma))
    first = baseline + {"C1": 0, "C2": 2, "C3": 4}[method]  # 0-basiert = b+1, b+3, b+5
    mean[:first] = np.nan
    upper[:first] = np.nan
    alarm = alarm_array(y, upper)
    alarm[:first] = pd.NA
    params = {"method": method, "baseline": baseline, "alpha": alpha, "min_sigma": float(min_sigma)}
    return result_frame(observed.index, y, mean, upper, alarm, verfahren, params)
