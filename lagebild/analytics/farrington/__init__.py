"""Farrington flexible (inkl. Noufaily-Variante) wie ``surveillance::farringtonFlexible`` 1.20.3.

Nachgebaut in numpy, vektorisiert über alle Auswertungswochen einer Reihe (ein Quasi-Poisson-
GLM je Woche, IRLS wie R ``glm.fit``). Die Schritte und Eigenheiten des Pakets stehen in
``shared/reference/ears/README.md``; hier nur die Abweichungen vom Lehrbuch, die bewusst
übernommen werden:

* Dispersion für Trendtest und Vorhersage-SE: ``Σ ω·((y−μ)/μ)² / (n−p)`` (nicht ``phi``).
* Ist der älteste Punkt der Datenfenster NA, bezieht R die ``wtime`` der Daten auf diesen
  NA-Punkt, die Vorhersage aber auf den ersten Nicht-NA-Punkt (nur bei Datumsindex).
* NA in den letzten ``limit54[1]`` Wochen (inkl. aktueller Woche) → obere Schranke NaN und
  Alarm ``False`` (wie die 5-in-4-Regel); NA in der aktuellen Woche ergibt also ``False``.

Rechenwege, die dasselbe Ergebnis schneller liefern (Benchmarks in docs/benchmarks.md):
Intercept + Trend + Saisonstufen werden blockweise gelöst (``linalg``: Stufenblock diagonal,
2×2-Schur-Komplement), und der „Schwanz“ der IRLS – nur noch Stufen ohne Fälle sinken um 1 je
Iteration, bis R abbricht – wird ohne Gleichungssysteme zu Ende gerechnet (``glm``), mit derselben Zahl von Iterationen wie R.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import ndtri

from lagebild.analytics.farrington.glm import fit_model, inverse_link
from lagebild.analytics.farrington.reference import (build_design, reference_positions,
                                                     reference_week_dates)
from lagebild.analytics.series import check_alpha, check_int, count_values, result_frame

__all__ = ["farrington_flexible", "reference_week_dates"]


def thresholds(eta0, se_link, phi, y_now, alpha, noufaily):
    """Obere Schranke und Score (``threshold.farrington`` bzw. ``threshold.noufaily``)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if not noufaily:  # Vorhersage type = "response": μ0 = linkinv(η0), se·μ0
            mu0 = inverse_link(eta0)
            tau = phi + (se_link * mu0) ** 2 / mu0
            sd = np.sqrt(4.0 / 9.0 * mu0 ** (1.0 / 3.0) * tau)
            upper = (mu0 ** (2.0 / 3.0) + ndtri(1.0 - alpha) * sd) ** 1.5
            return mu0, upper, (y_now - mu0) / (upper - mu0)
        mu0 = np.exp(eta0)
        upper = np.full(mu0.shape, np.nan)
        fin = np.isfinite(mu0)
        nb = fin & (phi > 1)
        upper[nb] = stats.nbinom.ppf(1.0 - alpha, mu0[nb] / (phi[nb] - 1.0), 1.0 / phi[nb])
        po = fin & (phi <= 1)
        upper[po] = stats.poisson.ppf(1.0 - alpha, mu0[po])
        return mu0, upper, (y_now - eta0) / (upper - eta0)  # Paket: Score auf der Link-Skala


