import pytest

from lagebild.catalog import load_catalog, normalize_name

REQUIRED = ["spritzenfunde", "drogennotfaelle", "drogentodesfaelle", "naloxon", "beschwerden",
            "schnelltests", "schnelltests_positiv"]


def test_catalogue_has_the_required_indicators_with_privacy_flags():
    cat = load_catalog()
    assert set(REQUIRED) <= set(cat.keys)
    assert {i.key for i in cat if i.person_related} == {"drogennotfaelle", "drogentodesfaelle",
                                                        "naloxon"}
    assert {i.key for i in cat if i.points_allowed} == {"spritzenfunde", "beschwerden"}
    assert not any(i.person_related and i.points_allowed for i in cat)
    assert all(i.label_de and i.label_en and i.unit_de and i.unit_en for i in cat)


@pytest.mark.parametrize("name,key", [
    ("Drogennotfälle", "drogennotfaelle"), ("DROGENNOTFAELLE", "drogennotfaelle"),
    ("  drug deaths ", "drogentodesfaelle"), ("Naloxon-Gaben", "naloxon"),
    ("Syringe finds", "spritzenfunde"), ("Spritzenfunde", "spritzenfunde"),
])
def test_tolerant_matching_by_key_or_label(name, key):
    assert load_catalog().match(name).key == key


def test_unknown_name_matches_nothing():
    assert load_catalog().match("Fahrraddiebstahl") is None


def test_adding_an_indicator_means_editing_the_toml_only(tmp_path):
    base = (load_catalog.__globals__["DEFAULT_PATH"]).read_text(encoding="utf-8")
    extra = base + '''
[kokain_funde]
label_de = "Kokainfunde"
label_en = "Cocaine finds"
unit_de = "Funde"
unit_en = "finds"
person_related = false
points_allowed = true
order = 8
'''
    path = tmp_path / "indicators.toml"
    path.write_text(extra, encoding="utf-8")
    cat = load_catalog(path)
    assert cat.keys[-1] == "kokain_funde" and cat.match("Kokainfunde").points_allowed


@pytest.mark.parametrize("body,fragment", [
    ('[x]\nlabel_de="a"\n', "fehlt"),
    ('[Bad-Key]\nlabel_de="a"\n', "a-z"),
    ('[x]\nlabel_de="a"\nlabel_en="a"\nunit_de="a"\nunit_en="a"\nperson_related="ja"\n'
     'points_allowed=false\n', "true oder false"),
    ('', "keine Indikatoren"),
])
def test_broken_catalogue_gives_german_error(tmp_path, body, fragment):
    path = tmp_path / "i.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=fragment):
        load_catalog(path)


def test_normalize_name_folds_german_spellings():
    assert normalize_name("Groß-Zschocher") == normalize_name("gross zschocher")
    assert normalize_name("Lößnig") == "loessnig"
