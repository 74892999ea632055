"""Eingabeprüfung und Ergebnisrahmen, die alle Erkennungsverfahren teilen (EARS,
Farrington, feste Schwellen, die Stapelverfahren): eine Zählreihe prüfen (Index lückenlos
wöchentlich bzw. regelmäßig, keine negativen/unendlichen Werte), ganze Zahlen und ``alpha``
prüfen, Alarm ``y > upper`` mit NA wie in R, der einheitliche Ergebnisrahmen."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd


# --------------------------------------------------------------------------- Eingaben
def count_values(observed: pd.Series, verfahren: str, weekly: bool = True) -> np.ndarray:
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


def check_int(value, name: str, minimum: int, verfahren: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{verfahren}: {name} muss eine ganze Zahl sein, angegeben: {value!r}")
    if value < minimum:
        raise ValueError(f"{verfahren}: {name} muss mindestens {minimum} sein, angegeben: {value}")
    return int(value)


def check_alpha(alpha, verfahren: str, upper: float = 1.0) -> float:
    ok = isinstance(alpha, numbers.Real) and not isinstance(alpha, bool)
    if not ok or not (0.0 < float(alpha) < upper):
        raise ValueError(
            f"{verfahren}: alpha muss zwischen 0 und {upper:g} liegen (ausschließlich), "
            f"angegeben: {alpha!r}"
        )
    return float(alpha)


# --------------------------------------------------------------------------- Ausgaben
def alarm_array(y: np.ndarray, upper: np.ndarray) -> pd.arrays.BooleanArray:
    """``y > upper`` als nullable boolean; NA, wo y oder upper NaN ist (wie R)."""
    mask = np.isnan(y) | np.isnan(upper)
    with np.errstate(invalid="ignore"):
        values = np.where(mask, False, y > upper)
    return pd.arrays.BooleanArray(values.astype(bool), mask)


def result_frame(index, observed, expected, upper, alarm, method: str, params: dict):
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
