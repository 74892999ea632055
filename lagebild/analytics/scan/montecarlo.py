"""Monte-Carlo-Teil des Raum-Zeit-Scans: LLR, Permutationen, größte LLR je Replikation.

Teil von :mod:`lagebild.analytics.scan`. Die Tage der Fälle werden unter den Fällen
permutiert (Summen je Ort und je Tag bleiben fest); gebraucht werden nur die Fälle der letzten
``max_days`` Tage, also wird je Replikation eine geordnete Stichprobe dieser Größe aus allen
Fällen gezogen und Tag für Tag verteilt.
"""

from __future__ import annotations

import numpy as np

_CHUNK = 64           # Replikationen je Block höchstens …
_CELLS = 16_000_000   # … und höchstens so viele Zellen (Kreise × k × Replikationen) je Block
_FLOOR_REPS = 32      # so viele Replikationen vollständig, bevor nur noch Schwellen zählen


class Llr:
    """LLR ``n ln(n/μ) + (N−n) ln((N−n)/(N−μ))`` mit Tabellen für ``n ln n``.

    Dieselbe Rechnung für echte Daten und Replikationen, damit gleiche Fenster mit gleicher
    Fallzahl genau gleiche Werte geben (Gleichstände im Rang)."""

    def __init__(self, total):
        n = np.arange(total + 1, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.nlogn = np.where(n > 0, n * np.log(n), 0.0)
        self.total = int(total)

    def __call__(self, n, log_mu, log_rest):
        rest = self.total - n
        return self.nlogn[n] - n * log_mu + self.nlogn[rest] - rest * log_rest


def log_tables(mu, total):
    with np.errstate(divide="ignore"):
        return np.log(mu), np.log(total - np.where(np.isfinite(mu), mu, 0.0))


def llr_grid(n, mu, log_mu, log_rest, llr, min_cases):
    ok = (n > mu) & (n >= min_cases)
    with np.errstate(invalid="ignore"):
        return np.where(ok, llr(np.where(ok, n, 0), log_mu, log_rest), -np.inf)


def _thresholds(mu, log_mu, log_rest, llr, min_cases, floor):
    """Je Zelle (Zentrum × Kreis × k) die kleinste Fallzahl n mit ``LLR(n, μ) ≥ floor``.

    Die LLR wächst für n > μ streng mit n; binäre Suche über n, vektorisiert. Zellen, die
    ``floor`` nie erreichen (auch Füllzellen mit μ = ∞), bekommen N + 1."""
    total = llr.total
    finite = np.isfinite(mu)
    lo = np.where(finite, np.maximum(min_cases, np.floor(np.where(finite, mu, 0)) + 1), total + 1)
    lo = np.minimum(lo, total + 1).astype(np.int64)
    hi = np.full(mu.shape, total + 1, dtype=np.int64)

    def reaches(n):
        ok = n <= total
        with np.errstate(invalid="ignore"):
            value = llr(np.where(ok, n, 0), log_mu, log_rest)
        return ok & (value >= floor)

    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        up = reaches(mid)
        hi = np.where(active & up, mid, hi)
        lo = np.where(active & ~up, mid + 1, lo)


def _draw_recent(rng, case_loc, slot, n_loc, k_max, reps):
    """Fälle der letzten k Tage je Ort für ``reps`` Permutationen: (Orte + 1) × K × reps."""
    recent_n = slot.size
    keys = np.empty((reps, recent_n), dtype=np.int64)
    for r in range(reps):
        drawn = rng.choice(case_loc.size, recent_n, replace=False, shuffle=True)
        keys[r] = (case_loc[drawn] * k_max + slot) * reps + r
    counts = np.bincount(keys.ravel(), minlength=(n_loc + 1) * k_max * reps)
    counts = counts.reshape(n_loc + 1, k_max, reps).astype(np.int32)
    return np.cumsum(counts, axis=1, out=counts)


def _circle_sums(recent, pad_t):
    """Fälle je Kreisgröße × Zentrum × k × Replikation (kumulativ über die Kreisgröße)."""
    sums = recent[pad_t]
    for j in range(1, sums.shape[0]):
        np.add(sums[j], sums[j - 1], out=sums[j])
    return sums


def simulated_maxima(matrix, pad, mu, k_max, llr, min_cases, replications, seed):
    """Größte LLR je Replikation (0, wenn kein Fenster zählt).

    Nach den ersten ≥ 32 Replikationen werden nur Zellen ausgewertet, deren Fallzahl die
    Schwelle zum kleinsten bisherigen Maximum erreicht (exakt, weil die LLR in n wächst);
    Replikationen ohne solche Zelle werden vollständig nachgerechnet. Blöcke von höchstens 64
    Replikationen und 16 Mio. Zellen halten den Speicher klein (auch bei Tausenden Fundorten)."""
    if replications == 0:
        return np.zeros(0)
    n_loc = matrix.shape[0]
    case_loc = np.repeat(np.arange(n_loc), matrix.sum(axis=1))
    slot = np.repeat(np.arange(k_max), matrix.sum(axis=0)[::-1][:k_max])
    pad_t, mu = pad.T.copy(), np.ascontiguousarray(mu.transpose(1, 0, 2))
    log_mu, log_rest = log_tables(mu, llr.total)
    cell = (mu[..., None], log_mu[..., None], log_rest[..., None])
    rng = np.random.default_rng(seed)
    maxima = np.zeros(replications)
    block = int(max(1, min(_CHUNK, _CELLS // max(mu.size, 1))))
    need, floor, done = None, 0.0, 0
    while done < replications:
        reps = min(block, replications - done)
        n = _circle_sums(_draw_recent(rng, case_loc, slot, n_loc, k_max, reps), pad_t)
        if need is None:
            best = llr_grid(n, *cell, llr, min_cases).reshape(-1, reps).max(axis=0)
        else:
            best = np.full(reps, -np.inf)
            hit = np.nonzero(n >= need[..., None])
            if hit[0].size:
                value = llr(n[hit], log_mu[hit[:3]], log_rest[hit[:3]])
                np.maximum.at(best, hit[3], value)
            for r in np.flatnonzero(best < floor):
                best[r] = llr_grid(n[..., r], mu, log_mu, log_rest, llr, min_cases).max()
        maxima[done:done + reps] = np.maximum(best, 0.0)
        done += reps
        if need is None and _FLOOR_REPS <= done < replications and maxima[:done].min() > 0:
            floor = float(maxima[:done].min())
            need = _thresholds(mu, log_mu, log_rest, llr, min_cases, floor - 1e-6)
    return maxima
