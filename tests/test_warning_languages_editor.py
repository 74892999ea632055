"""AppTest of the language editor of the Substanzwarnung (#18, ``ui.warning_language_editor``)
on its own: a crisis-team member adds Arabic from the English template, sees a German message
naming the faulty field, deletes it again; an outreach account sees the languages and the
sample PDFs but no form. (The warnings page that shows the editor has its own AppTest; the
PDF download itself is clicked in the browser journey.)"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lagebild.access import SYSTEM, Actor
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with  # noqa: E402
from warning_kit import ARABIC  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = "Teststadt"
KRISENSTAB = Actor("petra", "krisenstab", cities=frozenset({CITY}))
OUTREACH = Actor("sw", "outreach", cities=frozenset({CITY}), organisation="Streetwork")
FORM = "warnlang_form___new__"


def _script():
    from lagebild import ui
    ui.warning_language_editor("Teststadt")


def _open(tmp_path, monkeypatch, who):
    path = tmp_path / "editor.duckdb"
    store = Store(path)
    store.ensure_city(SYSTEM, CITY)
    store.close()
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(path))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(_script, default_timeout=60)
    at.session_state["lagebild_actor"] = who
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _codes(at) -> list[str]:
    return frame_with(at, "Code", "Schreibrichtung")["Code"].tolist()


def test_crisis_team_adds_arabic_from_the_english_template_and_deletes_it(tmp_path,
                                                                           monkeypatch):
    at = _open(tmp_path, monkeypatch, KRISENSTAB)
    assert _codes(at) == ["de", "de-LS", "en"]
    at.selectbox(key="warnlang_choice").select("__new__").run()
    # a new language starts with the English text, to be translated field by field
    assert at.text_input(key=f"{FORM}_heading").value == "Drug alert"
    assert at.text_input(key=f"{FORM}_label_valid_until").value == "Valid until"
    assert at.text_input(key=f"{FORM}_code").value == ""
    at.text_input(key=f"{FORM}_code").input("ar")
    at.text_input(key=f"{FORM}_name").input(ARABIC["name"])
    at.text_input(key=f"{FORM}_name_de").input(ARABIC["name_de"])
    at.text_input(key=f"{FORM}_heading").input("")                 # forgotten
    for label, text in ARABIC["labels"].items():
        at.text_input(key=f"{FORM}_label_{label}").input(text)
    at.text_area(key=f"{FORM}_advice").input("\n".join(ARABIC["advice"]))
    at.text_input(key=f"{FORM}_footer").input(ARABIC["footer"])
    at.button(key=f"{FORM}_submit").click().run()
    assert not at.exception
    assert any("Überschrift fehlt" in e.value for e in at.error)
    assert _codes(at) == ["de", "de-LS", "en"]

    at.text_input(key=f"{FORM}_heading").input(ARABIC["heading"])
    at.button(key=f"{FORM}_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["Sprache „ar“ gespeichert."]
    assert _codes(at) == ["de", "de-LS", "en", "ar"]
    row = frame_with(at, "Code", "Schreibrichtung").iloc[3].tolist()
    assert row[1:4] == ["العربية", "Arabisch", "rechts nach links"]   # detected from the text
    assert at.selectbox(key="warnlang_choice").value == "ar"
    assert at.text_input(key="warnlang_form_ar_heading").value == ARABIC["heading"]
    assert [b for b in at.get("download_button") if "Arabisch" in b.proto.label]

    at.checkbox(key="warnlang_delete_confirm_ar").check().run()
    at.button(key="warnlang_delete_ar").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Sprache „ar“ gelöscht."]
    assert _codes(at) == ["de", "de-LS", "en"]


def test_outreach_sees_languages_and_previews_but_no_form(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch, OUTREACH)
    assert _codes(at) == ["de", "de-LS", "en"]
    assert at.selectbox(key="warnlang_choice").options == [
        "Deutsch (de)", "Leichte Sprache (de-LS)", "Englisch (en)"]
    assert not at.get("form") and not at.text_input
    assert [b.proto.label for b in at.get("download_button")] == ["Vorschau als PDF (Deutsch)"]
    at.selectbox(key="warnlang_choice").select("de-LS").run()
    assert [b.proto.label for b in at.get("download_button")] == [
        "Vorschau als PDF (Leichte Sprache)"]
    assert any("wird mit Lagebild geliefert" in i.value for i in at.info)
