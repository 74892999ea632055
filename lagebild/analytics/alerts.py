"""Öffentliche Schnittstelle der Alarmverfahren (Ausbruchserkennung auf Wochenzahlen).

Alle Verfahren haben denselben Vertrag: eine ``pd.Series`` mit Wochenzahlen hinein (NA
erlaubt; Index wöchentlicher ``DatetimeIndex`` oder ganzzahlig; EARS nimmt jeden
regelmäßigen ``DatetimeIndex``, auch Tageszahlen), ein ``pd.DataFrame`` mit
demselben Index heraus, Spalten ``observed``, ``expected``, ``upperbound`` (float) und
``alarm`` (nullable ``"boolean"``, <NA> wo nicht berechnet), dazu ``attrs["method"]`` und
``attrs["params"]``. Die Eingabe wird nie verändert; ungültige Parameter ergeben einen
``ValueError`` mit deutscher Meldung.

* :func:`ears_c` – EARS C1/C2/C3 (R ``surveillance::earsC``),
* :func:`farrington_flexible` – Farrington flexible bzw. Noufaily (``farringtonFlexible``),
* :func:`static_threshold` – fester Schwellenwert (absolut oder je Einwohner),
* :func:`run_method` – Aufruf über den Namen (für Konfiguration/Oberfläche).
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np
import pandas as pd

from lagebild.analytics.ears import ears_c
from lagebild.analytics.series import alarm_array, count_values, result_frame
from lagebild.analytics.farrington import farrington_flexible, reference_week_dates

__all__ = [
    "METHODS", "ears_c", "farrington_flexible", "reference_week_dates", "run_method",
    "static_threshold",
]


def _population_values(population, index, verfahren: str) -> np.ndarray | float:
    if isinstance(population, pd.Series):
        if not population.index.equals(index):
            raise ValueError(
                f"{verfahren}: population braucht denselben Index wie observed "
                f"({len(population)} statt {len(index)} Einträge oder andere Labels)")
        values = pd.to_numeric(population).to_numpy(dtype=float, na_value=np.nan)
        bad = ~(values > 0) & ~np.isnan(values)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{verfahren}: population muss > 0 sein, an Position {pos}: {values[pos]:g}")
        return values
    if (isinstance(population, bool) or not isinstance(population, numbers.Real)
            or not population > 0):
        raise ValueError(
            f"{verfahren}: population muss eine Zahl > 0 sein, angegeben: {population!r}")
    return float(population)


def static_threshold(observed, threshold, population=None, per=10_000):
    """Fester Schwellenwert: Alarm, wenn die Wochenzahl die Schwelle strikt überschreitet.

    Methode: ``upperbound = threshold`` (absolute Wochenzahl, ``population=None``) oder
    ``threshold · population / per`` (Rate je ``per`` Einwohner); ``alarm = observed >
    upperbound`` (strikt, wie die R-Verfahren). ``expected`` ist NaN.

    Parameter: ``observed`` ``pd.Series`` (NA erlaubt → Alarm <NA>); ``threshold`` Zahl ≥ 0;
    ``population`` ``None``, Zahl > 0 oder ``pd.Series`` mit demselben Index (NA → keine
    Schranke); ``per`` Bezugsgröße > 0. Rückgabe: Ergebnisrahmen wie bei allen Verfahren,
    ``attrs["method"] == "Statischer Schwellenwert"``.

    >>> import pandas as pd
    >>> res = static_threshold(pd.Series([1, 3, 4, None]), threshold=1.5, population=20_000)
    >>> res["upperbound"].tolist(), res["alarm"].tolist()
    ([3.0, 3.0, 3.0, 3.0], [False, False, True, <NA>])
    """
    verfahren = "Statischer Schwellenwert"
    if (isinstance(threshold, bool) or not isinstance(threshold, numbers.Real)
            or not np.isfinite(threshold) or threshold < 0):
        raise ValueError(
            f"{verfahren}: threshold muss eine Zahl ≥ 0 sein, angegeben: {threshold!r}")
    if isinstance(per, bool) or not isinstance(per, numbers.Real) or not per > 0:
        raise ValueError(f"{verfahren}: per muss > 0 sein, angegeben: {per!r}")
    y = count_values(observed, verfahren)
    if population is None:
        upper = np.full(y.size, float(threshold))
        pop_param = None
    else:
        pop = _population_values(population, observed.index, verfahren)
        upper = np.broadcast_to(float(threshold) * pop / float(per), y.shape).astype(float)
        pop_param = pop if isinstance(pop, float) else "Series"
    params = {"threshold": float(threshold), "population": pop_param, "per": float(per)}
    return result_frame(observed.index, y, np.full(y.size, np.nan), upper,
                         alarm_array(y, upper), verfahren, params)


def _farrington_noufaily(observed, **params):
    return farrington_flexible(observed, noufaily=True, **params)


#: Verfahrensnamen für :func:`run_method` → (Funktion, feste Parameter).
METHODS = {
    "ears_c1": (ears_c, {"method": "C1"}),
    "ears_c2": (ears_c, {"method": "C2"}),
    "ears_c3": (ears_c, {"method": "C3"}),
    "ears": (ears_c, {}),
    "farrington": (farrington_flexible, {}),
    "farrington_flexible": (farrington_flexible, {}),
    "noufaily": (_farrington_noufaily, {}),
    "farrington_noufaily": (_farrington_noufaily, {}),
    "static": (static_threshold, {}),
    "static_threshold": (static_threshold, {}),
}


def _normalise(name) -> str:
    if not isinstance(name, str):
        raise ValueError(f"Verfahrensname muss ein Text sein, angegeben: {name!r}")
    key = name.strip().lower()
    for old, new in ((" ", "_"), ("-", "_"), ("(", ""), (")", "")):
        key = key.replace(old, new)
    return key


def run_method(name, observed, **params):
    """Führt ein Alarmverfahren über seinen Namen aus.

    Parameter: ``name`` – einer von :data:`METHODS` (Groß-/Kleinschreibung, Leer- und
    Bindestriche egal, z. B. ``"EARS C2"``, ``"farrington"``, ``"noufaily"``, ``"static"``);
    ``observed`` – Wochenzahlen als ``pd.Series``; ``params`` – Parameter des Verfahrens.
    Rückgabe: der Ergebnisrahmen des Verfahrens. Unbekannte Namen oder Parameter →
    ``ValueError``.

    >>> import pandas as pd
    >>> run_method("EARS C1", pd.Series([2, 4, 6, 12]), baseline=3).attrs["method"]
    'EARS C1'
    """
    key = _normalise(name)
    if key not in METHODS:
        raise ValueError(f"Unbekanntes Verfahren {name!r}; bekannt sind: {', '.join(METHODS)}")
    func, fixed = METHODS[key]
    target = farrington_flexible if func is _farrington_noufaily else func
    allowed = set(inspect.signature(target).parameters) - {"observed", "noufaily"} - set(fixed)
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(f"Verfahren {name!r} kennt die Parameter {unknown} nicht; "
                         f"erlaubt: {sorted(allowed)}")
    return func(observed, **fixed, **params)
