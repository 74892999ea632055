"""EARS C1/C2/C3: handgerechnete Kleinstfälle und Randfälle.

Bezeichnungen: b = baseline, z = qnorm(1 − alpha), s = Stichproben-SD (Nenner b − 1).
Z025 = qnorm(0.975) = 1.959963984540054, Z001 = qnorm(0.999) = 3.090232306167813.
Positionen t sind 0-basiert; C1 rechnet ab t = b, C2 ab b + 2, C3 ab b + 4.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild.analytics.alerts import ears_c

Z025 = 1.959963984540054
Z001 = 3.090232306167813
NA = None
nan = math.nan
SQRT_1_3 = math.sqrt(1 / 3)   # SD von (2, 2, 1) bzw. (3, 2, 2)


def _alarms(result):
    return [None if pd.isna(a) else bool(a) for a in result["alarm"]]


def _check(result, upper, alarms, expected=None):
    np.testing.assert_allclose(result["upperbound"].to_numpy(), np.array(upper, float),
                               rtol=1e-12, atol=1e-12, equal_nan=True)
    assert _alarms(result) == alarms
    if expected is not None:
        np.testing.assert_allclose(result["expected"].to_numpy(), np.array(expected, float),
                                   rtol=1e-12, equal_nan=True)


# Jeder Fall: (Name, Werte, Parameter, erwartete upperbound, erwartete Alarme, expected)
CASES = [
    # C1, b = 3: Fenster (2, 4, 6): m = 4, s = 2 → U = 4 + 2·Z025 = 7.91993; 12 > U → Alarm
    ("c1_regulaer", [2, 4, 6, 12], dict(method="C1", baseline=3, alpha=0.025),
     [nan, nan, nan, 4 + 2 * Z025], [NA, NA, NA, True], [nan, nan, nan, 4]),
    # reines Nullfenster: m = 0, s = 0 → U = 0; y = 0 ist Gleichstand → kein Alarm
    ("c1_nullfenster", [0, 0, 0, 0], dict(method="C1", baseline=3),
     [nan, nan, nan, 0.0], [NA, NA, NA, False], [nan, nan, nan, 0]),
    # nach einer Nullserie löst jede Zählung > 0 aus (s = 0 → U = m = 0)
    ("c1_null_dann_eins", [0, 0, 0, 1], dict(method="C1", baseline=3),
     [nan, nan, nan, 0.0], [NA, NA, NA, True], None),
    # konstantes Fenster (2, 2, 2): U = m = 2; y = 2 → kein Alarm, danach y = 3 → Alarm
    ("c1_konstant", [2, 2, 2, 2, 3], dict(method="C1", baseline=3),
     [nan, nan, nan, 2.0, 2.0], [NA, NA, NA, False, True], None),
    # min_sigma = 0.5 klemmt s = 0: U = 2 + 0.5·Z025 = 2.97998 → 3 > U → Alarm
    ("c1_min_sigma_klemmt", [2, 2, 2, 3], dict(method="C1", baseline=3, alpha=0.025,
                                               min_sigma=0.5),
     [nan, nan, nan, 2 + 0.5 * Z025], [NA, NA, NA, True], [nan, nan, nan, 2]),
    # min_sigma = 1: U = 2 + 1.95996 = 3.95996 → 3 < U → kein Alarm
    ("c1_min_sigma_1", [2, 2, 2, 3], dict(method="C1", baseline=3, alpha=0.025, min_sigma=1.0),
     [nan, nan, nan, 2 + Z025], [NA, NA, NA, False], None),
    # min_sigma kleiner als s (s = 2) ändert nichts
    ("c1_min_sigma_wirkungslos", [2, 4, 6, 12], dict(method="C1", baseline=3, alpha=0.025,
                                                     min_sigma=0.5),
     [nan, nan, nan, 4 + 2 * Z025], [NA, NA, NA, True], None),
    # NA im Fenster: t = 3 (2, NA, 6) und t = 4 (NA, 6, 12) → Schranke NaN, Alarm NA;
    # t = 5: Fenster (6, 12, 5): m = 23/3, s² = ((−5/3)² + (13/3)² + (−8/3)²)/2 = 258/18
    ("c1_na_im_fenster", [2, None, 6, 12, 5, 30], dict(method="C1", baseline=3, alpha=0.025),
     [nan, nan, nan, nan, nan, 23 / 3 + math.sqrt(258 / 18) * Z025],
     [NA, NA, NA, NA, NA, True], None),
    # NA in y_t: Schranke trotzdem 4 + 2·Z025, Alarm NA
    ("c1_na_in_yt", [2, 4, 6, None], dict(method="C1", baseline=3, alpha=0.025),
     [nan, nan, nan, 4 + 2 * Z025], [NA, NA, NA, NA], None),
    # weniger Punkte als die Basis: nichts berechenbar, kein Fehler
    ("c1_zu_kurz", [1, 2], dict(method="C1", baseline=3), [nan, nan], [NA, NA], None),
    ("c1_genau_b", [1, 2, 3], dict(method="C1", baseline=3), [nan] * 3, [NA] * 3, None),
    ("c3_zu_kurz", [1, 2, 3, 4, 5, 6, 7], dict(method="C3", baseline=3), [nan] * 7, [NA] * 7,
     None),
    # C2, b = 3: Schutzabstand, t = 5 nutzt (1, 2, 3): m = 2, s = 1 → U = 2 + Z025; die 100er
    # in t = 3, 4 gehen nicht ein. t = 6: Fenster (2, 3, 100): m = 35, s² = (33² + 32² + 65²)/2
    ("c2_schutzabstand", [1, 2, 3, 100, 100, 5, 40], dict(method="C2", baseline=3, alpha=0.025),
     [nan] * 5 + [2 + Z025, 35 + math.sqrt((33**2 + 32**2 + 65**2) / 2) * Z025],
     [NA] * 5 + [True, False], [nan] * 5 + [2, 35]),
    # C3, b = 3, erster Punkt t = 7. C2_5 = (6 − 2)/1 = 4 (Fenster 1, 3, 2), C2_6 = (2 − 3)/1
    # (Fenster 3, 2, 4) → L_7 = max(0, −2) + max(0, 3) = 3. Fenster t = 7: (2, 4, 2),
    # s = sqrt(4/3). U3 = max(0, y_7 + s·(Z025 − 3)) = 3 − 1.1547·1.04004 = 1.79906 → Alarm,
    # obwohl y_7 = 3 unauffällig ist (Paket-C3 meldet die Woche *nach* dem Ausreißer)
    ("c3_nach_ausreisser", [1, 3, 2, 4, 2, 6, 2, 3], dict(method="C3", baseline=3, alpha=0.025),
     [nan] * 7 + [3 + math.sqrt(4 / 3) * (Z025 - 3)], [NA] * 7 + [True],
     [nan] * 7 + [8 / 3]),
    # C3 mit s = 0 überall: C2 = 0/0 = NaN → Schranke NaN, Alarm NA (nicht 0/False)
    ("c3_sd_null_nan", [2] * 10, dict(method="C3", baseline=3), [nan] * 10, [NA] * 10, None),
    # dasselbe mit min_sigma = 0.5: C2 = 0, L = 0 → U3 = 2 + 0.5·Z025 = 2.97998
    ("c3_sd_null_min_sigma", [2] * 9, dict(method="C3", baseline=3, alpha=0.025, min_sigma=0.5),
     [nan] * 7 + [2 + 0.5 * Z025] * 2, [NA] * 7 + [False] * 2, None),
    # NaN wandert über L weiter. C2-Fenster sind y[t−5 … t−3]:
    #   C2_5 = (2 − 2)/0 = NaN (Fenster 2, 2, 2)          → t = 7: L = … + NaN → NaN/NA
    #   C2_6 = (2 − 5/3)/sqrt(1/3) = 0.577 (Fenster 2, 2, 1)
    #   C2_7 = (3 − 5/3)/sqrt(1/3) = 2.309 (Fenster 2, 1, 2)
    #   t = 8: L = max(0, 2.309 − 1) + max(0, 0.577 − 1) = 1.309; Fenster (1, 2, 2): s = sqrt(1/3)
    #   U3 = 4 + 0.57735·(1.95996 − 1.30940) = 4.37560 → y = 4 < U3 → kein Alarm
    ("c3_nan_wandert", [2, 2, 2, 1, 2, 2, 2, 3, 4],
     dict(method="C3", baseline=3, alpha=0.025),
     [nan] * 8 + [4 + SQRT_1_3 * (Z025 - ((4 / 3) / SQRT_1_3 - 1))], [NA] * 8 + [False], None),
    # C2 = +Inf (s = 0, y > m) bei t = 5 → L_7 = +Inf → U3 = max(0, 3 + 1·(z − Inf)) = 0 → Alarm
    ("c3_plus_inf", [2, 2, 2, 1, 3, 5, 2, 3], dict(method="C3", baseline=3, alpha=0.025),
     [nan] * 7 + [0.0], [NA] * 7 + [True], None),
    # C3 mit s = 0 nur im aktuellen Fenster (2, 2, 2) und L = 0: U3 = y = 2 → Gleichstand
    ("c3_gleichstand", [1, 3, 2, 2, 2, 2, 2, 2], dict(method="C3", baseline=3, alpha=0.025),
     [nan] * 7 + [2.0], [NA] * 7 + [False], None),
]


@pytest.mark.parametrize(("name", "values", "params", "upper", "alarms", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_hand_computed(name, values, params, upper, alarms, expected):
    series = pd.Series(pd.array(values, dtype="Int64"))
    _check(ears_c(series, **params), upper, alarms, expected)


def test_z_constants_are_one_sided_quantiles():
    # alpha 0.025 → 1.9600, alpha 0.001 → 3.0902 (README): U − m = z·s mit s = 1
    one = ears_c(pd.Series([1, 2, 3, 2]), baseline=3, alpha=0.025)
    assert one["upperbound"].iloc[3] - 2 == pytest.approx(Z025, rel=1e-15)
    default = ears_c(pd.Series([1, 2, 3, 2]), baseline=3)
    assert default["upperbound"].iloc[3] - 2 == pytest.approx(Z001, rel=1e-15)


def test_week_53_index_is_treated_as_consecutive_weeks():
    # Montage 2020-12-07 … 2021-01-25; 2020-12-28 ist Montag der ISO-Woche 53
    index = pd.date_range("2020-12-07", periods=8, freq="7D")
    assert 53 in set(index.isocalendar().week)
    values = [3, 5, 4, 9, 2, 4, 3, 12]
    dated = ears_c(pd.Series(values, index=index), method="C2", baseline=3, alpha=0.025)
    plain = ears_c(pd.Series(values), method="C2", baseline=3, alpha=0.025)
    assert dated.index.equals(index)
    pd.testing.assert_frame_equal(dated.reset_index(drop=True), plain)
    # t = 5 (2021-01-11): Fenster (3, 5, 4) aus 2020-12-07/14/21: m = 4, s = 1 → U = 4 + Z025
    assert dated.loc["2021-01-11", "upperbound"] == pytest.approx(4 + Z025, rel=1e-12)
    # t = 7 (2021-01-25): Fenster (4, 9, 2) vom 2020-12-21, 2020-12-28 (ISO-Woche 53) und
    # 2021-01-04: m = 5, s² = (1 + 16 + 9)/2 = 13
    assert dated.loc["2021-01-25", "upperbound"] == pytest.approx(5 + math.sqrt(13) * Z025)


@pytest.mark.parametrize("method", ["C1", "C2", "C3"])
def test_input_not_mutated_and_structure(method):
    series = pd.Series(pd.array([1, None, 3, 4, 2, 5, 1, 0, 7, 2, 3, 4], dtype="Int64"),
                       index=pd.date_range("2023-01-02", periods=12, freq="7D"), name="faelle")
    series.attrs["quelle"] = "test"
    before = series.copy(deep=True)
    result = ears_c(series, method=method, baseline=3)
    pd.testing.assert_series_equal(series, before)
    assert series.attrs == {"quelle": "test"}
    assert list(result.columns) == ["observed", "expected", "upperbound", "alarm"]
    assert result.index.equals(series.index)
    assert result["observed"].dtype == np.float64
    assert result["expected"].dtype == np.float64
    assert result["upperbound"].dtype == np.float64
    assert result["alarm"].dtype == "boolean"
    assert np.isnan(result["observed"].iloc[1])
    # das Ergebnis ist unabhängig: Änderungen daran wirken nicht auf die Eingabe zurück
    result.iloc[0, 0] = 99.0
    pd.testing.assert_series_equal(series, before)


@pytest.mark.parametrize(("method", "alpha", "resolved"),
                         [("C1", None, 0.001), ("C2", None, 0.001), ("C3", None, 0.025),
                          ("C3", 0.001, 0.001), ("C2", 0.05, 0.05)])
def test_attrs_record_method_and_resolved_alpha(method, alpha, resolved):
    result = ears_c(pd.Series(range(20)), method=method, baseline=4, alpha=alpha, min_sigma=0.2)
    assert result.attrs["method"] == f"EARS {method}"
    assert result.attrs["params"] == {"method": method, "baseline": 4, "alpha": resolved,
                                      "min_sigma": 0.2}


def test_start_points_b_plus_1_3_5():
    series = pd.Series(np.arange(30) % 5)
    for method, first in (("C1", 7), ("C2", 9), ("C3", 11)):
        result = ears_c(series, method=method)
        assert result["upperbound"].first_valid_index() == first
        assert result["alarm"].isna().iloc[:first].all()
        assert result["alarm"].notna().iloc[first:].all()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (dict(baseline=2), "EARS C1 braucht mindestens 3 Basiswochen, angegeben: 2"),
        (dict(method="C3", baseline=1), "EARS C3 braucht mindestens 3 Basiswochen, angegeben: 1"),
        (dict(baseline=7.5), "baseline muss eine ganze Zahl sein, angegeben: 7.5"),
        (dict(method="C4"), "method muss C1, C2 oder C3 sein, angegeben: 'C4'"),
        (dict(alpha=0.0), "alpha muss zwischen 0 und 1 liegen (ausschließlich), angegeben: 0.0"),
        (dict(alpha=1.5), "angegeben: 1.5"),
        (dict(min_sigma=-1), "min_sigma muss eine Zahl ≥ 0 sein, angegeben: -1"),
    ],
)
def test_bad_parameters_raise_german_errors(kwargs, fragment):
    with pytest.raises(ValueError) as err:
        ears_c(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), **kwargs)
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("observed", "fragment"),
    [
        ([1, 2, 3], "erwartet eine pandas-Series"),
        (pd.Series([1, 2, -3, 4]), "1 negative Werte, erster an Position 2: -3"),
        (pd.Series([1.0, np.inf]), "unendlicher Wert an Position 1"),
        (pd.Series(["a", "b"]), "die Werte müssen Zahlen sein"),
        (pd.Series([1, 2], index=["a", "b"]), "ganzzahliger Index"),
        (pd.Series([1, 2, 3], index=pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-22"])),
         "zwischen 2024-01-08 und 2024-01-22 liegen 14 Tage"),
        (pd.Series([1, 2, 3], index=[0, 2, 1]), "streng aufsteigend"),
    ],
)
def test_bad_input_raises_german_errors(observed, fragment):
    with pytest.raises(ValueError) as err:
        ears_c(observed, baseline=3)
    assert fragment in str(err.value)


def _naive_ears(values, method, b, z, min_sigma):
    """Direkte Schleife nach den README-Formeln (Referenz für den Eigenschaftstest)."""
    y = [float(v) for v in values]
    n = len(y)

    def stats_c2(t):
        window = y[t - b - 2:t - 2]
        m = sum(window) / b
        s = math.sqrt(sum((x - m) ** 2 for x in window) / (b - 1))
        return m, max(s, min_sigma)

    upper = [math.nan] * n
    for t in range(n):
        if method == "C1" and t >= b:
            window = y[t - b:t]
            m = sum(window) / b
            s = math.sqrt(sum((x - m) ** 2 for x in window) / (b - 1))
            upper[t] = m + z * max(s, min_sigma)
        elif method == "C2" and t >= b + 2:
            m, s = stats_c2(t)
            upper[t] = m + z * s
        elif method == "C3" and t >= b + 4:
            lags = []
            for u in (t - 1, t - 2):
                m, s = stats_c2(u)
                lags.append(max(0.0, (y[u] - m) / s - 1))
            m, s = stats_c2(t)
            upper[t] = max(0.0, y[t] + s * (z - (lags[1] + lags[0])))
    return upper


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 30), min_size=0, max_size=25),
       method=st.sampled_from(["C1", "C2", "C3"]), baseline=st.integers(3, 6),
       min_sigma=st.sampled_from([0.5, 1.0, 2.5]))
def test_matches_naive_loop(values, method, baseline, min_sigma):
    # min_sigma > 0 vermeidet 0/0; die NaN-Fälle prüfen die Tabellenfälle oben
    result = ears_c(pd.Series(values, dtype="int64"), method=method, baseline=baseline,
                    alpha=0.025, min_sigma=min_sigma)
    expected = _naive_ears(values, method, baseline, Z025, min_sigma)
    np.testing.assert_allclose(result["upperbound"].to_numpy(), np.array(expected, float),
                               rtol=1e-9, atol=1e-9, equal_nan=True)
    for got, v, u in zip(_alarms(result), values, expected):
        if math.isnan(u):
            assert got is None
        elif abs(v - u) > 1e-9:  # echte Gleichstände prüfen die Tabellenfälle
            assert got == (v > u)
