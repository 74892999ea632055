"""EARS C1/C2/C3 wie im R-Paket ``surveillance`` 1.20.3 (``earsC``).

Nachgebildet wird der *Code* des Pakets, nicht seine Hilfeseite (siehe
``shared/reference/ears/README.md``):

* C1: Fenster ``y[t-b] … y[t-1]``, ``U1 = m1 + z·max(s1, σ_min)``.
* C2: Fenster ``y[t-b-2] … y[t-3]`` (2 Wochen Schutzabstand), ``U2 = m2 + z·max(s2, σ_min)``.
* C3: ``U3 = max(0, y_t + max(s2, σ_min)·(z − L_t))`` mit
  ``L_t = max(0, C2_{t−1} − 1) + max(0, C2_{t−2} − 1)`` – mit dem *beobachteten* ``y_t``.
* ``z = qnorm(1 − alpha)`` (einseitig), ``sd`` ist die Stichproben-SD (Nenner ``b − 1``),
  Alarm bei strikt ``y_t > U_t``.

Dieses Modul enthält außerdem die gemeinsamen Hilfsfunktionen für Eingabeprüfung und
Ergebnisrahmen, die ``farrington`` und ``alerts`` mitbenutzen.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import ndtri

__all__ = ["ears_c"]

_EARS_METHODS = ("C1", "C2", "C3")


# --------------------------------------------------------------------------- Eingaben
def _count_values(observed: pd.Series, verfahren: str, weekly: bool = True) -> np.ndarray:
    """Prüft Zählreihe und Index; gibt eine neue float-Kopie (NA → NaN) zurück.

    ``weekly=True``: ein DatetimeIndex muss lückenlos wöchentlich sein (Farrington, feste
    Schwellen); ``weekly=False`` (EARS): jeder regelmäßige DatetimeIndex (Tage, Wochen, …)."""
    if not isinstance(observed, pd.Series):
        raise ValueError(
            f"{verfahren}: erwartet eine pandas-Series mit Zählungen, "
            f"erhalten: {type(observed).__name__}"
        )
    index = observed.index
    if isinstance(index, pd.DatetimeIndex):
        if weekly:
            _check_weekly_index(index, verfahren)
        else:
            _check_regular_index(index, verfahren)
    elif not pd.api.types.is_integer_dtype(index.dtype):
        kind = "wöchentlicher" if weekly else "regelmäßiger"
        raise ValueError(
            f"{verfahren}: der Index muss ein {kind} DatetimeIndex oder ein "
            f"ganzzahliger Index sein, erhalten: {index.dtype}"
        )
    elif len(index) > 1 and not (index.is_unique and index.is_monotonic_increasing):
        raise ValueError(f"{verfahren}: der ganzzahlige Index muss streng aufsteigend sein")
    if pd.api.types.is_bool_dtype(observed.dtype):
        raise ValueError(f"{verfahren}: Wahrheitswerte sind keine Fallzahlen")
    try:
        numeric = pd.to_numeric(observed, errors="raise")
    except (TypeError, ValueError) as err:
        raise ValueError(f"{verfahren}: die Werte müssen Zahlen sein ({err})") from None
    values = numeric.to_numpy(dtype=float, na_value=np.nan, copy=True)
    if np.isinf(values).any():
        pos = int(np.flatnonzero(np.isinf(values))[0])
        raise ValueError(f"{verfahren}: unendlicher Wert an Position {pos}")
    negative = np.flatnonzero(values < 0)
    if negative.size:
        pos = int(negative[0])
        raise ValueError(
            f"{verfahren}: Fallzahlen dürfen nicht negativ sein, "
            f"{negative.size} negative Werte, erster an Position {pos}: {values[pos]:g}"
        )
    return values


def _check_weekly_index(index: pd.DatetimeIndex, verfahren: str) -> None:
    """Ein DatetimeIndex muss lückenlos wöchentlich sein (Abstand genau 7 Tage)."""
    if index.tz is not None:
        raise ValueError(f"{verfahren}: der DatetimeIndex darf keine Zeitzone tragen")
    if len(index) < 2:
        return
    steps = np.diff(index.to_numpy().astype("datetime64[s]").astype(np.int64))
    bad = np.flatnonzero(steps != 7 * 86400)
    if bad.size:
        pos = int(bad[0])
        raise ValueError(
            f"{verfahren}: der DatetimeIndex muss lückenlos wöchentlich sein (7 Tage Abstand); "
            f"zwischen {index[pos].date()} und {index[pos + 1].date()} liegen "
            f"{steps[pos] / 86400:g} Tage"
        )


def _check_regular_index(index: pd.DatetimeIndex, verfahren: str) -> None:
    """Ein DatetimeIndex muss aufsteigend mit immer gleichem Abstand sein (z. B. täglich)."""
    if index.tz is not None:
        raise ValueError(f"{verfahren}: der DatetimeIndex darf keine Zeitzone tragen")
    if len(index) < 2:
        return
    steps = np.diff(index.to_numpy().astype("datetime64[s]").astype(np.int64))
    if steps[0] <= 0:
        raise ValueError(
            f"{verfahren}: der DatetimeIndex muss streng aufsteigend sein; auf "
            f"{index[0]} folgt {index[1]}")
    bad = np.flatnonzero(steps != steps[0])
    if bad.size:
        pos = int(bad[0])
        raise ValueError(
            f"{verfahren}: der DatetimeIndex muss regelmäßig sein (überall {_span(steps[0])} "
            f"Abstand wie zwischen den ersten beiden Zeitpunkten); zwischen "
            f"{index[pos].date()} und {index[pos + 1].date()} liegen {_span(steps[pos])}"
        )


def _span(seconds) -> str:
    days = seconds / 86400
    if days == int(days):
        return "1 Tag" if days == 1 else f"{days:g} Tage"
    return f"{seconds / 3600:g} Stunden"


def _check_int(value, name: str, minimum: int, verfahren: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{verfahren}: {name} muss eine ganze Zahl sein, angegeben: {value!r}")
    if value < minimum:
        raise ValueError(f"{verfahren}: {name} muss mindestens {minimum} sein, angegeben: {value}")
    return int(value)


def _check_alpha(alpha, verfahren: str, upper: float = 1.0) -> float:
    ok = isinstance(alpha, numbers.Real) and not isinstance(alpha, bool)
    if not ok or not (0.0 < float(alpha) < upper):
        raise ValueError(
            f"{verfahren}: alpha muss zwischen 0 und {upper:g} liegen (ausschließlich), "
            f"angegeben: {alpha!r}"
        )
    return float(alpha)


# --------------------------------------------------------------------------- Ausgaben
def _alarm_array(y: np.ndarray, upper: np.ndarray) -> pd.arrays.BooleanArray:
    """``y > upper`` als nullable boolean; NA, wo y oder upper NaN ist (wie R)."""
    mask = np.isnan(y) | np.isnan(upper)
    with np.errstate(invalid="ignore"):
        values = np.where(mask, False, y > upper)
    return pd.arrays.BooleanArray(values.astype(bool), mask)


def _result_frame(index, observed, expected, upper, alarm, method: str, params: dict):
    """Baut den einheitlichen Ergebnisrahmen (gleicher Index wie die Eingabe)."""
    result = pd.DataFrame(
        {
            "observed": np.asarray(observed, dtype=float),
            "expected": np.asarray(expected, dtype=float),
            "upperbound": np.asarray(upper, dtype=float),
            "alarm": pd.array(alarm, dtype="boolean"),
        },
        index=index.copy(),
    )
    result.attrs["method"] = method
    result.attrs["params"] = dict(params)
    return result


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
    baseline = _check_int(baseline, "baseline", 3, verfahren)
    if alpha is None:
        alpha = 0.025 if method == "C3" else 0.001
    alpha = _check_alpha(alpha, verfahren)
    ok = isinstance(min_sigma, numbers.Real) and not isinstance(min_sigma, bool)
    if not ok or not np.isfinite(min_sigma) or min_sigma < 0:
        raise ValueError(
            f"{verfahren}: min_sigma muss eine Zahl ≥ 0 sein, angegeben: {min_sigma!r}"
        )
    y = _count_values(observed, verfahren, weekly=False)

    mean, upper = _ears_bounds(y, method, baseline, float(ndtri(1.0 - alpha)), float(min_sigma))
    first = baseline + {"C1": 0, "C2": 2, "C3": 4}[method]  # 0-basiert = b+1, b+3, b+5
    mean[:first] = np.nan
    upper[:first] = np.nan
    alarm = _alarm_array(y, upper)
    alarm[:first] = pd.NA
    params = {"method": method, "baseline": baseline, "alpha": alpha, "min_sigma": float(min_sigma)}
    return _result_frame(observed.index, y, mean, upper, alarm, verfahren, params)
