"""Vergleich mit R ``surveillance`` 1.20.3.

* ``../shared/reference/ears/``: die gemeinsamen Referenzdateien (synthWeekly, 6 Ausgaben).
* ``tests/data/reference_extra/``: schwierigere Reihen (viele Nullen, 0/1-Zählungen, minSigma,
  ohne Datum, 29. Februar, NA-Werte, fast nur Nullen), erzeugt mit
  ``scripts/make_reference_extra.R``.

EARS-Schranken bis 1e-9 relativ, Farrington bis 1e-4 relativ, NaN-Muster und Alarme
(TRUE/FALSE/NA) exakt.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lagebild.analytics.alerts import ears_c, farrington_flexible

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "ears"
EXTRA = Path(__file__).resolve().parent / "data" / "reference_extra"

EARS_RTOL = 1e-9
FARRINGTON_RTOL = 1e-4


def _series(frame: pd.DataFrame) -> pd.Series:
    """Eingabereihe aus ``t, date, observed``; ohne Datum → ganzzahliger Index."""
    values = frame["observed"].astype("Int64").to_numpy()
    if frame["date"].notna().all():
        return pd.Series(values, index=pd.DatetimeIndex(pd.to_datetime(frame["date"])))
    return pd.Series(values, index=pd.RangeIndex(len(frame)))


def _r_alarms(column: pd.Series) -> list:
    return [None if pd.isna(a) else bool(a) for a in column]


def _py_alarms(column: pd.Series) -> list:
    assert column.dtype == "boolean"
    return [None if pd.isna(a) else bool(a) for a in column]


def _compare(result, upper_ref, alarm_ref, rtol, label):
    upper = result["upperbound"].to_numpy(dtype=float)
    ref = np.asarray(upper_ref, dtype=float)
    nan_diff = np.flatnonzero(np.isnan(upper) != np.isnan(ref))
    assert nan_diff.size == 0, f"{label}: NaN-Muster weicht ab an Zeilen {nan_diff[:10]}"
    np.testing.assert_allclose(upper, ref, rtol=rtol, atol=0, equal_nan=True, err_msg=label)
    ours, theirs = _py_alarms(result["alarm"]), _r_alarms(alarm_ref)
    diff = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b]
    assert not diff, f"{label}: Alarme weichen ab an Zeilen {diff[:10]}"


# --------------------------------------------------------------------- gemeinsame Referenz
@pytest.fixture(scope="module")
def synth_weekly() -> pd.Series:
    path = SHARED / "synthWeekly.csv"
    assert path.exists(), f"Referenzdaten fehlen: {path}"
    return _series(pd.read_csv(path))


@pytest.mark.parametrize(
    ("suffix", "kwargs"),
    [
        ("earsC_C1", {"method": "C1", "baseline": 7, "alpha": 0.001}),
        ("earsC_C2", {"method": "C2", "baseline": 7, "alpha": 0.001}),
        ("earsC_C3", {"method": "C3", "baseline": 7, "alpha": 0.001}),
        ("earsC_C3_alphaNULL", {"method": "C3", "baseline": 7, "alpha": None}),
    ],
)
def test_ears_matches_shared_reference(synth_weekly, suffix, kwargs):
    ref = pd.read_csv(SHARED / f"synthWeekly__{suffix}.csv")
    result = ears_c(synth_weekly, min_sigma=0.0, **kwargs)
    assert result.index.equals(synth_weekly.index)
    np.testing.assert_array_equal(result["observed"].to_numpy(), ref["observed"].to_numpy(float))
    _compare(result, ref["upperbound"], ref["alarm"], EARS_RTOL, suffix)


@pytest.mark.parametrize(
    ("suffix", "kwargs"),
    [
        ("farringtonFlexible", {}),
        ("farringtonFlexible_noufaily", {"noufaily": True, "past_weeks_not_included": 26,
                                         "p_threshold_trend": 1.0}),
    ],
)
def test_farrington_matches_shared_reference(synth_weekly, suffix, kwargs):
    ref = pd.read_csv(SHARED / f"synthWeekly__{suffix}.csv")
    start = synth_weekly.index[ref["t"].tolist().index(161)]
    result = farrington_flexible(synth_weekly, b=3, w=3, alpha=0.05, reweight=True,
                                 weights_threshold=2.58, trend=True, limit54=(5, 4),
                                 monitor_from=start, **kwargs)
    _compare(result, ref["upperbound"], ref["alarm"], FARRINGTON_RTOL, suffix)
    # der Standardstart (erste Woche mit vollständigen Referenzfenstern) ist ebenfalls t = 161
    default = farrington_flexible(synth_weekly, **kwargs)
    pd.testing.assert_frame_equal(default, result, check_exact=False, rtol=1e-12)


def test_noufaily_defaults_equal_explicit_reference_settings(synth_weekly):
    ref = pd.read_csv(SHARED / "synthWeekly__farringtonFlexible_noufaily.csv")
    result = farrington_flexible(synth_weekly, noufaily=True)  # 3 → 26, 0.05 → 1 aufgelöst
    _compare(result, ref["upperbound"], ref["alarm"], FARRINGTON_RTOL, "noufaily defaults")


def test_noufaily_takes_an_explicit_3_and_005_as_given(synth_weekly):
    """Defaults are absent arguments, not values: a caller who asks for 3 excluded weeks and
    a trend threshold of 0.05 with the Noufaily variant gets exactly that (#16)."""
    explicit = farrington_flexible(synth_weekly, noufaily=True, past_weeks_not_included=3,
                                   p_threshold_trend=0.05)
    default = farrington_flexible(synth_weekly, noufaily=True)
    assert explicit.attrs["params"]["past_weeks_not_included"] == 3
    assert explicit.attrs["params"]["p_threshold_trend"] == 0.05
    assert default.attrs["params"]["past_weeks_not_included"] == 26
    assert not np.allclose(explicit["upperbound"].dropna(), default["upperbound"].dropna())


# --------------------------------------------------------------------- zusätzliche Reihen
EXTRA_SERIES = ["sparse", "zeroruns", "undated", "feb29", "withna", "allzero"]

EXTRA_EARS = {
    "ears_C1": {"method": "C1", "alpha": 0.001},
    "ears_C2": {"method": "C2", "alpha": 0.001},
    "ears_C3": {"method": "C3", "alpha": 0.001},
    "ears_C3_alphaNULL": {"method": "C3", "alpha": None},
    "ears_C1_ms05": {"method": "C1", "alpha": 0.001, "min_sigma": 0.5},
    "ears_C2_ms05": {"method": "C2", "alpha": 0.001, "min_sigma": 0.5},
    "ears_C3_ms05": {"method": "C3", "alpha": 0.001, "min_sigma": 0.5},
    "ears_C2_b3": {"method": "C2", "alpha": 0.05, "baseline": 3},
}

EXTRA_FARRINGTON = {
    "far": {},
    "far_l0": {"limit54": (0, 4)},
    "far_b2": {"b": 2, "w": 2, "alpha": 0.01, "reweight": False, "limit54": (0, 4)},
    "nou": {"noufaily": True},
    "nou_l0": {"noufaily": True, "limit54": (0, 4)},
}


@pytest.fixture(scope="module")
def extra_frames() -> dict[str, pd.DataFrame]:
    frames = {}
    for name in EXTRA_SERIES:
        path = EXTRA / f"{name}.csv"
        assert path.exists(), f"Referenzdaten fehlen: {path} (scripts/make_reference_extra.R)"
        frames[name] = pd.read_csv(path)
    return frames


@pytest.mark.parametrize("config", sorted(EXTRA_EARS))
@pytest.mark.parametrize("name", EXTRA_SERIES)
def test_ears_matches_extra_reference(extra_frames, name, config):
    frame = extra_frames[name]
    result = ears_c(_series(frame), **EXTRA_EARS[config])
    _compare(result, frame[f"{config}__upperbound"], frame[f"{config}__alarm"], EARS_RTOL,
             f"{name}/{config}")


@pytest.mark.parametrize("config", sorted(EXTRA_FARRINGTON))
@pytest.mark.parametrize("name", EXTRA_SERIES)
def test_farrington_matches_extra_reference(extra_frames, name, config):
    frame = extra_frames[name]
    series = _series(frame)
    first = int(np.flatnonzero(frame[f"{config}__alarm"].notna())[0])
    result = farrington_flexible(series, monitor_from=series.index[first],
                                 **EXTRA_FARRINGTON[config])
    _compare(result, frame[f"{config}__upperbound"], frame[f"{config}__alarm"],
             FARRINGTON_RTOL, f"{name}/{config}")
    # mu0 überall dort, wo R es ausgibt (R setzt es bei greifender 5-in-4-Regel auf NA)
    ref_expected = frame[f"{config}__expected"].to_numpy(dtype=float)
    known = ~np.isnan(ref_expected)
    np.testing.assert_allclose(result["expected"].to_numpy()[known], ref_expected[known],
                               rtol=FARRINGTON_RTOL, atol=0)


def test_extra_reference_start_matches_default(extra_frames):
    """Ohne monitor_from beginnt die Auswertung dort, wo das R-Skript den Bereich beginnt."""
    for name in EXTRA_SERIES:
        frame = extra_frames[name]
        result = farrington_flexible(_series(frame))
        first_r = int(np.flatnonzero(frame["far__alarm"].notna())[0])
        first_py = int(np.flatnonzero(result["alarm"].notna().to_numpy())[0])
        assert first_py == first_r, name


def test_extra_reference_covers_hard_cases(extra_frames):
    """Schutz gegen stilles Ausdünnen der Referenzdaten: die schweren Fälle kommen vor."""
    zero = extra_frames["zeroruns"]
    assert (zero["far__expected"] < 1e-6).any()          # GLM auf reinen Nullfenstern
    assert extra_frames["undated"]["date"].isna().all()  # 52-Wochen-Abstände
    assert "2024-02-29" in set(extra_frames["feb29"]["date"])
    withna = extra_frames["withna"]
    assert withna["observed"].isna().sum() >= 5
    assert (withna["ears_C1__alarm"].isna() & withna["ears_C1__upperbound"].notna()).any()
    assert (extra_frames["sparse"]["observed"] <= 1).mean() > 0.8
