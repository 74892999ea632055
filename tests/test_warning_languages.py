"""Languages of the Substanzwarnung (#18): the shipped templates (Deutsch, Leichte Sprache,
English), a city's own languages in the database (checks with German messages, audit log,
roles), and how a warning's text becomes the page of one language."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest

from lagebild.access import SYSTEM, Actor
from lagebild.drugcheck import languages
from lagebild.drugcheck.languages import check_template, fmt_date, templates_for
from lagebild.store import Forbidden, Invalid, NotFound

sys.path.insert(0, str(Path(__file__).resolve().parent))
from warning_kit import ARABIC, FARSI, ISSUED_ON, SINCE, VALID_UNTIL  # noqa: E402

CITY = "Teststadt"
KRISENSTAB = Actor("petra", "krisenstab", cities=frozenset({CITY}))
OUTREACH = Actor("sw", "outreach", cities=frozenset({CITY}), organisation="Streetwork")
GAST = Actor("gast", "gast", cities=frozenset({CITY}))
FOREIGN = Actor("anna", "krisenstab", cities=frozenset({"Anderswo"}))


@pytest.fixture
def store(empty_store):
    empty_store.ensure_city(SYSTEM, CITY)
    empty_store.ensure_city(SYSTEM, "Anderswo")
    return empty_store


# --------------------------------------------------------------------------- shipped templates

def test_shipped_templates_have_every_field():
    shipped = languages.shipped_templates()
    assert list(shipped) == ["de", "de-LS", "en"]
    assert [(t.name, t.name_de) for t in shipped.values()] == [
        ("Deutsch", "Deutsch"), ("Leichte Sprache", "Leichte Sprache"), ("English", "Englisch")]
    for t in shipped.values():
        assert t.shipped and not t.rtl
        assert set(t.labels) == set(languages.LABEL_KEYS) and all(t.labels.values())
        assert t.heading and t.footer and "112" in t.footer and len(t.advice) >= 4
    assert shipped["de"].labels["valid_until"] == "Gültig bis"
    assert shipped["en"].labels["advice"] == "What to do"


def test_leichte_sprache_follows_its_rules():
    """Short sentences (at most 8 words), one statement each (no comma, no semicolon), no
    passive voice, hard words explained (Naloxon, Über·dosis), long words split with a middle
    dot, dates written with the month's name."""
    ls = languages.shipped_templates()["de-LS"]
    for must in ("Es gibt gefährliche Drogen.", "Nimm nur wenig.", "Nimm Drogen nicht allein.",
                 "Hab Naloxon dabei.", "Notruf: 112"):
        assert must in ls.advice
    sentences = [s for line in ls.advice for s in re.split(r"(?<=[.!?])\s+", line)]
    assert [s for s in sentences if len(s.split()) > 8] == []
    assert [s for s in sentences if re.search(r"[,;]", s)] == []
    assert [s for s in sentences if re.search(r"\b(wird|werden|wurde|wurden)\b", s)] == []
    assert "Naloxon ist ein Not·fall·mittel." in ls.advice
    assert any(s.startswith("Über·dosis heißt:") for s in ls.advice)
    assert fmt_date(date(2026, 3, 1), ls) == "1. März 2026"


def test_dates_per_template():
    t = languages.shipped_templates()
    day = date(2026, 12, 7)
    assert [fmt_date(day, t[c]) for c in ("de", "de-LS", "en")] == [
        "07.12.2026", "7. Dezember 2026", "07/12/2026"]
    assert fmt_date(day, check_template(FARSI)) == "2026/12/07"


# --------------------------------------------------------------------------- city templates

def test_right_to_left_is_detected_from_the_text_unless_the_city_sets_it():
    assert check_template(ARABIC).rtl and check_template(FARSI).rtl
    assert not check_template({**ARABIC, "rtl": False}).rtl          # the city decides
    latin = {**ARABIC, "code": "tr", "name": "Türkçe", "name_de": "Türkisch",
             "heading": "Madde uyarısı", "advice": ["Yalnız kullanmayın."],
             "labels": {k: "Etiket" for k in languages.LABEL_KEYS}, "footer": "Acil: 112"}
    assert not check_template(latin).rtl
    assert languages.detect_rtl("هشدار درباره: Nitazene") and not languages.detect_rtl("Nitazene ب")


