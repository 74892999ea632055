"""Referenzwochen und Designmatrix von ``farringtonFlexible``: je Auswertungswoche die b
Fenster (2w+1 Wochen um dieselbe Kalenderwoche 1 … b Jahre zuvor), Saisonstufen (Noufaily),
Intercept/Trend."""

from __future__ import annotations

import numpy as np
import pandas as pd


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


def reference_positions(index: pd.Index, ks: np.ndarray, b: int) -> np.ndarray:
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


def build_design(y, ks, refs, w, pwni, periods, dated, trend):
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