# --------------------------------------------------------------------------- Öffentlich
def options(b, w, alpha, reweight, weights_threshold, trend, p_threshold_trend,
             limit54, past_weeks_not_included, noufaily, verfahren):
    b = check_int(b, "b", 1, verfahren)
    w = check_int(w, "w", 0, verfahren)
    max_w = 21 if noufaily else 25
    if w > max_w:
        raise ValueError(f"{verfahren}: w darf höchstens {max_w} sein, angegeben: {w}")
    pwni = past_weeks_not_included
    if pwni is None:                # the variant's default; an explicit 3 stays 3
        pwni = 26 if noufaily else 3
    pwni = check_int(pwni, "past_weeks_not_included", 0, verfahren)
    thr = weights_threshold
    if isinstance(thr, bool) or not isinstance(thr, numbers.Real) or not thr > 0:
        raise ValueError(f"{verfahren}: weights_threshold muss > 0 sein, angegeben: {thr!r}")
    if p_threshold_trend is None:
        p_threshold_trend = 1.0 if noufaily else 0.05
    ptt = p_threshold_trend
    if isinstance(ptt, bool) or not isinstance(ptt, numbers.Real) or not 0 < ptt <= 1:
        raise ValueError(
            f"{verfahren}: p_threshold_trend muss in (0, 1] liegen, angegeben: {ptt!r}")
    if limit54 is not None:
        if not isinstance(limit54, (tuple, list)) or len(limit54) != 2:
            raise ValueError(
                f"{verfahren}: limit54 muss (Fälle, Wochen) sein, angegeben: {limit54!r}")
        limit54 = (check_int(limit54[0], "limit54 Fälle", 0, verfahren),
                   check_int(limit54[1], "limit54 Wochen", 1, verfahren))
    return {"b": b, "w": w, "alpha": check_alpha(alpha, verfahren, upper=0.5),
            "reweight": bool(reweight), "weights_threshold": float(thr), "trend": bool(trend),
            "p_threshold_trend": float(ptt), "limit54": limit54,
            "past_weeks_not_included": pwni, "noufaily": bool(noufaily),
            "no_periods": 10 if noufaily else 1,
            "threshold_method": "nbPlugin" if noufaily else "delta", "powertrans": "2/3"}


def _label(value):
    return str(value.date()) if isinstance(value, pd.Timestamp) else str(value)


def monitored_rows(index, n, opts, monitor_from, verfahren):
    """Auszuwertende Positionen und ihre Referenzpositionen (nur vollständige Fenster)."""
    if monitor_from is None:
        start = 0
    else:
        try:
            start = index.get_loc(pd.Timestamp(monitor_from)
                                  if isinstance(index, pd.DatetimeIndex) else monitor_from)
        except (KeyError, TypeError, ValueError):
            span = (f"{len(index)} Wochen, {_label(index[0])} … {_label(index[-1])}"
                    if len(index) else "leere Reihe")
            raise ValueError(f"{verfahren}: monitor_from={monitor_from!r} ist nicht im Index "
                             f"({span})") from None
    ks = np.arange(start, n)
    if ks.size == 0:
        return ks, np.empty((0, opts["b"]), dtype=np.int64)
    refs = reference_positions(index, ks, opts["b"])
    full = (refs - opts["w"] >= 0).all(axis=1)  # ältestes Fenster vollständig in der Reihe
    return ks[full], refs[full]


def _enough_cases(y, ks, limit54):
    """The 5-in-4 rule: at least ``cases`` in the last ``weeks`` weeks (NA → no)."""
    if limit54 is None:
        return np.ones(ks.size, bool)
    cases, weeks = limit54
    lo = np.maximum(ks + 1 - weeks, 0)
    csum = np.concatenate(([0.0], np.cumsum(np.nan_to_num(y))))
    nas = np.concatenate(([0], np.cumsum(np.isnan(y))))
    return ((csum[ks + 1] - csum[lo]) >= cases) & (nas[ks + 1] == nas[lo])


