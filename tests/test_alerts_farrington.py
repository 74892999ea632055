"""Farrington flexible / Noufaily: handgerechnete Fälle, Referenzwochen, Randfälle.

Schranke (Farrington, README Schritt 10): U = (μ0^(2/3) + z·sqrt(4/9·μ0^(1/3)·τ))^(3/2) mit
τ = φ + se²/μ0 und z = qnorm(0.95) = 1.6448536269514722. Für eine konstante Reihe c sind alle
Residuen 0 → φ = max(0, 1) = 1, se = 0 (Dispersion 0), μ0 = c, also τ = 1:
  c = 4: 4^(2/3) = 2.519842, sqrt(4/9·4^(1/3)) = sqrt(0.705512) = 0.839947,
         U = (2.519842 + 1.644854·0.839947)^(3/2) = 3.901439^(3/2) = 7.706127
  c = 1: U = (1 + 1.644854·2/3)^(3/2) = 2.096569^(3/2) = 3.035734
Noufaily: φ = 1 → U = qpois(0.95, μ0); Poisson(4): P(X ≤ 7) = 0.94887 < 0.95 ≤ P(X ≤ 8) =
0.97864 → U = 8.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild.analytics.farrington import glm, linalg, reference
from lagebild.analytics.alerts import farrington_flexible, reference_week_dates

Z05 = 1.6448536269514722
U_CONST_4 = (4 ** (2 / 3) + Z05 * np.sqrt(4 / 9 * 4 ** (1 / 3))) ** 1.5   # 7.706127
U_CONST_1 = (1 + Z05 * 2 / 3) ** 1.5                                        # 3.035734
WEEKS = pd.date_range("2018-01-01", periods=208, freq="7D")  # Montage, 4 Jahre


def _alarms(result):
    return [None if pd.isna(a) else bool(a) for a in result["alarm"]]


def _constant(value, last=None, index=WEEKS):
    series = pd.Series(np.full(len(index), value), index=index).astype("Int64")
    if last is not None:
        series.iloc[-len(last):] = last
    return series


def test_hand_constants():
    assert U_CONST_4 == pytest.approx(7.706127, abs=1e-6)
    assert U_CONST_1 == pytest.approx(3.035734, abs=1e-6)


# (Name, Reihe, Parameter, erwartetes mu0, erwartete Schranke, erwarteter Alarm) der letzten Woche
LAST_WEEK_CASES = [
    # konstant 4, letzte Woche 8 > 7.706 → Alarm
    ("konstant_alarm", _constant(4, [8]), {}, 4.0, U_CONST_4, True),
    # letzte Woche 7 < 7.706 → kein Alarm
    ("konstant_kein_alarm", _constant(4, [7]), {}, 4.0, U_CONST_4, False),
    # Noufaily: U = qpois(0.95, 4) = 8; y = 8 ist Gleichstand → kein Alarm
    ("noufaily_gleichstand", _constant(4, [8]), {"noufaily": True}, 4.0, 8.0, False),
    ("noufaily_alarm", _constant(4, [9]), {"noufaily": True}, 4.0, 8.0, True),
    # 5-in-4-Regel: letzte 4 Wochen 1+1+1+1 = 4 < 5 → Schranke NaN, Alarm False (nicht NA);
    # mu0 wird trotzdem ausgegeben
    ("fuenf_in_vier_greift", _constant(1), {}, 1.0, np.nan, False),
    # 1+1+1+2 = 5 ≥ 5 → gerechnet: U = 3.0357 (die letzten 4 Wochen gehen nicht ins GLM ein)
    ("fuenf_in_vier_knapp", _constant(1, [1, 1, 1, 2]), {}, 1.0, U_CONST_1, False),
    # eigene Regel (3 Fälle in 2 Wochen): 1 + 2 = 3 → gerechnet
    ("drei_in_zwei", _constant(1, [1, 2]), {"limit54": (3, 2)}, 1.0, U_CONST_1, False),
    # Regel abgeschaltet: 1 < 3.036 → kein Alarm, aber Schranke vorhanden
    ("ohne_regel", _constant(1), {"limit54": None}, 1.0, U_CONST_1, False),
    # NA in der aktuellen Woche: Summe NA → wie die Regel: Schranke NaN, Alarm False (Paket)
    ("na_aktuelle_woche", _constant(4, [None]), {}, 4.0, np.nan, False),
]


@pytest.mark.parametrize(("name", "series", "params", "mu0", "upper", "alarm"),
                         LAST_WEEK_CASES, ids=[c[0] for c in LAST_WEEK_CASES])
def test_last_week_hand_computed(name, series, params, mu0, upper, alarm):
    result = farrington_flexible(series, **params)
    last = result.iloc[-1]
    assert last["expected"] == pytest.approx(mu0, rel=1e-9)
    if np.isnan(upper):
        assert np.isnan(last["upperbound"])
    else:
        assert last["upperbound"] == pytest.approx(upper, rel=1e-9)
    assert bool(last["alarm"]) is alarm


def test_all_zero_series():
    # Nur Nullen: im IRLS ist z = η − 1, η sinkt also je Iteration um 1 (Start μ = 0 + 0.1).
    # Abbruch, sobald |Δdev|/(dev + 0.1) < 1e-8 mit dev = 2·21·μ: nach 23 Iterationen,
    # μ0 = 0.1·e^(−23) = 1.0262e-11. 5-in-4-Regel: 0 < 5 → Schranke NaN, Alarm False.
    result = farrington_flexible(_constant(0, [1]))
    computed = result["alarm"].notna()
    assert computed.sum() == 208 - 160
    np.testing.assert_allclose(result.loc[computed, "expected"], 0.1 * np.exp(-23), rtol=1e-9)
    assert result.loc[computed, "upperbound"].isna().all()
    assert not result.loc[computed, "alarm"].any()
    # ohne Regel: Gewicht der letzten Iteration μ_alt = e·μ0 → x0ᵀ(XᵀWX)⁻¹x0 = 1/(21·e·μ0),
    # Paket-Dispersion Σω·((0−μ)/μ)²/(n−1) = 21/20 → se²/μ0 = 1/(20e) → τ = 1 + 1/(20e);
    # U = (μ0^(2/3) + z·sqrt(4/9·μ0^(1/3)·τ))^(3/2) = 0.0020835 → jede 1 ist ein Alarm,
    # eine 0 nie (Paket: Alarm nur bei y ≠ 0)
    free = farrington_flexible(_constant(0, [1]), limit54=(0, 4))
    mu0, tau = 0.1 * np.exp(-23), 1 + 1 / (20 * np.e)
    expected_u = (mu0 ** (2 / 3) + Z05 * np.sqrt(4 / 9 * mu0 ** (1 / 3) * tau)) ** 1.5
    assert free["upperbound"].iloc[-1] == pytest.approx(expected_u, rel=1e-9)
    assert expected_u == pytest.approx(0.0020835, rel=1e-4)
    assert _alarms(free)[-2:] == [False, True]


def test_na_inside_reference_window_is_dropped():
    # konstante 4 mit NA im Referenzfenster (und am ältesten Fensterpunkt): Daten ohne NA
    # sind weiter alle 4 → gleiches Ergebnis U = 7.706
    series = _constant(4, [8])
    k = len(series) - 1
    series.iloc[[k - 52, k - 53, k - 157 - 3]] = pd.NA
    result = farrington_flexible(series)
    assert result["upperbound"].iloc[-1] == pytest.approx(U_CONST_4, rel=1e-9)
    assert result["alarm"].iloc[-1]


# --------------------------------------------------------------------- Referenzwochen
@pytest.mark.parametrize(
    ("date", "expected"),
    [
        # 2024-03-04 (Mo). −1 J: 2023-03-04 (Sa): gleiche So–Sa-Woche → Mo 2023-02-27 (5 Tage),
        # andere → 2023-03-06 (2 Tage) ⇒ 2023-03-06 (364 Tage = 52 Wochen).
        # −2 J: 2022-03-04 (Fr): 2022-02-28 (4 Tage) / 2022-03-07 (3 Tage) ⇒ 2022-03-07 (104 W.).
        # −3 J: 2021-03-04 (Do): 2021-03-01 (3 Tage) / 2021-03-08 (4 Tage) ⇒ 2021-03-01:
        # 1099 Tage = 157 Wochen, weil der Abstand den 29.02.2024 enthält.
        ("2024-03-04", ["2023-03-06", "2022-03-07", "2021-03-01"]),
        # 2024-02-29 (Do): R macht aus 29.02. minus i Jahre den 01.03.
        # −1 J: 2023-03-01 (Mi) → Do 2023-03-02 (1 Tag); −2 J: 2022-03-01 (Di) → 2022-03-03;
        # −3 J: 2021-03-01 (Mo) → 2021-03-04 (3 Tage) statt 2021-02-25 (4 Tage).
        # Mit pandas DateOffset (28.02.2021, So) käme 2021-02-25 heraus (3 statt 4 Tage).
        ("2024-02-29", ["2023-03-02", "2022-03-03", "2021-03-04"]),
        # 2020-02-29 (Sa): −3 J: 2017-03-01 (Mi) → Sa 2017-03-04 (3 Tage) statt 2017-02-25
        ("2020-02-29", ["2019-03-02", "2018-03-03", "2017-03-04"]),
        # ISO-Woche 53: 2021-12-27 (Mo) −1 J = 2020-12-27 (So) → Mo 2020-12-28 (KW 53/2020)
        ("2021-12-27", ["2020-12-28"]),
        # 2021-01-04 (Mo, KW 1) −1 J = 2020-01-04 (Sa) → 2020-01-06 (2 Tage) statt 2019-12-30
        ("2021-01-04", ["2020-01-06"]),
    ],
)
def test_reference_week_dates(date, expected):
    got = reference_week_dates(date, len(expected))
    assert [str(d.date()) for d in got] == expected


def test_reference_positions_dated_and_undated():
    # Montage 2019-01-07 … 2024-03-04 (enthält KW 53/2020 und den 29.02.2020 im Abstand)
    index = pd.date_range("2019-01-07", "2024-03-04", freq="7D")
    k = len(index) - 1
    refs = reference.reference_positions(index, np.array([k]), 3)[0]
    assert [str(index[r].date()) for r in refs] == ["2023-03-06", "2022-03-07", "2021-03-01"]
    assert list(k - refs) == [52, 104, 157]
    plain = reference.reference_positions(pd.RangeIndex(300), np.array([200]), 3)[0]
    assert list(plain) == [148, 96, 44]  # ohne Datum genau 52·i Zeilen


def test_week_53_series_uses_calendar_reference_weeks():
    # Reihe über KW 53/2020: Auswertung am 2021-12-27 nutzt das Fenster um 2020-12-28
    index = pd.date_range("2017-01-02", "2022-03-28", freq="7D")
    values = pd.Series(np.full(len(index), 4), index=index)
    values.loc["2020-12-28"] = 40   # liegt im 1-Jahres-Referenzfenster von 2021-12-27
    result = farrington_flexible(values, monitor_from="2021-12-27", limit54=None)
    base = farrington_flexible(values.where(values.index != "2020-12-28", 4),
                               monitor_from="2021-12-27", limit54=None)
    assert result.loc["2021-12-27", "expected"] > base.loc["2021-12-27", "expected"]


# --------------------------------------------------------------------- Auswertungsbereich
def test_default_start_first_complete_reference_windows():
    # Datum: t = 160 (0-basiert) ist 2021-01-25; 3 Jahre zurück = 2018-01-25 (Do) → Mo 2018-01-22
    # (Position 3), Fenster 0…6 vollständig. t = 159 (2021-01-18 → 2018-01-15, Position 2)
    # bräuchte Position −1.
    dated = farrington_flexible(_constant(4, index=pd.date_range("2018-01-01", periods=200,
                                                                    freq="7D")))
    assert dated["alarm"].first_valid_index() == pd.Timestamp("2021-01-25")
    # ohne Datum: Lag 156 → erster Punkt 156 + 3 = 159 (R-Standard freq·b + w + 1 = 160, 1-basiert)
    plain = farrington_flexible(_constant(4, index=pd.RangeIndex(200)))
    assert plain["alarm"].first_valid_index() == 159
    # b = 1, w = 2: 52 + 2 = 54
    assert farrington_flexible(_constant(4, index=pd.RangeIndex(60)), b=1, w=2)[
        "alarm"].first_valid_index() == 54
    # b = 1, w = 0: nur 1 Datenpunkt, n − p = 0 Freiheitsgrade → nicht berechenbar (R bricht
    # mit NaN-Gewichten ab) → alles <NA>
    assert farrington_flexible(_constant(4, index=pd.RangeIndex(60)), b=1, w=0)[
        "alarm"].isna().all()


def test_monitor_from_later_and_earlier():
    series = _constant(4, [8])
    later = farrington_flexible(series, monitor_from="2021-06-07")
    assert later["alarm"].first_valid_index() == pd.Timestamp("2021-06-07")
    assert later.loc[:"2021-05-31", "upperbound"].isna().all()
    assert later.attrs["params"]["monitor_from"] == pd.Timestamp("2021-06-07")
    # früher als möglich: die Wochen ohne vollständige Fenster bleiben NaN/<NA>, kein Fehler
    early = farrington_flexible(series, monitor_from=WEEKS[100])
    assert early["alarm"].first_valid_index() == WEEKS[160]
    pd.testing.assert_frame_equal(early, farrington_flexible(series), check_exact=False)


def test_monitor_from_not_in_index():
    with pytest.raises(ValueError, match="monitor_from='2021-06-08' ist nicht im Index"):
        farrington_flexible(_constant(4), monitor_from="2021-06-08")
    with pytest.raises(ValueError, match="monitor_from=500 ist nicht im Index"):
        farrington_flexible(_constant(4, index=pd.RangeIndex(200)), monitor_from=500)


@pytest.mark.parametrize("length", [0, 1, 52, 159])
def test_short_series_gives_all_na_frame(length):
    series = _constant(4, index=pd.RangeIndex(length))
    result = farrington_flexible(series)
    assert len(result) == length
    assert result["alarm"].isna().all() and result["upperbound"].isna().all()
    assert result["expected"].isna().all()
    assert result.attrs["params"]["monitor_from"] is None


def test_non_convergence_gives_na(monkeypatch):
    # nach 1 IRLS-Schritt (μ von 4.1 auf 4) ist |Δdev|/(dev + 0.1) groß → nicht konvergiert,
    # auch ohne Trend → Paket gibt NA (kein Modell) → Schranke NaN, Alarm <NA>
    monkeypatch.setattr(glm, "_irls", functools.partial(glm._irls, maxit=1))
    result = farrington_flexible(_constant(4, [8]))
    assert result["alarm"].isna().all()
    assert result["upperbound"].isna().all() and result["expected"].isna().all()


def test_irls_closed_form():
    # Poisson-MLE ohne Trend = Mittelwert: (1 + 2 + 3 + 6)/4 = 3 → β0 = log 3
    X = np.ones((1, 4, 1))
    y = np.array([[1.0, 2.0, 3.0, 6.0]])
    beta, mu, _, conv, failed = glm._irls(X, y, np.ones_like(y), np.ones((1, 1), bool))
    assert conv[0] and not failed[0]
    assert beta[0, 0] == pytest.approx(np.log(3), rel=1e-10)
    # exakt exponentielle Daten y = 2·e^(0.1·t) werden exakt getroffen: β = (log 2, 0.1)
    t = np.arange(10.0)
    X = np.stack([np.ones(10), t], axis=1)[None]
    y = (2 * np.exp(0.1 * t))[None]
    beta, *_ = glm._irls(X, y, np.ones_like(y), np.ones((1, 2), bool))
    np.testing.assert_allclose(beta[0], [np.log(2), 0.1], rtol=1e-9)


def _level_problem(seed, K=40, N=60, levels=5):
    """Zufällige Designs wie bei Noufaily: Intercept, Trend, sich ausschließende Stufen
    (Stufe 0 = Referenz), einige Spalten inaktiv (Trend aus, eine Stufe leer), einige
    Beobachtungen außerhalb des Fensters."""
    rng = np.random.default_rng(seed)
    cat = rng.integers(0, levels, (K, N))
    X = np.zeros((K, N, levels + 1))
    X[:, :, 0] = 1.0
    X[:, :, 1] = np.linspace(-1.5, 1.5, N) + rng.normal(0, 0.01, (K, N))
    for j in range(1, levels):
        X[:, :, j + 1] = cat == j
    act = np.ones((K, levels + 1), bool)
    act[::3, 1] = False                        # Modell ohne Trend
    X[::3, :, 1] = 0.0
    act[1::4, levels] = False                  # eine Stufe ohne Beobachtungen
    X[1::4, :, levels] = 0.0
    W = rng.gamma(2.0, 1.0, (K, N)) * rng.choice([1.0, 1e-9], (K, N), p=[0.9, 0.1])
    outside = rng.random((K, N)) < 0.1         # außerhalb des Fensters: X-Zeile 0, W = 0
    X[outside] = 0.0
    W[outside] = 0.0
    return X, W, act, rng.normal(0, 1, (K, N))


@pytest.mark.parametrize("seed", range(5))
def test_structured_solve_and_inverse_match_the_dense_ones(seed):
    """Schur-Komplement für Intercept + Trend + Saisonstufen = LU auf XᵀWX (wie R, bis auf
    Rundung), auch mit inaktiven Spalten und fast gewichtslosen Beobachtungen."""
    X, W, act, z = _level_problem(seed)
    A = linalg.wls_matrix(X, W, act, 2)
    rhs = np.matmul((W * z)[:, None, :], X)[:, 0, :]
    design = linalg.level_design(X)
    flat = linalg.flat_layout(design, *act.shape)
    beta = linalg.solve_levels(design, W, W * z, act, flat)
    np.testing.assert_allclose(beta, linalg.solve_system(A, rhs), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(linalg.inverse_levels(design, W, act),
                               linalg.solve_system(A), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(linalg.levels_eta(design, beta),
                               np.matmul(X, beta[..., None])[..., 0], rtol=1e-12, atol=1e-12)


def test_irls_tail_gives_the_iterations_r_would_make():
    """Zeilen, in denen nur noch eine Stufe ohne Fälle um 1 je Iteration sinkt, rechnet die
    IRLS ohne weitere Gleichungssysteme zu Ende – dasselbe Ergebnis wie Schritt für Schritt."""
    rng = np.random.default_rng(7)
    X, _, act, _ = _level_problem(3, K=30, N=80)
    act[:] = True
    X[:, :, 1] = np.linspace(-1.5, 1.5, 80)
    X[:, :, -1] = 0.0
    act[:, -1] = False
    cat = linalg.level_design(X)[1]
    y = rng.poisson(3.0, (30, 80)).astype(float)
    y[cat == 2] = 0.0                          # Stufe 1: keine Fälle → Koeffizient → −∞
    pw = X[:, :, 0].copy()                     # außerhalb des Fensters: Gewicht 0
    fast = glm._irls(X, y, pw, act, 2)
    original = glm._in_tail
    try:
        glm._in_tail = lambda step, y, pw: np.zeros(len(step), bool)
        slow = glm._irls(X, y, pw, act, 2)
    finally:
        glm._in_tail = original
    assert fast[3].tolist() == slow[3].tolist()                    # dieselbe Konvergenz
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-6, atol=1e-300)   # μ, auch ≈ 0
    np.testing.assert_allclose(fast[2], slow[2], rtol=1e-6, atol=1e-300)   # Gewichte
    np.testing.assert_allclose(fast[0][:, :2], slow[0][:, :2], rtol=1e-7, atol=1e-8)


# --------------------------------------------------------------------- Vertrag
def test_structure_attrs_and_input_not_mutated():
    series = _constant(4, [8])
    series.iloc[50] = pd.NA
    series.attrs["quelle"] = "test"
    before = series.copy(deep=True)
    result = farrington_flexible(series)
    pd.testing.assert_series_equal(series, before)
    assert series.attrs == {"quelle": "test"}
    assert list(result.columns) == ["observed", "expected", "upperbound", "alarm"]
    assert result.index.equals(series.index)
    assert [str(t) for t in result.dtypes] == ["float64", "float64", "float64", "boolean"]
    assert result.attrs["method"] == "Farrington flexible"
    params = result.attrs["params"]
    assert params["alpha"] == 0.05 and params["b"] == 3 and params["w"] == 3
    assert params["limit54"] == (5, 4) and params["past_weeks_not_included"] == 3
    assert params["p_threshold_trend"] == 0.05 and params["no_periods"] == 1
    assert params["threshold_method"] == "delta" and params["noufaily"] is False
    assert params["monitor_from"] == WEEKS[160]


def test_noufaily_resolves_its_defaults():
    result = farrington_flexible(_constant(4), noufaily=True)
    params = result.attrs["params"]
    assert result.attrs["method"] == "Farrington (Noufaily)"
    assert params["past_weeks_not_included"] == 26 and params["p_threshold_trend"] == 1.0
    assert params["no_periods"] == 10 and params["threshold_method"] == "nbPlugin"
    explicit = farrington_flexible(_constant(4), noufaily=True, past_weeks_not_included=10,
                                   p_threshold_trend=0.2)
    assert explicit.attrs["params"]["past_weeks_not_included"] == 10
    assert explicit.attrs["params"]["p_threshold_trend"] == 0.2


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (dict(b=0), "Farrington flexible: b muss mindestens 1 sein, angegeben: 0"),
        (dict(w=-1), "w muss mindestens 0 sein, angegeben: -1"),
        (dict(w=26), "w darf höchstens 25 sein, angegeben: 26"),
        (dict(w=22, noufaily=True),
         "Farrington (Noufaily): w darf höchstens 21 sein, angegeben: 22"),
        (dict(alpha=0.7), "alpha muss zwischen 0 und 0.5 liegen (ausschließlich), angegeben: 0.7"),
        (dict(limit54=(5, 0)), "limit54 Wochen muss mindestens 1 sein, angegeben: 0"),
        (dict(limit54=5), "limit54 muss (Fälle, Wochen) sein, angegeben: 5"),
        (dict(weights_threshold=0), "weights_threshold muss > 0 sein, angegeben: 0"),
        (dict(p_threshold_trend=1.5), "p_threshold_trend muss in (0, 1] liegen, angegeben: 1.5"),
        (dict(past_weeks_not_included=-2), "past_weeks_not_included muss mindestens 0 sein, "
                                           "angegeben: -2"),
    ],
)
def test_bad_parameters_raise_german_errors(kwargs, fragment):
    with pytest.raises(ValueError) as err:
        farrington_flexible(_constant(4), **kwargs)
    assert fragment in str(err.value)


def test_bad_input_raises_german_errors():
    gap = pd.Series([1, 2, 3], index=pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-16"]))
    with pytest.raises(ValueError, match="liegen 8 Tage"):
        farrington_flexible(gap)
    with pytest.raises(ValueError, match="erster an Position 1: -1"):
        farrington_flexible(pd.Series([1, -1, 2]))


@settings(max_examples=25, deadline=None)
@given(counts=st.lists(st.one_of(st.none(), st.integers(0, 3), st.integers(0, 40)),
                       min_size=150, max_size=230),
       noufaily=st.booleans(), dated=st.booleans())
def test_contract_on_random_sparse_series(counts, noufaily, dated):
    # Robustheit: beliebige dünne Reihen mit NA dürfen nicht abstürzen; Vertrag bleibt erhalten
    index = (pd.date_range("2016-02-29", periods=len(counts), freq="7D") if dated
             else pd.RangeIndex(len(counts)))
    series = pd.Series(pd.array(counts, dtype="Int64"), index=index)
    result = farrington_flexible(series, noufaily=noufaily)
    assert result.index.equals(index) and result["alarm"].dtype == "boolean"
    alarm = result["alarm"].fillna(False).to_numpy(dtype=bool)
    assert (result["observed"].to_numpy()[alarm] > result["upperbound"].to_numpy()[alarm]).all()
    computed = result["alarm"].notna().to_numpy()
    # NaN-Schranke bei berechneter Woche nur durch die 5-in-4-Regel → dann kein Alarm
    no_bound = computed & result["upperbound"].isna().to_numpy()
    assert not alarm[no_bound].any()


def test_long_na_stretch_rows_without_data_are_not_computed():
    # 120 NA-Wochen am Anfang: für die ersten Auswertungswochen liegen alle Referenzfenster
    # im NA-Bereich (keine Daten → <NA>), später wird normal gerechnet (konstant 4 → 7.706)
    # Noufaily hätte Daten in den Lückenblöcken (Wochen 120 … 133), aber keine in den
    # Fenstern (Stufe 10); R bricht dort ab („factor seasgroups has new level 10“) → <NA>
    series = _constant(4, [8])
    series.iloc[:120] = pd.NA
    # Erste gerechnete Woche: k = 169 hat im 1-Jahres-Fenster 114 … 120 genau einen Wert
    # (Woche 120). Noufaily rechnet damit (Stufe 10 hat Daten, dazu die Lückenblöcke), das
    # flexible Modell nicht (1 Wert, 1 Parameter → 0 Freiheitsgrade); ab k = 170 zwei Werte.
    for noufaily, first in ((False, 170), (True, 169)):
        result = farrington_flexible(series, noufaily=noufaily)
        assert result.loc[WEEKS[160], "alarm"] is pd.NA  # Fenster um 4, 56, 108: alle NA
        assert np.isnan(result.loc[WEEKS[160], "expected"])
        assert result["expected"].iloc[-1] == pytest.approx(4.0, rel=1e-9)
        assert result["alarm"].first_valid_index() == WEEKS[first]
    assert farrington_flexible(series)["upperbound"].iloc[-1] == pytest.approx(U_CONST_4, rel=1e-9)