def test_messages_name_every_faulty_field_in_german():
    bad = {**ARABIC, "code": "Arabisch", "heading": "  ", "date_format": "MM/YYYY",
           "labels": {**ARABIC["labels"], "valid_until": ""}, "advice": ["x" * 301]}
    with pytest.raises(ValueError) as err:
        check_template(bad)
    msg = str(err.value)
    assert msg.startswith("Die Sprache ist so nicht speicherbar: ")
    for part in ("Sprachcode „Arabisch“ ist ungültig", "Überschrift fehlt",
                 "Beschriftung „Gültig bis“ fehlt", "Datumsformat „MM/YYYY“ braucht Tag",
                 "Standardhinweise: Zeile 1 ist länger als 300 Zeichen"):
        assert part in msg


@pytest.mark.parametrize("code, ok", [("ar", True), ("fa", True), ("ckb", True),
                                      ("pt-BR", True), ("sr-Latn", True), ("AR", False),
                                      ("a", False), ("arab", False), ("ar_SY", False),
                                      ("ar-", False), ("", False)])
def test_language_codes(code, ok):
    if ok:
        assert check_template({**ARABIC, "code": code}).code == code
    else:
        with pytest.raises(ValueError, match=f"Sprachcode „{code}“ ist ungültig"):
            check_template({**ARABIC, "code": code})


@pytest.mark.parametrize("code", ["de", "de-LS", "en", "de-ls"])
def test_a_city_cannot_take_a_shipped_code(code):
    with pytest.raises(ValueError, match=f"„{code}“ ist eine mitgelieferte Sprache"):
        check_template({**ARABIC, "code": code}, shipped=languages.shipped_templates())


def test_month_names_are_needed_for_mmmm():
    with pytest.raises(ValueError, match="Monatsnamen: für MMMM genau 12 Namen"):
        check_template({**ARABIC, "date_format": "D MMMM YYYY", "months": "يناير, فبراير"})
    months = "يناير, فبراير, مارس, أبريل, مايو, يونيو, يوليو, أغسطس, سبتمبر, أكتوبر, نوفمبر, ديسمبر"
    t = check_template({**ARABIC, "date_format": "D MMMM YYYY", "months": months})
    assert fmt_date(date(2026, 11, 9), t) == "9 نوفمبر 2026"


def test_the_sheet_puts_the_warnings_own_advice_first_and_formats_dates():
    ar = check_template(ARABIC)
    sheet = languages.sheet(ar, substance=" نيتازين ", title="نيتازين  في عينات",
                            where="المحطة", since=SINCE, valid_until=VALID_UNTIL,
                            advice="النيتازين قوي جدا.\n\nاحمل النالوكسون معك.",
                            issued_by="Krisenstab Teststadt", issued_on=ISSUED_ON)
    assert sheet.language == "ar" and sheet.rtl and sheet.heading == ARABIC["heading"]
    assert (sheet.substance, sheet.title) == ("نيتازين", "نيتازين في عينات")
    assert (sheet.since, sheet.valid_until, sheet.issued_on) == (
        "09/11/2026", "07/12/2026", "18/11/2026")
    # own line first; a template line the warning already has is not printed twice
    assert sheet.advice == ("النيتازين قوي جدا.", "احمل النالوكسون معك.",
                            "ابدأ بكمية صغيرة وانتظر.", "لا تتعاط بمفردك.")
    assert sheet.labels == ARABIC["labels"] and sheet.footer == "الطوارئ: 112"


# --------------------------------------------------------------------------- the store

def test_round_trip_through_the_store_and_into_a_sheet(store):
    assert store.save_warning_language(KRISENSTAB, CITY, ARABIC) == "ar"
    assert store.save_warning_language(SYSTEM, CITY, {**FARSI, "rtl": None}) == "fa"
    rows = store.warning_languages(OUTREACH, CITY)          # every account prints warnings
    assert list(rows["code"]) == ["ar", "fa"] and list(rows["rtl"]) == [True, True]
    assert list(rows["updated_by"]) == ["petra", "system"]
    merged = templates_for(rows)
    assert list(merged) == ["de", "de-LS", "en", "ar", "fa"]
    assert merged["ar"] == check_template(ARABIC)
    assert merged["fa"].advice == tuple(FARSI["advice"]) and not merged["fa"].shipped
    assert store.warning_languages(SYSTEM, "Anderswo").empty      # per city


