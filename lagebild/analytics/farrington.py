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
Intercept + Trend + Saisonstufen werden blockweise gelöst (``_schur``: Stufenblock diagonal,
2×2-Schur-Komplement), und der „Schwanz“ der IRLS – nur noch Stufen ohne Fälle sinken um 1 je
Iteration, bis R abbricht – wird ohne Gleichungssysteme zu Ende gerechnet (``_in_tail``,
``_tail``), mit derselben Zahl von Iterationen wie R. Das Modell hängt nicht von ``alpha``
ab: :func:`farrington_alphas` rechnet es einmal für mehrere Niveaus (Gelb und Rot einer
Reihe, #20), und ``scipy.stats`` wird erst für Noufaily geladen (≈ 0,5 s Importzeit, #20).
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np
import pandas as pd
from scipy.special import ndtri, stdtr

from lagebild.analytics.ears import _check_alpha, _check_int, _count_values, _result_frame

__all__ = ["farrington_flexible", "farrington_alphas", "reference_week_dates"]

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- Referenzwochen
def _years_back(days: np.ndarray, years: int) -> np.ndarray:
    """R ``seq(d, by = "-1 year")``: gleicher Tag/Monat ``years`` Jahre früher, 29.2. → 1.3."""
    d = days.astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    shifted = (month.astype(np.int64) - 12 * years).astype("datetime64[M]")
    return shifted.astype("datetime64[D]") + day_of_month  # Überlauf rollt in den März


def _nearest_same_weekday(cand: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Nächstes Datum zu ``cand`` mit dem Wochentag von ``target`` (R-Code, So–Sa-Woche)."""
    wd_cand = (cand.astype(np.int64) + 4) % 7  # %w: Sonntag = 0 (1970-01-01 war Donnerstag)
    wd_target = (target.astype(np.int64) + 4) % 7
    a = cand - (wd_cand - wd_target).astype("timedelta64[D]")
    b = a + np.where(a > cand, -7, 7).astype("timedelta64[D]")
    return np.where(np.abs(a - cand) > np.abs(b - cand), b, a)


def reference_week_dates(date, b: int = 3) -> list[pd.Timestamp]:
    """Referenzwochen von ``farringtonFlexible`` für ein Datum, 1 … b Jahre zurück.

    Methode: ``date − i Jahre`` mit R-Semantik (29. Februar → 1. März), dann das nächste
    Datum mit demselben Wochentag wie ``date``. Parameter: ``date`` (Datum/Text), ``b``
    (Anzahl Jahre). Rückgabe: Liste von ``pd.Timestamp`` (i = 1 … b).

    >>> [str(d.date()) for d in reference_week_dates("2024-03-04", 3)]
    ['2023-03-06', '2022-03-07', '2021-03-01']
    """
    day = np.array([pd.Timestamp(date).to_datetime64()], dtype="datetime64[D]")
    return [pd.Timestamp(_nearest_same_weekday(_years_back(day, i), day)[0])
            for i in range(1, b + 1)]


def _reference_positions(index: pd.Index, ks: np.ndarray, b: int) -> np.ndarray:
    """(K, b)-Matrix der 0-basierten Referenzpositionen; -1, wo das Datum fehlt."""
    if not isinstance(index, pd.DatetimeIndex):
        return ks[:, None] - 52 * np.arange(1, b + 1)[None, :]
    days = index.to_numpy().astype("datetime64[D]")
    out = np.empty((ks.size, b), dtype=np.int64)
    for i in range(1, b + 1):
        ref = _nearest_same_weekday(_years_back(days[ks], i), days[ks])
        out[:, i - 1] = (ref - days[0]).astype(np.int64) // 7
    out[out < 0] = -1
    return out


# --------------------------------------------------------------------------- Datenfenster
def _season_levels(pos, ks, refs, w, periods):
    """Faktorstufe je Position (Paketfunktion ``blocks``).

    Fenster bekommen die Stufe ``periods``; jede Lücke zwischen zwei Fenstern wird in
    ``periods − 1`` fast gleich lange Blöcke 1, 2, … geteilt (ältere Blöcke je 1 Woche länger).
    """
    level = np.zeros(pos.shape, dtype=np.int64)
    newer = ks
    for i in range(refs.shape[1]):
        older = refs[:, i]
        gap = (newer - older - 2 * w - 1)[:, None]
        size, rest = gap // (periods - 1), gap % (periods - 1)
        off = pos - (older[:, None] + w + 1)
        long_part = rest * (size + 1)
        j = np.where(off < long_part, off // (size + 1),
                     rest + (off - long_part) // np.maximum(size, 1))
        in_gap = (off >= 0) & (off < gap)
        level = np.where(in_gap, j + 1, level)
        newer = older
    for centre in np.column_stack([ks, refs]).T:
        level = np.where(np.abs(pos - centre[:, None]) <= w, periods, level)
    return level


def _design(y, ks, refs, w, pwni, periods, dated, trend):
    """Designmatrizen (K, N, P), Antwort, Beobachtungsmaske, aktive Spalten, Vorhersagezeile."""
    span = np.arange(-w, w + 1)
    if periods == 1:
        centres = np.column_stack([refs[:, ::-1], ks])
        pos = (centres[:, :, None] + span).reshape(ks.size, -1)
    else:
        start = refs[:, -1] - w  # bis k − pwni − 1: die jüngsten Wochen gehen ohnehin nicht ein
        pos = start[:, None] + np.arange(max(int((ks - pwni - start).max()), 1))[None, :]
    in_block = (pos >= 0) & (pos < (ks - pwni)[:, None])
    yv = np.where(in_block, y[np.clip(pos, 0, y.size - 1)], np.nan)
    obs = ~np.isnan(yv)
    first_block = np.where(in_block, pos, np.iinfo(np.int64).max).min(axis=1)
    first_obs = np.where(obs, pos, np.iinfo(np.int64).max).min(axis=1)
    if dated:  # Daten relativ zum ersten Blockpunkt, Vorhersage zum ersten Nicht-NA (R-Code)
        wtime, wtime0 = pos - first_block[:, None], ks - first_obs
    else:
        wtime, wtime0 = pos + 1, ks + 1
    cols = [np.ones(pos.shape), wtime.astype(float)]
    x0 = [np.ones(ks.size), wtime0.astype(float)]
    active = [np.ones(ks.size, bool), np.full(ks.size, trend)]
    if periods > 1:
        level = _season_levels(pos, ks, refs, w, periods)
        present = np.stack([(obs & (level == lv)).any(axis=1) for lv in range(1, periods + 1)], 1)
        baseline = present.argmax(axis=1) + 1  # Stufe 1, außer sie hat keine Daten
        obs &= present[:, [periods - 1]]  # ohne Daten in den Fenstern: R bricht ab → NA
        for lv in range(2, periods + 1):  # Stufe 1 ist nie eine eigene Spalte
            cols.append((level == lv).astype(float))
            x0.append(np.full(ks.size, float(lv == periods)))
            active.append(present[:, lv - 1] & (baseline != lv))
    X = np.stack(cols, axis=2) * obs[:, :, None]
    act = np.stack(active, axis=1)
    X *= act[:, None, :]
    return X, np.where(obs, yv, 0.0), obs, act, np.stack(x0, axis=1) * act


# --------------------------------------------------------------------------- GLM (IRLS)
def _wls_matrix(X, W, act, dense):
    """XᵀWX je Zeile. Spalten ab ``dense`` (None = keine) sind sich ausschließende
    0/1-Indikatoren (Saisonstufen): ihr Block ist diagonal, das spart bei Noufaily Arbeit."""
    P = X.shape[2]
    dense = P if dense is None else dense
    A = np.zeros((X.shape[0], P, P))
    for j in range(dense):  # Zeile j: Σ_n W·x_j·x (Vektor×Matrix ist hier am schnellsten)
        A[:, j, :] = np.matmul((W * X[:, :, j])[:, None, :], X)[:, 0, :]
    if dense < P:
        A[:, dense:, :dense] = A[:, :dense, dense:].transpose(0, 2, 1)
        ind = np.arange(dense, P)
        # Spalte 0 ist der Intercept (1 bei jeder Beobachtung, W = 0 sonst), also ist
        # Σ W·x_j·x_j = Σ W·x_0·x_j für 0/1-Indikatoren: Zeile 0 enthält die Diagonale schon.
        A[:, ind, ind] = A[:, 0, dense:]
    A[:, np.arange(P), np.arange(P)] += ~act  # inaktive Spalten: β = 0
    return A


def _level_design(X):
    """Für ``_solve_levels``: je Beobachtung der Trendwert und die Spalte ihrer Saisonstufe
    (0 = Referenzstufe, in keiner Stufenspalte) – statt der ganzen Designmatrix."""
    # 0/1-Spalten, höchstens eine 1 je Beobachtung: Σ j·x_j ist die Spalte (0 = keine)
    cat = np.rint(X[:, :, 2:] @ np.arange(2.0, X.shape[2])).astype(np.int64)
    # dazu der Intercept (0 bei Beobachtungen außerhalb des Fensters: dort ist X ganz 0)
    return np.ascontiguousarray(X[:, :, 1]), cat, np.ascontiguousarray(X[:, :, 0])


def _flat(design, K, P):
    """Position jeder Beobachtung in einem (K × P)-Array: Zeile·P + Stufenspalte."""
    return np.arange(K)[:, None] * P + design[1]


def _levels_eta(design, beta, flat=None):
    """η = X·β = β₀·x₀ + β₁·t + β_Stufe."""
    t, _, x0 = design
    coef = beta.copy()
    coef[:, :2] = 0.0                                   # Referenzstufe: kein Stufenbeitrag
    if flat is None:
        flat = _flat(design, *beta.shape)
    return beta[:, :1] * x0 + beta[:, 1:2] * t + coef.ravel()[flat]


def _schur(design, W, act, flat, Wz=None):
    """Die Bausteine von XᵀWX + diag(¬act) bei Intercept, Trend und sich ausschließenden
    0/1-Saisonstufen (ihr Block ist diagonal): je Stufe Σ W (``D``) und Σ W·t (``E``), der
    Stufenblock ``d`` (D, +1 für inaktive Spalten) und das 2×2-Schur-Komplement
    (s00, s01, s11) des dichten Teils. Die Summen zählt ``bincount``; die der Referenzstufe
    direkt statt als Differenz (keine Auslöschung, wenn sie fast kein Gewicht hat). Mit
    ``Wz`` auch XᵀWz je Stufe und das reduzierte 2er-rhs (r0, r1)."""
    t = design[0]
    K, P = act.shape
    flat = flat.ravel()
    Wt = W * t

    def per_level(values):       # Zeile × Spalte: [Referenzstufe, 0, Stufen …]
        return np.bincount(flat, weights=values.ravel(), minlength=K * P).reshape(K, P)

    G0, G1 = per_level(W), per_level(Wt)
    D, E = G0[:, 2:], G1[:, 2:]
    inactive = ~act
    out = {"D": D, "E": E, "d": D + inactive[:, 2:]}
    with np.errstate(divide="ignore", invalid="ignore"):
        out["s00"] = G0[:, 0] + inactive[:, 0]
        out["s01"] = G1[:, 0]
        out["s11"] = (np.sum(Wt * t, axis=1) + inactive[:, 1]
                      - np.sum(E * E / out["d"], axis=1))
        if Wz is not None:
            G2 = per_level(Wz)
            out["rhs"] = G2[:, 2:]
            out["r0"] = G2[:, 0]
            out["r1"] = np.sum(Wz * t, axis=1) - np.sum(E * out["rhs"] / out["d"], axis=1)
    return out


def _solve_levels(design, W, Wz, act, flat):
    """Löst (XᵀWX + diag(¬act))·β = XᵀWz wie ``_solve(_wls_matrix(X, W, act, 2), rhs)``,
    über ``_schur``: erst der dichte 2×2-Teil, dann jede Stufe für sich. ``design`` aus
    ``_level_design``. Singuläre Zeilen → NaN wie bei ``_solve``."""
    q = _schur(design, W, act, flat, Wz)
    s00, s01, s11, r0, r1 = q["s00"], q["s01"], q["s11"], q["r0"], q["r1"]
    with np.errstate(divide="ignore", invalid="ignore"):
        det = s00 * s11 - s01 * s01
        b0 = (s11 * r0 - s01 * r1) / det
        b1 = (s00 * r1 - s01 * r0) / det
        levels = (q["rhs"] - q["D"] * b0[:, None] - q["E"] * b1[:, None]) / q["d"]
    out = np.concatenate((b0[:, None], b1[:, None], levels), axis=1)
    out[~np.isfinite(out).all(axis=1)] = np.nan
    return out


def _inverse_levels(design, W, act):
    """(XᵀWX + diag(¬act))⁻¹ wie ``_solve(_wls_matrix(X, W, act, 2))``, blockweise über
    ``_schur``: mit F = C·d⁻¹ (C: Kopplung dicht × Stufen) ist die Inverse
    [[S⁻¹, −S⁻¹F], [−FᵀS⁻¹, d⁻¹ + FᵀS⁻¹F]]. Singuläre Zeilen → NaN."""
    K, P = act.shape
    q = _schur(design, W, act, _flat(design, K, P))
    s00, s01, s11 = q["s00"], q["s01"], q["s11"]
    with np.errstate(divide="ignore", invalid="ignore"):
        det = s00 * s11 - s01 * s01
        S_inv = (np.stack((np.stack((s11, -s01), 1), np.stack((-s01, s00), 1)), 1)
                 / det[:, None, None])
        F = np.stack((q["D"], q["E"]), 1) / q["d"][:, None, :]          # (K, 2, L)
        top = -np.matmul(S_inv, F)                                      # (K, 2, L)
        out = np.empty((K, P, P))
        out[:, :2, :2] = S_inv
        out[:, :2, 2:] = top
        out[:, 2:, :2] = top.transpose(0, 2, 1)
        out[:, 2:, 2:] = -np.matmul(F.transpose(0, 2, 1), top)
        out[:, np.arange(2, P), np.arange(2, P)] += 1.0 / q["d"]
    out[~np.isfinite(out).all(axis=(1, 2))] = np.nan
    return out


def _solve(A, rhs=None):
    """Gestapeltes ``solve``/``inv``; singuläre Zeilen (nur bei entarteten Daten) → NaN."""
    B = np.broadcast_to(np.eye(A.shape[1]), A.shape) if rhs is None else rhs[..., None]
    try:
        out = np.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        out = np.full(B.shape, np.nan)
        for i in range(A.shape[0]):
            try:
                out[i] = np.linalg.solve(A[i], B[i])
            except np.linalg.LinAlgError:
                pass
    return out if rhs is None else out[..., 0]


def _linkinv(eta):
    """R ``make.link("log")$linkinv``: ``pmax(exp(eta), .Machine$double.eps)``."""
    with np.errstate(over="ignore"):
        return np.maximum(np.exp(eta), _EPS)


def _deviance(y, mu, pw, c=None):
    """Poisson-Devianz wie R: Σ ω·2·(y·log(y/μ) − (y − μ)), für y = 0 nur 2·ω·μ.
    Als Σ ω·2·(c − y·log μ + μ) mit c = y·log y − y (``_dev_const``, je IRLS einmal)."""
    if c is None:
        c = _dev_const(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = c - y * np.log(mu) + mu
    return 2.0 * np.sum(pw * term, axis=1)


def _dev_const(y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, y * np.log(y), 0.0) - y


def _irls(X, y, pw, act, dense=None, maxit=25, epsilon=1e-8, Z=None):
    """Quasi-Poisson-IRLS wie R ``glm.fit`` (Start μ = y + 0.1, Abbruchregel, Schrittteilung).

    Alle Zeilen (Auswertungswochen) iterieren gemeinsam, jede bis zu ihrer eigenen Konvergenz.
    ``Z``: ``_level_design(X)``, falls der Aufrufer es schon hat.
    """
    K = X.shape[0]
    mu = np.where(pw > 0, y + 0.1, 1.0)
    cy = _dev_const(y)
    eta, dev_old = np.log(mu), _deviance(y, mu, pw, cy)
    beta, W_last = np.zeros((K, X.shape[2])), np.zeros_like(y)
    conv, failed = np.zeros(K, bool), np.zeros(K, bool)
    rows, yt, pt, at, old = np.arange(K), y, pw, act, beta  # noch offene Zeilen
    # Intercept, Trend und sich ausschließende Saisonstufen: Schur-Komplement statt LU, und
    # nur das kompakte ``Z`` wird mitgeführt (X[rows] nur für die seltene Schrittteilung)
    if Z is None and dense == 2 and X.shape[2] > 2:
        Z = _level_design(X)
    Xt, Zt = (X, None) if Z is None else (None, Z)
    for it in range(maxit):
        W = pt * mu
        Wz = W * eta + pt * (yt - mu)                # W·z mit z = η + (y − μ)/μ
        if Zt is None:
            rhs = np.matmul(Wz[:, None, :], Xt)[:, 0, :]
            new = _solve(_wls_matrix(Xt, W, at, dense), rhs)
            eta_old, eta = eta, np.matmul(Xt, new[..., None])[..., 0]
        else:
            flat = _flat(Zt, *at.shape)
            new = _solve_levels(Zt, W, Wz, at, flat)
            eta_old, eta = eta, _levels_eta(Zt, new, flat)
        mu = _linkinv(eta)
        dev = _deviance(yt, mu, pt, cy)
        # R prüft Devianz und μ; ein nicht endliches μ macht die Devianz schon nicht endlich
        # (0·∞ und ∞ − ∞ sind NaN), also genügt die Devianz
        bad = ~np.isfinite(dev)
        if bad.any():  # R: Schritt halbieren (1. Iteration: Abbruch mit Fehler)
            if it == 0:
                failed[rows[bad]] = True
            else:
                new, eta, mu, dev = _halve(X[rows] if Zt is not None else Xt, yt, pt, new, old,
                                           bad, maxit, failed, rows)
        beta[rows], W_last[rows] = new, W
        done = (np.abs(dev - dev_old) / (0.1 + np.abs(dev)) < epsilon) | failed[rows]
        conv[rows[done]] = True
        step = eta - eta_old
        if it > 0 and it + 1 < maxit:          # ab der 2. Iteration ist β − β_alt ein Schritt
            tail = ~done & ~bad & _in_tail(step, yt, pt)
            if tail.any():           # der Rest dieser Zeilen ist vorhersehbar: ausrechnen
                t = np.flatnonzero(tail)
                b_t, w_t, c_t = _tail(new[t], new[t] - old[t], eta[t], step[t], mu[t],
                                      dev[t], yt[t], pt[t], maxit - it - 1, epsilon)
                beta[rows[t]], W_last[rows[t]], conv[rows[t]] = b_t, w_t, c_t
                done = done | tail
        if done.all():
            break
        if done.any():
            keep = ~done
            rows, yt, pt, at, cy = rows[keep], yt[keep], pt[keep], at[keep], cy[keep]
            new, eta, mu, dev = new[keep], eta[keep], mu[keep], dev[keep]
            if Zt is None:
                Xt = Xt[keep]
            else:
                Zt = tuple(part[keep] for part in Zt)
        old, dev_old = new, dev
    eta = np.matmul(X, beta[..., None])[..., 0] if Z is None else _levels_eta(Z, beta)
    return beta, _linkinv(eta), W_last, conv & ~failed, failed


_TAIL_TOL = 1e-9


def _in_tail(step, y, pw):
    """Zeilen im „Schwanz“ der IRLS: Beobachtungen mit Fällen sind konvergiert (Δη ≈ 0), und
    eine Gruppe nur aus Nullen (Saisonstufe ohne Fälle, ganzes Fenster ohne Fälle) sinkt je
    Iteration um genau 1 (z = η − 1, ihr Koeffizient läuft gegen −∞).
    Ab hier wiederholt jede weitere Iteration denselben Schritt in β, nur die Devianz der
    Nullen schrumpft um den Faktor e; R braucht dafür bis zu 20 Iterationen."""
    on = pw > 0
    sinking = _sinking(step, y, pw)
    return (~on | sinking | (np.abs(step) < _TAIL_TOL)).all(axis=1) & sinking.any(axis=1)


def _sinking(step, y, pw):
    """Beobachtungen ohne Fälle, deren η in dieser Iteration um genau 1 sank."""
    return (np.abs(step + 1.0) < _TAIL_TOL) & (y == 0) & (pw > 0)


def _tail(beta, dbeta, eta, step, mu, dev, y, pw, left, epsilon):
    """Die restlichen Iterationen von Zeilen im Schwanz, ohne Gleichungssysteme: Iteration j
    hätte β + j·Δβ, η + j·Δη, μ = linkinv(η) und deren Devianz; Abbruch wie R bei
    |Δdev|/(|dev| + 0.1) < ε, spätestens nach ``left`` Iterationen (dann nicht konvergiert).
    Gibt (β, Gewichte der letzten Iteration, konvergiert) zurück."""
    n = beta.shape[0]
    steps = np.full(n, left)
    conv = np.zeros(n, bool)
    open_ = np.ones(n, bool)
    # Nur die sinkenden Nullen ändern sich (Devianzbeitrag y = 0: 2·ω·μ); μ = max(e^η, eps)
    sink = np.where(_sinking(step, y, pw), pw, 0.0)
    with np.errstate(under="ignore"):
        e_eta = np.exp(eta)
    rest = dev - 2.0 * np.sum(sink * mu, axis=1)
    last = np.zeros(n, np.int64)                   # Iteration, deren μ W_last liefert
    dev_old = dev
    for j in range(1, left + 1):
        with np.errstate(under="ignore"):
            mu_j = np.maximum(e_eta * np.exp(-float(j)), _EPS)
        dev_j = rest + 2.0 * np.sum(sink * mu_j, axis=1)
        stop = open_ & (np.abs(dev_j - dev_old) / (0.1 + np.abs(dev_j)) < epsilon)
        last[open_] = j - 1
        steps[stop], conv[stop] = j, True
        open_ &= ~stop
        if not open_.any():
            break
        dev_old = dev_j
    # Gewichte der letzten Iteration: ω·μ aus der Iteration davor (nur die Nullen anders)
    with np.errstate(under="ignore"):
        mu_w = np.where(sink > 0, np.maximum(e_eta * np.exp(-last.astype(float))[:, None],
                                             _EPS), mu)
    return beta + steps[:, None] * dbeta, pw * mu_w, conv


def _halve(Xt, yt, pt, new, old, bad, maxit, failed, todo):
    """Schrittteilung zur vorigen Lösung, bis μ gültig und die Devianz endlich ist."""
    new = new.copy()
    for _ in range(maxit):
        new[bad] = (new[bad] + old[bad]) / 2.0
        eta_t = np.matmul(Xt, new[..., None])[..., 0]
        mu_t = _linkinv(eta_t)
        dev = _deviance(yt, mu_t, pt)
        bad = bad & (~np.isfinite(dev) | ~(np.isfinite(mu_t) | (pt == 0)).all(axis=1))
        if not bad.any():
            break
    failed[todo[bad]] = True
    return new, eta_t, mu_t, dev


def _fit(X, y, obs, act, reweight, threshold, dense):
    """``algo.farrington.fitGLM.flexible`` je Zeile; Zeilen ohne Freiheitsgrade bleiben NaN."""
    ok = obs.sum(axis=1) > act.sum(axis=1)
    if ok.all():
        return _fit_rows(X, y, obs, act, reweight, threshold, dense)
    K, P = act.shape
    out = {"beta": np.full((K, P), np.nan), "cov": np.full((K, P, P), np.nan),
           "phi": np.full(K, np.nan), "disp": np.full(K, np.nan),
           "df": np.zeros(K, np.int64), "conv": np.zeros(K, bool)}
    if ok.any():
        part = _fit_rows(X[ok], y[ok], obs[ok], act[ok], reweight, threshold, dense)
        for key, value in part.items():
            out[key][ok] = value
    return out


def _fit_rows(X, y, obs, act, reweight, threshold, dense):
    """``algo.farrington.fitGLM.flexible``: Fit, ggf. Umgewichtung, beide Dispersionen."""
    n = obs.sum(axis=1)
    df = n - act.sum(axis=1)
    Z = _level_design(X) if dense == 2 and X.shape[2] > 2 else None
    beta, mu, W, conv, failed = _irls(X, y, obs.astype(float), act, dense, Z=Z)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        res2 = np.where(obs, ((y - mu) / mu) ** 2, 0.0)
        phi = np.maximum(np.sum(W * res2, axis=1) / df, 1.0)
        disp_q = np.sum(W * res2, axis=1) / df
        if reweight:
            A_inv = _inverse(X, W, act, dense, Z)
            hat = W * _leverage(X, A_inv, Z)
            hat[hat > 1 - 10 * _EPS] = 1.0
            s = (1.5 * (y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu))
                 / np.sqrt(phi[:, None] * (1 - hat)))  # Anscombe-Residuen
            big = obs & (s > threshold)
            down = np.where(big, 1.0 / (s * s), 1.0)   # s⁻² für große Residuen
            gamma = n / np.sum(np.where(obs, down, 0.0), axis=1)
            omega = np.where(obs, gamma[:, None] * down, 0.0)
            beta, mu, W, _, failed2 = _irls(X, y, np.nan_to_num(omega), act, dense, Z=Z)
            failed |= failed2 | ~np.isfinite(gamma)
            res2 = np.where(obs, ((y - mu) / mu) ** 2, 0.0)
            phi = np.maximum(np.sum(W * res2, axis=1) / df, 1.0)
            disp_q = np.sum(omega * res2, axis=1) / df  # Paket-Eigenheit (README Schritt 7)
    cov = _inverse(X, W, act, dense, Z) * act[:, :, None] * act[:, None, :]
    return {"beta": beta, "cov": cov, "phi": phi, "disp": disp_q, "df": df,
            "conv": conv & ~failed}


def _inverse(X, W, act, dense, design):
    """(XᵀWX + diag(¬act))⁻¹, bei Saisonstufen (``design``) blockweise."""
    if design is None:
        return _solve(_wls_matrix(X, W, act, dense))
    return _inverse_levels(design, W, act)


def _leverage(X, A_inv, design):
    """xᵢᵀ·A⁻¹·xᵢ je Beobachtung. Bei Intercept, Trend und Saisonstufen (``design`` aus
    ``_level_design``) hat xᵢ höchstens drei Einträge ≠ 0: die quadratische Form aus sechs
    Einträgen von A⁻¹ statt einer gestapelten Matrixmultiplikation (K × N × P × P)."""
    if design is None:
        return np.sum(np.matmul(X, A_inv) * X, axis=2)
    t, lev, c = design
    val = (lev > 0).astype(float)                                        # 1 in der Stufe
    diag = np.diagonal(A_inv, axis1=1, axis2=2)
    a00, a01, a11 = (A_inv[:, i, j][:, None] for i, j in ((0, 0), (0, 1), (1, 1)))
    g0 = np.take_along_axis(A_inv[:, 0, :], lev, axis=1)
    g1 = np.take_along_axis(A_inv[:, 1, :], lev, axis=1)
    gd = np.take_along_axis(diag, lev, axis=1)
    return (c * c * a00 + 2.0 * c * t * a01 + t * t * a11
            + val * (2.0 * c * g0 + 2.0 * t * g1 + val * gd))


def _predict(fit, x0):
    eta0 = np.einsum("kp,kp->k", x0, fit["beta"])
    with np.errstate(invalid="ignore"):
        se_link = np.sqrt(fit["disp"] * np.einsum("kp,kpq,kq->k", x0, fit["cov"], x0))
    return eta0, se_link


# --------------------------------------------------------------------------- Modellwahl
def _model(X, y, obs, act, x0, opts):
    """``algo.farrington.glm``: Trendmodell, Trendtest, sonst Modell ohne Trend."""
    K = X.shape[0]
    eta0, se, phi = np.full(K, np.nan), np.full(K, np.nan), np.full(K, np.nan)
    fit_args = (opts["reweight"], opts["weights_threshold"], 2)  # Intercept, wtime dicht
    no_trend = np.ones(K, bool)
    if opts["trend"] and opts["b"] >= 3:
        fit = _fit(X, y, obs, act, *fit_args)
        e0, s0 = _predict(fit, x0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t = fit["beta"][:, 1] / np.sqrt(fit["disp"] * fit["cov"][:, 1, 1])
            pval = 2.0 * stdtr(np.maximum(fit["df"], 1), -np.abs(t))
            max_y = np.where(obs, y, -np.inf).max(axis=1)
            keep = fit["conv"] & (pval < opts["p_threshold_trend"]) & (_linkinv(e0) <= max_y)
        eta0[keep], se[keep], phi[keep] = e0[keep], s0[keep], fit["phi"][keep]
        no_trend = ~keep
    rows = np.flatnonzero(no_trend)
    if rows.size:
        act2 = act[rows].copy()
        act2[:, 1] = False
        X2, x02 = X[rows] * act2[:, None, :], x0[rows] * act2
        fit = _fit(X2, y[rows], obs[rows], act2, *fit_args)
        e0, s0 = _predict(fit, x02)
        good = rows[fit["conv"]]
        eta0[good], se[good], phi[good] = e0[fit["conv"]], s0[fit["conv"]], fit["phi"][fit["conv"]]
    return eta0, se, phi


def _thresholds(eta0, se_link, phi, y_now, alpha, noufaily):
    """Obere Schranke und Score (``threshold.farrington`` bzw. ``threshold.noufaily``)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if not noufaily:  # Vorhersage type = "response": μ0 = linkinv(η0), se·μ0
            mu0 = _linkinv(eta0)
            tau = phi + (se_link * mu0) ** 2 / mu0
            sd = np.sqrt(4.0 / 9.0 * mu0 ** (1.0 / 3.0) * tau)
            upper = (mu0 ** (2.0 / 3.0) + ndtri(1.0 - alpha) * sd) ** 1.5
            return mu0, upper, (y_now - mu0) / (upper - mu0)
        mu0 = np.exp(eta0)
        upper = np.full(mu0.shape, np.nan)
        fin = np.isfinite(mu0)
        nb = fin & (phi > 1)
        from scipy import stats       # only here: its import costs ≈ 0.5 s (#20)
        upper[nb] = stats.nbinom.ppf(1.0 - alpha, mu0[nb] / (phi[nb] - 1.0), 1.0 / phi[nb])
        po = fin & (phi <= 1)
        upper[po] = stats.poisson.ppf(1.0 - alpha, mu0[po])
        return mu0, upper, (y_now - eta0) / (upper - eta0)  # Paket: Score auf der Link-Skala


# --------------------------------------------------------------------------- Öffentlich
def _options(b, w, alpha, reweight, weights_threshold, trend, p_threshold_trend,
             limit54, past_weeks_not_included, noufaily, verfahren):
    b = _check_int(b, "b", 1, verfahren)
    w = _check_int(w, "w", 0, verfahren)
    max_w = 21 if noufaily else 25
    if w > max_w:
        raise ValueError(f"{verfahren}: w darf höchstens {max_w} sein, angegeben: {w}")
    pwni = past_weeks_not_included
    if noufaily and pwni == 3:
        pwni = 26
    pwni = _check_int(pwni, "past_weeks_not_included", 0, verfahren)
    thr = weights_threshold
    if isinstance(thr, bool) or not isinstance(thr, numbers.Real) or not thr > 0:
        raise ValueError(f"{verfahren}: weights_threshold muss > 0 sein, angegeben: {thr!r}")
    if noufaily and p_threshold_trend == 0.05:
        p_threshold_trend = 1.0
    ptt = p_threshold_trend
    if isinstance(ptt, bool) or not isinstance(ptt, numbers.Real) or not 0 < ptt <= 1:
        raise ValueError(
            f"{verfahren}: p_threshold_trend muss in (0, 1] liegen, angegeben: {ptt!r}")
    if limit54 is not None:
        if not isinstance(limit54, (tuple, list)) or len(limit54) != 2:
            raise ValueError(
                f"{verfahren}: limit54 muss (Fälle, Wochen) sein, angegeben: {limit54!r}")
        limit54 = (_check_int(limit54[0], "limit54 Fälle", 0, verfahren),
                   _check_int(limit54[1], "limit54 Wochen", 1, verfahren))
    return {"b": b, "w": w, "alpha": _check_alpha(alpha, verfahren, upper=0.5),
            "reweight": bool(reweight), "weights_threshold": float(thr), "trend": bool(trend),
            "p_threshold_trend": float(ptt), "limit54": limit54,
            "past_weeks_not_included": pwni, "noufaily": bool(noufaily),
            "no_periods": 10 if noufaily else 1,
            "threshold_method": "nbPlugin" if noufaily else "delta", "powertrans": "2/3"}


def _label(value):
    return str(value.date()) if isinstance(value, pd.Timestamp) else str(value)


def _rows(index, n, opts, monitor_from, verfahren):
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
    refs = _reference_positions(index, ks, opts["b"])
    full = (refs - opts["w"] >= 0).all(axis=1)  # ältestes Fenster vollständig in der Reihe
    return ks[full], refs[full]


def farrington_flexible(observed, b=3, w=3, alpha=0.05, reweight=True, weights_threshold=2.58,
                        trend=True, p_threshold_trend=0.05, limit54=(5, 4),
                        past_weeks_not_included=3, monitor_from=None, noufaily=False):
    """Farrington flexible (``surveillance::farringtonFlexible`` 1.20.3), optional Noufaily.

    Methode: je Auswertungswoche k ein Quasi-Poisson-GLM ``y ~ 1 + wtime`` auf den
    b Referenzfenstern (je 2w+1 Wochen um dieselbe Kalenderwoche 1 … b Jahre zuvor),
    Umgewichtung über Anscombe-Residuen, Trend nur bei p < p_threshold_trend, b ≥ 3 und
    ohne Extrapolation; Schranke über die 2/3-Potenztransformation (einseitig, Niveau alpha).
    ``noufaily=True``: zusätzlich Saisonfaktor mit 10 Stufen (Lücken zwischen den Fenstern
    in 9 Blöcke), Trend immer behalten (p_threshold_trend 0.05 → 1), die letzten 26 Wochen
    ausgeschlossen (past_weeks_not_included 3 → 26) und Schranke als Quantil der
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
    return _farrington(observed, (alpha,), b=b, w=w, reweight=reweight,
                       weights_threshold=weights_threshold, trend=trend,
                       p_threshold_trend=p_threshold_trend, limit54=limit54,
                       past_weeks_not_included=past_weeks_not_included,
                       monitor_from=monitor_from, noufaily=noufaily)[0]


def farrington_alphas(observed, alphas, **params) -> list[pd.DataFrame]:
    """:func:`farrington_flexible` für mehrere Niveaus ``alphas`` (je ein Ergebnisrahmen, in
    derselben Reihenfolge) mit einem einzigen Modell: das GLM hängt nicht von ``alpha`` ab,
    nur die Schranke. Ergebnisse gleich den Einzelaufrufen (#20: Gelb und Rot einer Reihe).

    >>> import numpy as np, pandas as pd
    >>> weeks = pd.date_range("2018-01-01", periods=208, freq="7D")
    >>> y = pd.Series(np.tile([4, 5, 6, 9], 52), index=weeks)
    >>> yellow, red = farrington_alphas(y, (0.05, 0.01))
    >>> yellow.equals(farrington_flexible(y, alpha=0.05)), red.equals(
    ...     farrington_flexible(y, alpha=0.01))
    (True, True)
    """
    bound = inspect.signature(farrington_flexible).bind(observed, **params)
    bound.apply_defaults()
    args = dict(bound.arguments)
    del args["observed"], args["alpha"]
    return _farrington(observed, tuple(alphas), **args)


def _farrington(observed, alphas, *, b, w, reweight, weights_threshold, trend,
                p_threshold_trend, limit54, past_weeks_not_included, monitor_from, noufaily):
    verfahren = "Farrington (Noufaily)" if noufaily else "Farrington flexible"
    every = [_options(b, w, a, reweight, weights_threshold, trend, p_threshold_trend,
                      limit54, past_weeks_not_included, noufaily, verfahren) for a in alphas]
    opts = every[0]
    y = _count_values(observed, verfahren)
    ks, refs = _rows(observed.index, y.size, opts, monitor_from, verfahren)
    model = None
    if ks.size:
        dated = isinstance(observed.index, pd.DatetimeIndex)
        X, yy, obs, act, x0 = _design(y, ks, refs, opts["w"], opts["past_weeks_not_included"],
                                      opts["no_periods"], dated, opts["trend"])
        model = _model(X, yy, obs, act, x0, opts)
    return [_result(observed, y, ks, model, o, noufaily, verfahren) for o in every]


def _result(observed, y, ks, model, opts, noufaily, verfahren) -> pd.DataFrame:
    """Schranke, Alarm und Ergebnisrahmen eines Niveaus aus dem Modell (eta0, se, phi)."""
    n = y.size
    expected, upper = np.full(n, np.nan), np.full(n, np.nan)
    alarm = pd.array(np.full(n, pd.NA), dtype="boolean")
    if ks.size:
        eta0, se, phi = model
        mu0, up, score = _thresholds(eta0, se, phi, y[ks], opts["alpha"], noufaily)
        done = ~np.isnan(eta0)
        enough = np.ones(ks.size, bool)
        if opts["limit54"] is not None:
            cases, weeks = opts["limit54"]
            lo = np.maximum(ks + 1 - weeks, 0)
            csum = np.concatenate(([0.0], np.cumsum(np.nan_to_num(y))))
            nas = np.concatenate(([0], np.cumsum(np.isnan(y))))
            enough = ((csum[ks + 1] - csum[lo]) >= cases) & (nas[ks + 1] == nas[lo])  # NA → nein
        with np.errstate(invalid="ignore"):
            hit = enough & (score > 1) & (y[ks] != 0)
        expected[ks[done]] = mu0[done]
        upper[ks[done & enough]] = up[done & enough]
        alarm[ks[done]] = hit[done]
    params = dict(opts, monitor_from=observed.index[ks[0]] if ks.size else None)
    return _result_frame(observed.index, y, expected, upper, alarm, verfahren, params)