def farrington_flexible(observed, b=3, w=3, alpha=0.05, reweight=True, weights_threshold=2.58,
                        trend=True, p_threshold_trend=None, limit54=(5, 4),
                        past_weeks_not_included=None, monitor_from=None, noufaily=False):
    """Farrington flexible (``surveillance::farringtonFlexible`` 1.20.3), optional Noufaily.

    Methode: je Auswertungswoche k ein Quasi-Poisson-GLM ``y ~ 1 + wtime`` auf den
    b Referenzfenstern (je 2w+1 Wochen um dieselbe Kalenderwoche 1 … b Jahre zuvor),
    Umgewichtung über Anscombe-Residuen, Trend nur bei p < p_threshold_trend, b ≥ 3 und
    ohne Extrapolation; Schranke über die 2/3-Potenztransformation (einseitig, Niveau alpha).
    ``noufaily=True``: zusätzlich Saisonfaktor mit 10 Stufen (Lücken zwischen den Fenstern
    in 9 Blöcke), Trend immer behalten (p_threshold_trend ohne Angabe 1 statt 0,05), die
    letzten 26 Wochen ausgeschlossen (past_weeks_not_included ohne Angabe 26 statt 3; eine
    ausdrückliche Angabe gilt immer, auch 3 bzw. 0,05) und Schranke als Quantil der
    Negativ-Binomial- bzw. Poisson-Verteilung (ganzzahlig).

    Parameter: ``observed`` ``pd.Series`` (NA erlaubt) mit lückenlos wöchentlichem
    ``DatetimeIndex`` (Referenzwochen nach Kalenderjahr: R ``seq(by = "-1 year")``, 29.2. →
    1.3., dann nächster gleicher Wochentag; Abstand 52, 104, 156/157 Wochen) oder ganzzahligem
    Index (Abstand genau 52·i Zeilen). ``limit54=(Fälle, Wochen)``: Summe der letzten Wochen
    (inkl. aktueller) < Fälle → Schranke NaN, Alarm ``False``; ``None`` schaltet die Regel ab.
    ``monitor_from``: Indexlabel der ersten Auswertungswoche; ``None`` = erste Woche, deren
    b Referenzfenster vollständig in der Reihe liegen. Davor und bei unvollständigen
    Fenstern: NaN/<NA> (kein Fehler, „zu wenig Verlauf“).

    Rückgabe: ``pd.DataFrame`` (gleicher Index) mit ``observed``, ``expected`` (mu0),
    ``upperbound``, ``alarm`` (nullable boolean; <NA>, wo nicht berechnet oder das GLM
    nicht konvergiert). ``attrs["method"]`` „Farrington flexible“ bzw. „Farrington
    (Noufaily)“, ``attrs["params"]`` mit den aufgelösten Parametern.

    >>> import numpy as np, pandas as pd
    >>> weeks = pd.date_range("2018-01-01", periods=208, freq="7D")
    >>> y = pd.Series(np.tile([4, 5, 6, 5], 52), index=weeks)
    >>> res = farrington_flexible(y)
    >>> int(res["upperbound"].notna().sum()), res.attrs["method"]
    (48, 'Farrington flexible')
    """
    verfahren = "Farrington (Noufaily)" if noufaily else "Farrington flexible"
    opts = options(b, w, alpha, reweight, weights_threshold, trend, p_threshold_trend,
                    limit54, past_weeks_not_included, noufaily, verfahren)
    y = count_values(observed, verfahren)
    n = y.size
    ks, refs = monitored_rows(observed.index, n, opts, monitor_from, verfahren)
    expected, upper = np.full(n, np.nan), np.full(n, np.nan)
    alarm = pd.array(np.full(n, pd.NA), dtype="boolean")
    if ks.size:
        dated = isinstance(observed.index, pd.DatetimeIndex)
        X, yy, obs, act, x0 = build_design(y, ks, refs, opts["w"], opts["past_weeks_not_included"],
                                      opts["no_periods"], dated, opts["trend"])
        eta0, se, phi = fit_model(X, yy, obs, act, x0, opts)
        mu0, up, score = thresholds(eta0, se, phi, y[ks], opts["alpha"], noufaily)
        done = ~np.isnan(eta0)
        enough = _enough_cases(y, ks, opts["limit54"])
        with np.errstate(invalid="ignore"):
            hit = enough & (score > 1) & (y[ks] != 0)
        expected[ks[done]] = mu0[done]
        upper[ks[done & enough]] = up[done & enough]
        alarm[ks[done]] = hit[done]
    params = dict(opts, monitor_from=observed.index[ks[0]] if ks.size else None)
    return result_frame(observed.index, y, expected, upper, alarm, verfahren, params)
