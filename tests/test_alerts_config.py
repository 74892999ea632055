"""data/alerts.toml: defaults resolved per indicator/district, German errors naming the key."""

import copy
import tomllib

import pytest

from lagebild.alerts.config import (DEFAULT_PATH, AlertConfigError, load_alert_config,
                                   parse_alert_config)
from lagebild.catalog import load_catalog

CATALOG = load_catalog()
RAW = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def _with(path: str, value):
    """A copy of the shipped configuration with one key set (dotted path; lists by index)."""
    raw = copy.deepcopy(RAW)
    *parents, last = path.split(".")
    node = raw
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return raw


def test_shipped_config_loads_with_documented_defaults():
    cfg = load_alert_config(catalog=CATALOG)
    r = cfg.rules("drogennotfaelle")
    assert (r.early_method, r.late_method, r.farrington_from_weeks) == ("ears_c2", "farrington",
                                                                        160)
    assert r.ears == {"baseline": 7, "min_sigma": 1.0}
    assert (r.red.alpha, r.red.min_count, r.yellow.alpha, r.yellow.min_count) == (0.001, 3, 0.01,
                                                                                  2)
    assert cfg.rules("spritzenfunde").ears == {"baseline": 7, "min_sigma": 2.0}
    assert [(lv.level, lv.colour, lv.min_districts, lv.within_weeks) for lv in cfg.levels] == \
        [(1, "yellow", 1, 1), (2, "red", 1, 1), (3, "red", 3, 2)]
    assert set(cfg.levels[1].indicators) == set(CATALOG.person_related_keys())


def test_static_thresholds_per_district_and_city_override_the_indicator():
    raw = _with("indicators.drogennotfaelle", {
        "static": {"yellow": 4, "red": 8},
        "static_city": {"red_rate": 1.5},
        "districts": {"02": {"static": {"red": 20}}}})
    cfg = parse_alert_config(raw, CATALOG)
    assert cfg.rules("drogennotfaelle", "01").static.red == 8
    assert cfg.rules("drogennotfaelle", "02").static.red == 20
    assert cfg.rules("drogennotfaelle", "02").static.yellow is None
    assert cfg.rules("drogennotfaelle", city=True).static.red_rate == 1.5
    assert cfg.rules("naloxon", "02").static.red is None


def test_digest_changes_with_the_rules_but_not_with_comments():
    a = parse_alert_config(copy.deepcopy(RAW), CATALOG)
    b = parse_alert_config(_with("defaults.red.alpha", 0.0005), CATALOG)
    assert a.digest == load_alert_config(catalog=CATALOG).digest and a.digest != b.digest


@pytest.mark.parametrize("path, value, message", [
    ("defaults.red.alpha", 2, "'defaults.red.alpha' muss eine Zahl > 0 und < 0,5 sein"),
    ("defaults.yellow.min_count", -1, "'defaults.yellow.min_count' muss eine Zahl ≥ 0"),
    ("defaults.early_method", "ears_c9", "'defaults.early_method' muss ears_c1, ears_c2"),
    ("defaults.late_method", "glm", "'defaults.late_method' muss farrington, noufaily oder"),
    ("defaults.ears", {"baseline": 2}, "'defaults.ears' ist ungültig: EARS C2 braucht "
                                       "mindestens 3 Basiswochen"),
    ("defaults.ears", {"window": 7}, "'defaults.ears.window' ist unbekannt"),
    ("defaults.farrington", {"w": 40}, "'defaults.farrington' ist ungültig"),
    ("defaults.farrington_from_weeks", 0, "'defaults.farrington_from_weeks' muss eine ganze"),
    ("defaults.colour", "rot", "'defaults.colour' ist unbekannt"),
    ("general.min_reported_days", 9, "'general.min_reported_days' muss eine ganze Zahl ≥ 1 "
                                     "und < 8"),
    ("indicators.heroin", {}, "'indicators.heroin' ist kein Indikator des Katalogs"),
    ("indicators.naloxon.static", {"red": 1, "yellow": 3},
     "'indicators.naloxon.static.red' muss mindestens so hoch sein wie"),
    ("indicators.naloxon.static", {"orange": 3}, "'indicators.naloxon.static.orange' ist "
                                                 "unbekannt"),
    ("indicators.naloxon.red", {"alpha": "klein"}, "'indicators.naloxon.red.alpha' muss"),
    ("lagestufe.0.level", 4, "'lagestufe[1].level' muss 1, 2 oder 3 sein"),
    ("lagestufe.1.colour", "orange", "'lagestufe[2].colour' muss gelb oder rot sein"),
    ("lagestufe.2.indicators", ["heroin"], "'lagestufe[3].indicators' nennt den unbekannten "
                                           "Indikator 'heroin'"),
    ("lagestufe.2.min_districts", 0, "'lagestufe[3].min_districts' muss eine ganze Zahl ≥ 1"),
    ("lagestufe.0.include_city", "ja", "'lagestufe[1].include_city' muss true oder false"),
])
def test_invalid_values_name_file_and_key(path, value, message):
    with pytest.raises(AlertConfigError) as err:
        parse_alert_config(_with(path, value), CATALOG, "alerts.toml")
    assert str(err.value).startswith("alerts.toml: ")
    assert message in str(err.value)


def test_missing_required_keys_are_named():
    raw = copy.deepcopy(RAW)
    del raw["defaults"]["red"]["min_count"]
    with pytest.raises(AlertConfigError, match="'defaults.red.min_count' fehlt"):
        parse_alert_config(raw, CATALOG)
    raw = copy.deepcopy(RAW)
    del raw["lagestufe"][0]["label_de"]
    with pytest.raises(AlertConfigError, match=r"'lagestufe\[1\].label_de' fehlt"):
        parse_alert_config(raw, CATALOG)


def test_broken_file_and_missing_file(tmp_path):
    bad = tmp_path / "alerts.toml"
    bad.write_text("[defaults\nred = 1", encoding="utf-8")
    with pytest.raises(AlertConfigError, match="alerts.toml: kein gültiges TOML"):
        load_alert_config(bad, CATALOG)
    with pytest.raises(AlertConfigError, match="fehlt.toml: Datei nicht gefunden"):
        load_alert_config(tmp_path / "fehlt.toml", CATALOG)
