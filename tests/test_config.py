import re
from pathlib import Path

import pytest

from lagebild.config import SETTINGS, get_settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented_with_its_variable():
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for s in SETTINGS:
        assert f"LAGEBILD_{s.name.upper()}" in docs, s.name
    assert "docs/settings.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_defaults_and_environment_overrides():
    default = get_settings({})
    assert default.language == "de" and default.small_count_k == 5
    assert default.basemap_url == "" and default.upload_limit_mb == 20
    assert default.db_path.endswith("data/lagebild.duckdb")
    env = get_settings({"LAGEBILD_LANGUAGE": "en", "LAGEBILD_SMALL_COUNT_K": "3",
                        "LAGEBILD_DB_PATH": "/x/y.duckdb", "LAGEBILD_DEMO_MODE": "ja"})
    assert (env.language, env.small_count_k, env.db_path, env.demo_mode) == \
        ("en", 3, "/x/y.duckdb", True)


@pytest.mark.parametrize("var,value,fragment", [
    ("LAGEBILD_LANGUAGE", "fr", "nicht erlaubt"),
    ("LAGEBILD_SMALL_COUNT_K", "fünf", "kein gültiger Wert"),
])
def test_bad_values_are_refused_in_german(var, value, fragment):
    with pytest.raises(ValueError, match=fragment) as err:
        get_settings({var: value})
    assert var in str(err.value)


def test_setting_names_are_valid_env_names():
    assert all(re.fullmatch(r"[a-z_]+", s.name) and s.help for s in SETTINGS)
