"""Quasi-Poisson-GLM je Auswertungswoche wie R ``glm.fit`` (IRLS, Schrittweitenhalbierung,
Abbruch wie R), der „Schwanz“ der IRLS ohne Gleichungssysteme, Umgewichtung über
Anscombe-Residuen, Vorhersage mit Standardfehler."""

from __future__ import annotations

import numpy as np
from scipy.special import stdtr

from lagebild.analytics.farrington.linalg import flat_layout, inverse_levels, level_design, levels_eta, solve_levels, solve_system, wls_matrix


_EPS = np.finfo(float).eps


def inverse_link(eta):
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


def _wls_step(Xt, Zt, W, Wz, act, dense):
    """One weighted least-squares solve of the IRLS: (β, η), dense (``Xt``) or by levels
    (``Zt``, Schur complement)."""
    if Zt is None:
        rhs = np.matmul(Wz[:, None, :], Xt)[:, 0, :]
        new = solve_system(wls_matrix(Xt, W, act, dense), rhs)
        return new, np.matmul(Xt, new[..., None])[..., 0]
    flat = flat_layout(Zt, *act.shape)
    new = solve_levels(Zt, W, Wz, act, flat)
    return new, levels_eta(Zt, new, flat)


def _irls(X, y, pw, act, dense=None, maxit=25, epsilon=1e-8, Z=None):
    """Quasi-Poisson-IRLS wie R ``glm.fit`` (Start μ = y + 0.1, Abbruchregel, Schrittteilung).

    Alle Zeilen (Auswertungswochen) iterieren gemeinsam, jede bis zu ihrer eigenen Konvergenz.
    ``Z``: ``level_design(X)``, falls der Aufrufer es schon hat.
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
        Z = level_design(X)
    Xt, Zt = (X, None) if Z is None else (None, Z)
    for it in range(maxit):
        W = pt * mu
        Wz = W * eta + pt * (yt - mu)                # W·z mit z = η + (y − μ)/μ
        eta_old = eta
        new, eta = _wls_step(Xt, Zt, W, Wz, at, dense)
        mu = inverse_link(eta)
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
    eta = np.matmul(X, beta[..., None])[..., 0] if Z is None else levels_eta(Z, beta)
    return beta, inverse_link(eta), W_last, conv & ~failed, failed


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
        mu_t = inverse_link(eta_t)
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
    Z = level_design(X) if dense == 2 and X.shape[2] > 2 else None
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
        return solve_system(wls_matrix(X, W, act, dense))
    return inverse_levels(design, W, act)


def _leverage(X, A_inv, design):
    """xᵢᵀ·A⁻¹·xᵢ je Beobachtung. Bei Intercept, Trend und Saisonstufen (``design`` aus
    ``level_design``) hat xᵢ höchstens drei Einträge ≠ 0: die quadratische Form aus sechs
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
def fit_model(X, y, obs, act, x0, opts):
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
            keep = fit["conv"] & (pval < opts["p_threshold_trend"]) & (inverse_link(e0) <= max_y)
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