def test_saving_again_replaces_and_both_are_in_the_audit_log(store):
    store.save_warning_language(KRISENSTAB, CITY, ARABIC)
    store.save_warning_language(KRISENSTAB, CITY, {**ARABIC, "heading": "تحذير"})
    rows = store.warning_languages(KRISENSTAB, CITY)
    assert list(rows["heading"]) == ["تحذير"]
    store.delete_warning_language(KRISENSTAB, CITY, "ar")
    assert store.warning_languages(KRISENSTAB, CITY).empty
    log = store.audit_log(SYSTEM)
    log = log[log["action"].str.startswith("warnings.language")].sort_values("audit_id")
    assert list(log["action"]) == ["warnings.language.save", "warnings.language.save",
                                   "warnings.language.delete"]
    assert list(log["actor"]) == ["petra"] * 3
    details = [json.loads(d) for d in log["detail"]]
    assert [d["code"] for d in details] == ["ar"] * 3
    assert [d.get("change") for d in details] == ["neu", "geändert", None]
    assert details[0]["name_de"] == "Arabisch" and details[0]["rtl"] is True


def test_invalid_languages_are_refused_and_nothing_is_written(store):
    before = len(store.audit_log(SYSTEM))
    with pytest.raises(Invalid, match="Überschrift fehlt"):
        store.save_warning_language(KRISENSTAB, CITY, {**ARABIC, "heading": ""})
    with pytest.raises(Invalid, match="„en“ ist eine mitgelieferte Sprache"):
        store.save_warning_language(KRISENSTAB, CITY, {**ARABIC, "code": "en"})
    assert store.warning_languages(KRISENSTAB, CITY).empty
    assert len(store.audit_log(SYSTEM)) == before


def test_a_language_the_font_cannot_print_is_refused(store):
    """Urdu's ہ and ے and the Ethiopic script (Tigrinya) are not in DejaVu Sans: the PDF
    would show empty boxes, so the city is told which characters."""
    urdu = {**ARABIC, "code": "ur", "name": "اردو", "name_de": "Urdu",
            "heading": "خطرناک منشیات سے ہوشیار رہیں"}
    with pytest.raises(Invalid, match="lässt sich so nicht drucken.*keine Zeichen für ے ہ"):
        store.save_warning_language(KRISENSTAB, CITY, urdu)
    tigrinya = {**ARABIC, "code": "ti", "name": "ትግርኛ", "name_de": "Tigrinya",
                "heading": "ጥንቃቐ"}
    with pytest.raises(Invalid, match="keine Zeichen für ጥ ን ቃ ቐ"):
        store.save_warning_language(KRISENSTAB, CITY, tigrinya)
    assert store.warning_languages(KRISENSTAB, CITY).empty


@pytest.mark.parametrize("actor", [OUTREACH, GAST, FOREIGN])
def test_only_admin_and_crisis_team_of_the_city_edit_languages(store, actor):
    store.save_warning_language(KRISENSTAB, CITY, ARABIC)
    with pytest.raises(Forbidden):
        store.save_warning_language(actor, CITY, FARSI)
    with pytest.raises(Forbidden):
        store.delete_warning_language(actor, CITY, "ar")
    assert list(store.warning_languages(KRISENSTAB, CITY)["code"]) == ["ar"]


def test_other_cities_languages_are_not_readable(store):
    with pytest.raises(Forbidden, match="Kein Zugriff auf die Stadt 'Teststadt'"):
        store.warning_languages(FOREIGN, CITY)


def test_deleting_what_is_not_there(store):
    with pytest.raises(NotFound, match="„ar“ ist für Teststadt nicht angelegt."):
        store.delete_warning_language(KRISENSTAB, CITY, "ar")
    with pytest.raises(NotFound, match="mitgelieferte Sprachen lassen sich nicht löschen"):
        store.delete_warning_language(KRISENSTAB, CITY, "de-LS")
