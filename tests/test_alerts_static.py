"""Statischer Schwellenwert und die Fassade ``run_method``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lagebild.analytics import alerts
from lagebild.analytics.alerts import run_method, static_threshold

NA = None


def _alarms(result):
    return [None if pd.isna(a) else bool(a) for a in result["alarm"]]


CASES = [
    # absolut: U = 2; 2 > 2 ist Gleichstand → kein Alarm; 3 > 2 → Alarm; NA → <NA>
    ("absolut", [1, 2, 3, None], dict(threshold=2), [2.0] * 4, [False, False, True, NA]),
    # Rate: 1.5 je 10 000 bei 50 000 Einwohnern → U = 1.5·50 000/10 000 = 7.5
    ("rate", [7, 8, 0], dict(threshold=1.5, population=50_000), [7.5] * 3, [False, True, False]),
    # je 100 000: 4·250 000/100 000 = 10 → 10 ist Gleichstand
    ("rate_100k", [10, 11], dict(threshold=4, population=250_000, per=100_000), [10.0, 10.0],
     [False, True]),
    # Schwelle 0: jede Zählung > 0 löst aus
    ("null", [0, 1], dict(threshold=0), [0.0, 0.0], [False, True]),
]


@pytest.mark.parametrize(("name", "values", "params", "upper", "alarms"), CASES,
                         ids=[c[0] for c in CASES])
def test_hand_computed(name, values, params, upper, alarms):
    result = static_threshold(pd.Series(pd.array(values, dtype="Int64")), **params)
    np.testing.assert_allclose(result["upperbound"].to_numpy(), upper)
    assert _alarms(result) == alarms
    assert result["expected"].isna().all()


def test_population_series_per_week():
    index = pd.date_range("2024-12-16", periods=4, freq="7D")  # Jahreswechsel
    population = pd.Series([20_000, 20_000, 30_000, None], index=index)
    observed = pd.Series([3, 5, 5, 9], index=index)
    result = static_threshold(observed, threshold=2, population=population)
    # U = 2·20 000/10 000 = 4, danach 2·30 000/10 000 = 6, ohne Einwohnerzahl NaN → <NA>
    np.testing.assert_allclose(result["upperbound"].to_numpy(), [4, 4, 6, np.nan])
    assert _alarms(result) == [False, True, False, NA]
    assert result.attrs["params"]["population"] == "Series"


def test_structure_attrs_and_input_not_mutated():
    series = pd.Series([1.0, np.nan, 5.0], index=pd.RangeIndex(10, 13))
    before = series.copy()
    result = static_threshold(series, threshold=3, population=20_000, per=10_000)
    pd.testing.assert_series_equal(series, before)
    assert result.index.equals(series.index)
    assert list(result.columns) == ["observed", "expected", "upperbound", "alarm"]
    assert result["alarm"].dtype == "boolean"
    assert result.attrs == {"method": "Statischer Schwellenwert",
                            "params": {"threshold": 3.0, "population": 20_000.0, "per": 10_000.0}}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (dict(threshold=-1), "threshold muss eine Zahl ≥ 0 sein, angegeben: -1"),
        (dict(threshold="5"), "threshold muss eine Zahl ≥ 0 sein, angegeben: '5'"),
        (dict(threshold=1, population=0), "population muss eine Zahl > 0 sein, angegeben: 0"),
        (dict(threshold=1, per=0), "per muss > 0 sein, angegeben: 0"),
        (dict(threshold=1, population=pd.Series([1.0, 2.0])),
         "population braucht denselben Index wie observed (2 statt 3 Einträge"),
        (dict(threshold=1, population=pd.Series([1.0, -2.0, 3.0])),
         "population muss > 0 sein, an Position 1: -2"),
    ],
)
def test_bad_parameters_raise_german_errors(kwargs, fragment):
    with pytest.raises(ValueError) as err:
        static_threshold(pd.Series([1, 2, 3]), **kwargs)
    assert fragment in str(err.value)


# --------------------------------------------------------------------- run_method
SERIES = pd.Series(np.tile([3, 5, 4, 6], 55), index=pd.date_range("2018-01-01", periods=220,
                                                                      freq="7D"))


@pytest.mark.parametrize(
    ("name", "params", "method"),
    [
        ("EARS C1", {}, "EARS C1"),
        ("ears_c2", {"baseline": 5}, "EARS C2"),
        ("ears-c3", {"alpha": None}, "EARS C3"),
        ("ears", {"method": "C2"}, "EARS C2"),
        ("farrington", {}, "Farrington flexible"),
        ("Farrington flexible", {"b": 2}, "Farrington flexible"),
        ("noufaily", {}, "Farrington (Noufaily)"),
        ("Farrington (Noufaily)", {"alpha": 0.01}, "Farrington (Noufaily)"),
        ("static", {"threshold": 5}, "Statischer Schwellenwert"),
    ],
)
def test_run_method_dispatches(name, params, method):
    result = run_method(name, SERIES, **params)
    assert result.attrs["method"] == method
    for key, value in params.items():
        if value is not None:
            assert result.attrs["params"][key] == value


def test_run_method_equals_direct_call():
    via = run_method("ears_c3", SERIES, baseline=4)
    direct = alerts.ears_c(SERIES, method="C3", baseline=4)
    pd.testing.assert_frame_equal(via, direct)
    assert via.attrs == direct.attrs


def test_run_method_errors():
    with pytest.raises(ValueError, match="Unbekanntes Verfahren 'cusum'; bekannt sind: ears_c1"):
        run_method("cusum", SERIES)
    with pytest.raises(ValueError, match=r"kennt die Parameter \['baselin'\] nicht"):
        run_method("ears_c1", SERIES, baselin=3)
    with pytest.raises(ValueError, match=r"kennt die Parameter \['method'\] nicht"):
        run_method("ears_c1", SERIES, method="C2")  # fest vorgegeben
    with pytest.raises(ValueError, match="Verfahrensname muss ein Text sein"):
        run_method(None, SERIES)


def test_facade_exports():
    for name in ("ears_c", "farrington_flexible", "static_threshold", "run_method"):
        assert callable(getattr(alerts, name))
        assert name in alerts.__all__
