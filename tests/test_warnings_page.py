"""AppTest of the page "Substanzwarnungen" (#18) and of the red boxes on the start page:
create by hand and from a drug-checking signal, withdraw; every role sees, only admin and
Krisenstab write; an outreach account of another organisation sees the warning first thing;
user-entered text stays text (no HTML, no Markdown links)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lagebild.access import SYSTEM, Actor
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, only, open_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"
KRISENSTAB = Actor("kira", "krisenstab", cities=frozenset({CITY}))
# the demo's drug-checking organisation and another one: neither wrote the warning
OUTREACH = Actor("olaf", "outreach", cities=frozenset({CITY}),
                 organisation="Drogenhilfe Nord (andere Organisation)")
GAST = Actor("gabi", "gast", cities=frozenset({CITY}))


def _open(db, monkeypatch, actor, page="pages/warnings.py") -> AppTest:
    return open_app(db, monkeypatch, actor, page)


def _warnings(db):
    store = Store(db)
    try:
        return store.substance_warnings(SYSTEM, CITY), store.audit_log(SYSTEM)
    finally:
        store.close()


def _fill(at, prefix, **values):
    for name, value in values.items():
        widget = {"title": at.text_input, "location": at.text_input,
                  "advice": at.text_area}.get(name)
        if widget is not None:
            widget(key=f"{prefix}_{name}").input(value)
        elif name in ("since", "until"):
            at.date_input(key=f"{prefix}_{name}").set_value(value)
        else:
            at.selectbox(key=f"{prefix}_{name}").set_value(value)


def _form_key(at) -> str:
    return next(t.key for t in at.text_input if t.key and t.key.startswith("warning_new_")
                and t.key.endswith("_title")).removesuffix("_title")


def test_krisenstab_creates_a_warning_by_hand(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch, KRISENSTAB)
    assert only(at.title).value == "Substanzwarnungen Musterstadt"
    assert [e.label for e in at.main.get("expander")] == [
        "Neue Substanzwarnung",
        "Sprachen der Druckseite (Vorlagen: Überschrift, Beschriftungen, Standardhinweise)"]
    before = len(_warnings(demo_db)[0])
    key = _form_key(at)
    _fill(at, key, substance="xylazin", title="Xylazin in Heroin", location="Altstadt",
          since=date(2026, 11, 16), until=date(2026, 12, 14),
          advice="Wunden versorgen lassen\nNicht allein konsumieren")
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["Substanzwarnung „Xylazin in Heroin“ angelegt."]
    rows, log = _warnings(demo_db)
    assert len(rows) == before + 1
    row = rows[rows["title"] == "Xylazin in Heroin"].iloc[0]
    assert (row["substance"], row["location"], row["advice"], row["created_by"]) == (
        "xylazin", "Altstadt", "Wunden versorgen lassen\nNicht allein konsumieren", "kira")
    assert "warning.create" in log["action"].tolist()
    new_id = int(row["warning_id"])
    assert at.selectbox(key="warning_selected").value == new_id     # ready for its texts
    boxes = [e.value for e in at.error]
    assert any("Xylazin: Xylazin in Heroin" in b and "gültig bis 14.12.2026" in b
               for b in boxes), boxes


def test_invalid_form_shows_the_german_message_and_keeps_nothing(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch, KRISENSTAB)
    before = len(_warnings(demo_db)[0])
    key = _form_key(at)
    _fill(at, key, title="Fentanyl", location="Mitte", since=date(2026, 11, 16),
          until=date(2026, 11, 10))
    at.button(key=f"{key}_submit").click().run()
    assert [e.value for e in at.error if "Gültig bis" in e.value] == [
        "Gültig bis: 10.11.2026 liegt vor „seit“ (16.11.2026)."]
    assert len(_warnings(demo_db)[0]) == before


def test_krisenstab_creates_a_warning_from_a_signal(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch, KRISENSTAB)
    signals = at.selectbox(key="warning_signal")
    reasons = signals.options                      # as shown: the reasons in words
    pick = next(i for i, r in enumerate(reasons)
                if r.startswith("Nitazene in als Heroin verkauften Proben"))
    signals.set_value(pick).run()
    at.button(key="warning_from_signal").click().run()
    key = _form_key(at)
    assert at.text_input(key=f"{key}_title").value == \
        "Nitazene in Proben, die als Heroin verkauft wurden"
    assert "Drogenkonsumraum Bahnhofsviertel (Demo) (Bahnhofsviertel)" in \
        at.text_input(key=f"{key}_location").value
    assert at.date_input(key=f"{key}_since").value == date(2026, 11, 9)        # KW 46
    assert at.date_input(key=f"{key}_until").value == date(2026, 12, 7)        # + 28 days
    assert any(i.value.startswith("Ausgefüllt aus dem Signal: Nitazene in als Heroin")
               for i in at.info)
    at.text_input(key=f"{key}_title").input("Nitazene in Heroin – KW 46")
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    rows, _ = _warnings(demo_db)
    row = rows[rows["title"] == "Nitazene in Heroin – KW 46"].iloc[0]
    assert row["source"] == "sold_as:nitazene:2026-11-09:heroin"
    assert row["source_reason"].startswith("Nitazene in als Heroin verkauften Proben: ")


def test_withdraw_removes_it_from_the_start_pages(demo_db, monkeypatch):
    store = Store(demo_db)
    wid = store.add_substance_warning(KRISENSTAB, CITY, substance="fentanyl",
                                      title="Fentanyl in Kokain", location="Mitte",
                                      since=date(2026, 11, 16), valid_until=date(2026, 12, 1))
    store.close()
    at = _open(demo_db, monkeypatch, KRISENSTAB)
    at.selectbox(key="warning_selected").set_value(wid).run()
    at.text_input(key=f"warning_withdraw_reason_{wid}").input("Laborbefund negativ")
    at.button(key=f"warning_withdraw_{wid}").click().run()
    assert [s.value for s in at.success] == ["Substanzwarnung zurückgezogen."]
    rows, log = _warnings(demo_db)
    assert rows.set_index("warning_id").loc[wid, "withdrawn_by"] == "kira"
    assert not any("Fentanyl in Kokain" in e.value for e in at.error)
    past = frame_with(at, "Nr.", "Stand")
    assert past.loc[past["Nr."] == wid, "Stand"].tolist() == ["zurückgezogen"]
    start = _open(demo_db, monkeypatch, OUTREACH, page=None)
    assert not any("Fentanyl in Kokain" in e.value for e in start.error)


@pytest.mark.parametrize("actor", [OUTREACH, GAST])
def test_outreach_and_guests_see_but_cannot_write(demo_db, monkeypatch, actor):
    store = Store(demo_db)
    store.add_substance_warning(KRISENSTAB, CITY, substance="fentanyl",
                                title="Fentanyl in Kokain", location="Mitte",
                                since=date(2026, 11, 16), valid_until=date(2026, 12, 1))
    store.close()
    at = _open(demo_db, monkeypatch, actor)
    assert any("Fentanyl: Fentanyl in Kokain" in e.value for e in at.error)
    assert not [b for b in at.button if (b.key or "").startswith("warning_")]
    assert [e.label for e in at.main.get("expander")] == [] and not at.tabs
    assert not [t for t in at.text_input if (t.key or "").startswith("warning_")]


def test_an_outreach_account_of_another_organisation_sees_it_on_its_start_page(
        demo_db, monkeypatch):
    store = Store(demo_db)
    store.add_substance_warning(KRISENSTAB, CITY, substance="nitazene",
                                title="Nitazene in Heroin", location="Bahnhofsviertel",
                                since=date(2026, 11, 9), valid_until=date(2026, 12, 7),
                                advice="Nicht allein konsumieren")
    store.close()
    at = _open(demo_db, monkeypatch, OUTREACH, page=None)      # the start page of the account
    assert only(at.title).value.startswith("Lagebild Musterstadt")
    box = next(e.value for e in at.error if "Nitazene in Heroin" in e.value)
    assert box.startswith("**Substanzwarnung – Nitazene: Nitazene in Heroin**")
    assert "Wo: Bahnhofsviertel · seit 09.11.2026 · gültig bis 07.12.2026" in box
    assert "- Nicht allein konsumieren" in box


def test_user_text_is_escaped_in_the_boxes(demo_db, monkeypatch):
    store = Store(demo_db)
    store.add_substance_warning(KRISENSTAB, CITY, substance="nitazene",
                                title="<script>alert(1)</script> **[hier](http://evil.example)**",
                                location="<img src=x onerror=alert(2)>",
                                since=date(2026, 11, 9), valid_until=date(2026, 12, 7),
                                advice="# Überschrift\n![bild](http://evil.example/x.png)")
    store.close()
    at = _open(demo_db, monkeypatch, GAST, page=None)
    box = next(e.value for e in at.error if "script" in e.value)
    assert "\\<script\\>alert(1)\\</script\\>" in box
    assert "\\*\\*\\[hier\\](http:\u2060//evil.example)\\*\\*" in box
    assert "\\<img src=x onerror=alert(2)\\>" in box
    assert "- \\# Überschrift" in box and "\\!\\[bild\\]" in box
    assert "<script>" not in box and "](http://" not in box


def test_the_demo_shows_its_nitazene_warning_to_the_demo_streetwork(demo_db, monkeypatch):
    rows, _ = _warnings(demo_db)
    store = Store(demo_db)
    texts = store.substance_warning_texts(SYSTEM, CITY)
    store.close()
    demo = rows.iloc[0]
    assert (len(rows), demo["substance"], demo["source"], demo["created_by"]) == (
        1, "nitazene", "sold_as:nitazene:2026-11-09:heroin", "krisenstab")
    assert sorted(texts["language"]) == ["de-LS", "en"]
    streetwork = Actor("streetwork", "outreach", cities=frozenset({CITY}),
                       organisation="Streetwork Kontaktladen Lichtblick (Demo)")
    at = _open(demo_db, monkeypatch, streetwork, page=None)
    assert any(e.value.startswith("**Substanzwarnung – Nitazene: Nitazene in Proben, die als "
                                  "Heroin verkauft wurden**") for e in at.error)


def test_warnung_erstellen_on_the_drugcheck_page_opens_the_filled_form(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch, KRISENSTAB, page="pages/drugcheck.py")
    at.sidebar.selectbox(key="drugcheck_week").set_value(date(2026, 10, 19)).run()   # KW 43
    signals = at.selectbox(key="drugcheck_warning_signal")
    assert signals.options[0].startswith("Nitazene erstmals in der Stadt nachgewiesen")
    at.button(key="drugcheck_warning").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert only(at.title).value == "Substanzwarnungen Musterstadt"
    key = _form_key(at)
    assert at.text_input(key=f"{key}_title").value == \
        "Nitazene erstmals in Musterstadt nachgewiesen"
    assert at.date_input(key=f"{key}_since").value == date(2026, 10, 19)
    # KW 43 + 28 days ended before today: the form proposes two weeks from today
    assert at.date_input(key=f"{key}_until").value == date(2026, 12, 2)


def test_outreach_gets_no_warnung_erstellen_on_the_drugcheck_page(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch, OUTREACH, page="pages/drugcheck.py")
    assert at.markdown and not [b for b in at.button if b.key == "drugcheck_warning"]


def _pdf_buttons(at, warning_id) -> list[str]:
    return [b.label for b in at.get("download_button")
            if (b.key or "").startswith(f"warning_pdf_{warning_id}_")]


def test_pdf_per_language_with_a_text_and_a_city_language_added_on_the_page(demo_db,
                                                                           monkeypatch):
    from warning_kit import ARABIC
    store = Store(demo_db)
    wid = int(store.substance_warnings(SYSTEM, CITY)["warning_id"].iloc[0])   # the demo's
    store.save_warning_language(KRISENSTAB, CITY, ARABIC)         # the city adds Arabic
    store.close()
    start = _open(demo_db, monkeypatch, OUTREACH, page=None)
    assert _pdf_buttons(start, wid) == ["PDF Deutsch", "PDF Leichte Sprache", "PDF Englisch"]
    at = _open(demo_db, monkeypatch, KRISENSTAB)
    assert "Noch kein Text in: Arabisch" in " ".join(c.value for c in at.caption)
    at.selectbox(key="warning_selected").set_value(wid).run()
    at.selectbox(key="warning_language").set_value("ar").run()
    at.text_input(key=f"wt_title_{wid}_ar").input("نيتازين في عينات بيعت على أنها هيروين")
    at.text_area(key=f"wt_advice_{wid}_ar").input("اختبر الهيروين.")
    at.button(key=f"wt_submit_{wid}_ar").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["Text in ar gespeichert."]
    assert _pdf_buttons(at, wid)[-1] == "PDF Arabisch"
    start = _open(demo_db, monkeypatch, OUTREACH, page=None)
    assert _pdf_buttons(start, wid) == ["PDF Deutsch", "PDF Leichte Sprache", "PDF Englisch",
                                        "PDF Arabisch"]
    # in the English interface the languages are named in their own words
    english = open_app(demo_db, monkeypatch, OUTREACH, lang="en")
    assert _pdf_buttons(english, wid) == ["PDF Deutsch", "PDF Leichte Sprache", "PDF English",
                                          f"PDF {ARABIC['name']}"]
