"""Substanzwarnungen in the store (#18, migration 014) and the pure model
(lagebild/drugcheck/warnings.py): create, change, withdraw, texts per language, audit,
German validation naming the field, one transaction per write, "active" by the one clock."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from lagebild.access import SYSTEM, Actor
from lagebild.drugcheck import warnings as w
from lagebild.store import Forbidden, Invalid, NotFound, Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from warning_kit import ARABIC  # noqa: E402

CITY = "Musterstadt"
K = Actor("kira", "krisenstab", cities=frozenset({CITY}))
O = Actor("olaf", "outreach", cities=frozenset({CITY}), organisation="Streetwork Nord")
G = Actor("gabi", "gast", cities=frozenset({CITY}))
OTHER = Actor("karl", "krisenstab", cities=frozenset({"Leipzig"}))
NEW = {"substance": "nitazene", "title": "Nitazene in Heroin", "location": "Bahnhofsviertel",
       "since": date(2026, 11, 9), "valid_until": date(2026, 12, 7),
       "advice": "Nicht allein konsumieren\nNaloxon dabeihaben"}


@pytest.fixture
def store():
    s = Store(":memory:")
    s.ensure_city(SYSTEM, CITY)
    s.ensure_city(SYSTEM, "Leipzig")
    yield s
    s.close()


def _audit(store, prefix="warning"):
    log = store.audit_log(SYSTEM)
    log = log[log["action"].str.startswith(prefix)]
    return [(r.action, json.loads(r.detail)) for r in log.iloc[::-1].itertuples()]


def test_create_read_and_audit(store):
    wid = store.add_substance_warning(K, CITY, **NEW, source="sold_as:nitazene:2026-11-09:heroin",
                                      source_reason="Nitazene in als Heroin verkauften Proben")
    for actor in (K, O, G):           # every role of the city reads it
        rows = store.substance_warnings(actor, CITY)
        assert rows["title"].tolist() == ["Nitazene in Heroin"]
    row = store.substance_warnings(G, CITY).iloc[0]
    assert (row["created_by"], row["revision"], row["advice"]) == (
        "kira", 1, "Nicht allein konsumieren\nNaloxon dabeihaben")
    assert pd.Timestamp(row["created_at"]).date() == date(2026, 11, 18)   # the one clock
    assert _audit(store) == [("warning.create", {
        "warning_id": wid, "substance": "nitazene", "title": "Nitazene in Heroin",
        "since": "2026-11-09", "valid_until": "2026-12-07",
        "source": "sold_as:nitazene:2026-11-09:heroin"})]
    with pytest.raises(Forbidden, match="Kein Zugriff auf die Stadt"):
        store.substance_warnings(OTHER, CITY)


@pytest.mark.parametrize("actor", [O, G])
def test_only_the_crisis_team_writes(store, actor):
    with pytest.raises(Forbidden, match="darf nicht: Substanzwarnungen anlegen"):
        store.add_substance_warning(actor, CITY, **NEW)
    wid = store.add_substance_warning(K, CITY, **NEW)
    with pytest.raises(Forbidden, match="ändern oder zurückziehen"):
        store.update_substance_warning(actor, CITY, wid, title="Neu")
    with pytest.raises(Forbidden):
        store.withdraw_substance_warning(actor, CITY, wid)
    with pytest.raises(Forbidden):
        store.set_substance_warning_text(actor, CITY, wid, "en", title="x")
    assert len(store.substance_warnings(SYSTEM, CITY)) == 1


@pytest.mark.parametrize("change, message", [
    ({"substance": "zucker"}, "Substanz: „zucker“ steht nicht im Substanzkatalog"),
    ({"title": "   "}, "Titel: bitte ausfüllen"),
    ({"location": ""}, "Wo: bitte ausfüllen"),
    ({"title": "x" * 201}, "Titel: höchstens 200 Zeichen"),
    ({"valid_until": date(2026, 11, 1)}, "Gültig bis: 01.11.2026 liegt vor „seit“ (09.11.2026)"),
    ({"since": date(2026, 11, 19), "valid_until": date(2026, 12, 1)},
     "Seit: 19.11.2026 liegt nach heute"),
    ({"since": date(2026, 10, 1), "valid_until": date(2026, 11, 17)},
     "Gültig bis: 17.11.2026 liegt vor heute"),
    ({"valid_until": date(2027, 12, 1)}, "Gültig bis: höchstens 365 Tage nach „seit“"),
    ({"since": "9.11.2026"}, "Seit: „9.11.2026“ ist kein Datum"),
    ({"advice": "\n".join(f"Zeile {i}" for i in range(11))}, "Was tun: höchstens 10 Zeilen"),
])
def test_invalid_input_is_refused_in_german_naming_the_field(store, change, message):
    with pytest.raises(Invalid, match=re.escape(message)):
        store.add_substance_warning(K, CITY, **(NEW | change))
    assert store.substance_warnings(SYSTEM, CITY).empty
    assert _audit(store) == []


def test_missing_field_and_unknown_city_or_warning(store):
    with pytest.raises(Invalid, match="Wo: bitte ausfüllen"):
        store.add_substance_warning(K, CITY, **{k: v for k, v in NEW.items() if k != "location"})
    with pytest.raises(NotFound, match="Stadt 'Nirgendwo' ist nicht angelegt"):
        store.add_substance_warning(SYSTEM, "Nirgendwo", **NEW)
    wid = store.add_substance_warning(K, CITY, **NEW)
    with pytest.raises(NotFound, match="Substanzwarnung 99 gibt es in Musterstadt nicht"):
        store.update_substance_warning(K, CITY, 99, title="x")
    with pytest.raises(NotFound):                       # another city's warning
        store.withdraw_substance_warning(SYSTEM, "Leipzig", wid)


def test_update_counts_revisions_and_audits_the_fields(store):
    wid = store.add_substance_warning(K, CITY, **NEW)
    assert store.update_substance_warning(K, CITY, wid, valid_until=date(2026, 12, 21),
                                          title=NEW["title"]) == ["valid_until"]
    with pytest.raises(Invalid, match="Nichts geändert"):
        store.update_substance_warning(K, CITY, wid, title=NEW["title"])
    with pytest.raises(Invalid, match="Gültig bis: 01.11.2026 liegt vor „seit“"):
        store.update_substance_warning(K, CITY, wid, valid_until=date(2026, 11, 1))
    row = store.substance_warnings(K, CITY).iloc[0]
    assert (row["revision"], row["updated_by"]) == (2, "kira")
    assert pd.Timestamp(row["valid_until"]).date() == date(2026, 12, 21)
    assert _audit(store)[-1] == ("warning.update", {"warning_id": wid, "fields": ["valid_until"],
                                                    "revision": 2, "valid_until": "2026-12-21"})


def test_withdraw_takes_it_out_of_the_active_list_and_freezes_it(store):
    wid = store.add_substance_warning(K, CITY, **NEW)
    assert store.substance_warnings(O, CITY, active_on=date(2026, 11, 18))["warning_id"].tolist() \
        == [wid]
    store.withdraw_substance_warning(K, CITY, wid, reason="Fehlalarm: Labor bestätigt nicht")
    assert store.substance_warnings(O, CITY, active_on=date(2026, 11, 18)).empty
    assert len(store.substance_warnings(O, CITY)) == 1             # still in the list of all
    with pytest.raises(Invalid, match="schon zurückgezogen"):
        store.withdraw_substance_warning(K, CITY, wid)
    with pytest.raises(Invalid, match="zurückgezogen und kann nicht mehr geändert werden"):
        store.update_substance_warning(K, CITY, wid, title="Neu")
    assert _audit(store)[-1] == ("warning.withdraw", {"warning_id": wid,
                                                      "title": "Nitazene in Heroin",
                                                      "reason": "Fehlalarm: Labor bestätigt nicht"})


def test_active_on_a_day_by_dates(store):
    a = store.add_substance_warning(K, CITY, **NEW)
    b = store.add_substance_warning(K, CITY, **NEW | {"since": date(2026, 11, 16),
                                                      "valid_until": date(2026, 11, 20)})
    def ids(day):
        return store.substance_warnings(G, CITY, active_on=day)["warning_id"].tolist()
    assert ids(date(2026, 11, 8)) == []
    assert ids(date(2026, 11, 9)) == [a]
    assert ids(date(2026, 11, 20)) == [b, a]              # newest "since" first, last day counts
    assert ids(date(2026, 11, 21)) == [a]
    assert ids(date(2026, 12, 8)) == []


def test_texts_per_language_upsert_remove_and_validate(store):
    wid = store.add_substance_warning(K, CITY, **NEW)
    store.set_substance_warning_text(K, CITY, wid, "en", title="Nitazenes in heroin",
                                     location="Station quarter", advice="Do not use alone")
    store.set_substance_warning_text(K, CITY, wid, "en", title="Nitazenes found in heroin",
                                     location="Station quarter", advice="Do not use alone")
    with pytest.raises(Invalid, match="„ar“ ist für Substanzwarnungen in Musterstadt nicht "
                                      "angelegt \\(bekannt: de-LS, en\\)"):
        store.set_substance_warning_text(K, CITY, wid, "ar", title="نيتازين في الهيروين")
    store.save_warning_language(K, CITY, ARABIC)              # the city adds Arabic
    store.set_substance_warning_text(K, CITY, wid, "ar", title="نيتازين في الهيروين")
    texts = store.substance_warning_texts(O, CITY)
    assert texts[["language", "title"]].values.tolist() == [
        ["ar", "نيتازين في الهيروين"], ["en", "Nitazenes found in heroin"]]
    for lang, message in (("de", "der deutsche Text ist die Warnung selbst"),
                          ("english", "„english“ ist kein Sprachcode"),
                          ("en<script>", "ist kein Sprachcode")):
        with pytest.raises(Invalid, match=message):
            store.set_substance_warning_text(K, CITY, wid, lang, title="x")
    with pytest.raises(Invalid, match="Titel: bitte ausfüllen"):
        store.set_substance_warning_text(K, CITY, wid, "fa", title="", advice="x")
    store.set_substance_warning_text(K, CITY, wid, "en", title="", location="", advice="")
    assert store.substance_warning_texts(K, CITY)["language"].tolist() == ["ar"]
    assert [a for a, _ in _audit(store, "warning.")] == [
        "warning.create", "warning.text", "warning.text", "warning.text", "warning.text.remove"]


def test_a_failed_write_leaves_nothing(store, monkeypatch):
    """The audit row fails inside the transaction: neither the warning nor its change stays."""
    wid = store.add_substance_warning(K, CITY, **NEW)

    def broken(*args, **kwargs):
        raise RuntimeError("Audit-Log voll")
    monkeypatch.setattr(store, "_audit", broken)
    with pytest.raises(RuntimeError):
        store.add_substance_warning(K, CITY, **NEW | {"title": "Zweite"})
    with pytest.raises(RuntimeError):
        store.update_substance_warning(K, CITY, wid, title="Geändert")
    with pytest.raises(RuntimeError):
        store.withdraw_substance_warning(K, CITY, wid)
    with pytest.raises(RuntimeError):
        store.set_substance_warning_text(K, CITY, wid, "en", title="x")
    monkeypatch.undo()
    rows = store.substance_warnings(SYSTEM, CITY)
    assert rows["title"].tolist() == ["Nitazene in Heroin"]
    assert (rows["revision"].iloc[0], rows["withdrawn_at"].isna().iloc[0]) == (1, True)
    assert store.substance_warning_texts(SYSTEM, CITY).empty


# ------------------------------------------------------------------ the pure model
SIGNAL = {"kind": "sold_as", "substance": "nitazene", "sold_as": "heroin", "site": None,
          "week": pd.Timestamp("2026-11-09"), "positive": 3, "tests": 11,
          "reason": "Nitazene in als Heroin verkauften Proben: 3 von 11 in KW 46/2026"}
TESTS = pd.DataFrame({
    "date": [date(2026, 11, 10), date(2026, 11, 12), date(2026, 11, 12), date(2026, 11, 3),
             date(2026, 11, 11)],
    "site": ["DKR Bahnhof", "Drug-Checking Mitte", "DKR Altstadt", "DKR Altstadt", "DKR Süd"],
    "district": ["Bahnhofsviertel", "Mitte", "Altstadt", "Altstadt", "Süd"],
    "sold_as": ["heroin", "heroin", "kokain", "heroin", "heroin"],
    "substance": ["nitazene"] * 5,
    "result": ["positiv", "positiv", "positiv", "positiv", "negativ"]})


def test_from_signal_prefills_the_form():
    form = w.from_signal(SIGNAL, TESTS, city=CITY)
    assert form == {
        "substance": "nitazene", "title": "Nitazene in Proben, die als Heroin verkauft wurden",
        # positive in this week, in samples sold as heroin (not Altstadt: cocaine / last week)
        "location": "DKR Bahnhof (Bahnhofsviertel), Drug-Checking Mitte (Mitte)",
        "since": date(2026, 11, 9), "valid_until": date(2026, 12, 7),       # + 28 days
        "advice": "Auch was als Heroin verkauft wird, kann Nitazene enthalten: testen "
                  "lassen (Drug-Checking, Drogenkonsumraum).",
        "source": "sold_as:nitazene:2026-11-09:heroin", "source_reason": SIGNAL["reason"]}
    first = w.from_signal({**SIGNAL, "kind": "first", "sold_as": None, "site": "DKR Bahnhof"},
                          None, city=CITY)
    assert (first["title"], first["location"], first["source"], first["advice"]) == (
        "Nitazene erstmals in Musterstadt nachgewiesen", "DKR Bahnhof",
        "first:nitazene:2026-11-09", "Nitazene wirkt viel stärker als gewohnt: Proben testen "
                                     "lassen (Drug-Checking, Drogenkonsumraum).")
    rising = w.from_signal({**SIGNAL, "kind": "rising", "sold_as": None}, TESTS.iloc[:0],
                           city=CITY)
    assert (rising["title"], rising["location"]) == (
        "Nitazene: mehr Proben positiv als in den Wochen davor", CITY)


def test_active_uses_the_day_passed_in():
    def make(i, since, until, withdrawn=None):
        return w.SubstanceWarning(i, "fentanyl", f"W{i}", "X", since, until,
                                  withdrawn_at=withdrawn)
    ws = [make(1, date(2026, 11, 1), date(2026, 11, 18)),
          make(2, date(2026, 11, 10), date(2026, 11, 30)),
          make(3, date(2026, 11, 10), date(2026, 11, 30), withdrawn=pd.Timestamp("2026-11-12")),
          make(4, date(2026, 11, 19), date(2026, 11, 30))]
    assert [x.warning_id for x in w.active(ws, date(2026, 11, 18))] == [2, 1]
    assert [x.warning_id for x in w.active(ws, date(2026, 11, 19))] == [4, 2]
    assert [x.state(date(2026, 11, 19)) for x in ws] == ["expired", "active", "withdrawn",
                                                         "active"]


def test_the_printed_page_per_language():
    """German from the warning itself, other languages from its texts; the template adds
    captions, dates in its format and its standard advice after the warning's own line."""
    from lagebild.drugcheck.languages import check_template, shipped_templates
    templates = {**shipped_templates(), "ar": check_template(ARABIC)}
    warning = w.SubstanceWarning(
        7, "nitazene", "Nitazene in Heroin", "Bahnhofsviertel", date(2026, 11, 9),
        date(2026, 12, 7), ("Heroin testen lassen.",), created_at=pd.Timestamp("2026-11-18 9:00"),
        texts={"de-LS": w.Text("Im Heroin ist Nitazen.", "", ("Lass Heroin testen.",)),
               "ar": w.Text("نيتازين في الهيروين", "محطة القطار", ("اختبر الهيروين.",))})
    assert w.printable(warning, templates) == ["de", "de-LS", "ar"]      # no English text
    de = w.sheet_for(warning, templates["de"], CITY, date(2026, 11, 18))
    assert (de.language, de.rtl, de.heading, de.substance, de.title, de.where, de.since,
            de.valid_until, de.issued_by, de.issued_on) == (
        "de", False, "Substanzwarnung", "Nitazene", "Nitazene in Heroin", "Bahnhofsviertel",
        "09.11.2026", "07.12.2026", CITY, "18.11.2026")
    assert de.advice[0] == "Heroin testen lassen." and len(de.advice) > 1
    ls = w.sheet_for(warning, templates["de-LS"], CITY, date(2026, 11, 18))
    assert (ls.title, ls.where, ls.valid_until, ls.advice[0]) == (
        "Im Heroin ist Nitazen.", "Bahnhofsviertel", "7. Dezember 2026", "Lass Heroin testen.")
    ar = w.sheet_for(warning, templates["ar"], CITY, date(2026, 11, 18))
    assert (ar.rtl, ar.substance, ar.title, ar.where, ar.since, ar.advice[0]) == (
        True, "Nitazenes", "نيتازين في الهيروين", "محطة القطار", "09/11/2026", "اختبر الهيروين.")
    with pytest.raises(KeyError):
        w.sheet_for(warning, templates["en"], CITY, date(2026, 11, 18))
