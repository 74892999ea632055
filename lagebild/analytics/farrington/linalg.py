"""Lineare Algebra der Farrington-GLMs, blockweise: Intercept + Trend + Saisonstufen mit
diagonalem Stufenblock und 2×2-Schur-Komplement (schneller als ein dichtes System, gleiches
Ergebnis; docs/benchmarks.md)."""

from __future__ import annotations

import numpy as np


# --------------------------------------------------------------------------- GLM (IRLS)
def wls_matrix(X, W, act, dense):
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


def level_design(X):
    """Für ``solve_levels``: je Beobachtung der Trendwert und die Spalte ihrer Saisonstufe
    (0 = Referenzstufe, in keiner Stufenspalte) – statt der ganzen Designmatrix."""
    # 0/1-Spalten, höchstens eine 1 je Beobachtung: Σ j·x_j ist die Spalte (0 = keine)
    cat = np.rint(X[:, :, 2:] @ np.arange(2.0, X.shape[2])).astype(np.int64)
    # dazu der Intercept (0 bei Beobachtungen außerhalb des Fensters: dort ist X ganz 0)
    return np.ascontiguousarray(X[:, :, 1]), cat, np.ascontiguousarray(X[:, :, 0])


def flat_layout(design, K, P):
    """Position jeder Beobachtung in einem (K × P)-Array: Zeile·P + Stufenspalte."""
    return np.arange(K)[:, None] * P + design[1]


def levels_eta(design, beta, flat=None):
    """η = X·β = β₀·x₀ + β₁·t + β_Stufe."""
    t, _, x0 = design
    coef = beta.copy()
    coef[:, :2] = 0.0                                   # Referenzstufe: kein Stufenbeitrag
    if flat is None:
        flat = flat_layout(design, *beta.shape)
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


def solve_levels(design, W, Wz, act, flat):
    """Löst (XᵀWX + diag(¬act))·β = XᵀWz wie ``solve_system(wls_matrix(X, W, act, 2), rhs)``,
    über ``_schur``: erst der dichte 2×2-Teil, dann jede Stufe für sich. ``design`` aus
    ``level_design``. Singuläre Zeilen → NaN wie bei ``solve_system``."""
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


def inverse_levels(design, W, act):
    """(XᵀWX + diag(¬act))⁻¹ wie ``solve_system(wls_matrix(X, W, act, 2))``, blockweise über
    ``_schur``: mit F = C·d⁻¹ (C: Kopplung dicht × Stufen) ist die Inverse
    [[S⁻¹, −S⁻¹F], [−FᵀS⁻¹, d⁻¹ + FᵀS⁻¹F]]. Singuläre Zeilen → NaN."""
    K, P = act.shape
    q = _schur(design, W, act, flat_layout(design, K, P))
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


def solve_system(A, rhs=None):
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
