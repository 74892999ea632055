"""Measures and meetings in the store (#6): CRUD, status history, roles, validation."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest
import shapely

from lagebild.access import SYSTEM, AccessDenied, Actor
from lagebild.measures.model import load_bodies
from lagebild.store import Invalid, NotFound

CITY = "Teststadt"
KRISENSTAB = Actor("petra", "krisenstab", cities=frozenset({CITY}))
GAST = Actor("gast", "gast", cities=frozenset({CITY}))
OUTREACH = Actor("sw", "outreach", cities=frozenset({CITY}), organisation="Streetwork")
FOREIGN = Actor("anna", "krisenstab", cities=frozenset({"Anderswo"}))


@pytest.fixture
def store(empty_store):
    empty_store.ensure_city(SYSTEM, CITY)
    empty_store.ensure_city(SYSTEM, "Anderswo")
    gdf = gpd.GeoDataFrame({"code": ["1", "2"], "name": ["Nord", "Süd"], "population": [1, 2],
                            "parent": [None, None]},
                           geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
                           crs="EPSG:4326")
    empty_store.upsert_districts(SYSTEM, CITY, gdf)
    empty_store.upsert_districts(SYSTEM, "Anderswo", gdf)
    return empty_store


def _ids(store, city=CITY):
    return store.districts(SYSTEM, city).set_index("name")["district_id"].to_dict()


def test_create_edit_and_status_history(store):
    nord = _ids(store)["Nord"]
    meeting = store.add_meeting(KRISENSTAB, CITY, held_on=date(2026, 9, 16),
                                participants=["Polizei", "Drogenhilfe", "Polizei"],
                                decisions="Mehr Reinigung am Park")
    mid = store.add_measure(KRISENSTAB, CITY, title="  Reinigung Park  ", body="stadtreinigung",
                            districts=[nord], indicators=["spritzenfunde"],
                            meeting_id=meeting, due_on=date(2026, 10, 31), comment="beschlossen")
    changed = store.update_measure(KRISENSTAB, CITY, mid, status="in_umsetzung",
                                   comment="läuft", on=date(2026, 9, 21))
    assert changed == ["status", "implemented_on"]        # implemented_on set on entering
    store.update_measure(KRISENSTAB, CITY, mid, status="umgesetzt", due_on=date(2026, 11, 6),
                         comment="fertig")
    store.update_measure(KRISENSTAB, CITY, mid, comment="nur ein Kommentar")

    m = store.measures(GAST, CITY).iloc[0]                 # everyone who sees the city reads
    assert m["title"] == "Reinigung Park" and m["status"] == "umgesetzt"
    assert m["districts"] == [nord] and m["indicators"] == ["spritzenfunde"]
    assert m["implemented_on"].date() == date(2026, 9, 21)   # kept when going on to umgesetzt
    assert m["meeting_on"].date() == date(2026, 9, 16)
    assert store.meetings(GAST, CITY).iloc[0]["participants"] == ["Polizei", "Drogenhilfe"]

    h = store.measure_history(OUTREACH, CITY, mid)
    assert list(zip(h["from_status"].fillna("-"), h["to_status"])) == [
        ("-", "geplant"), ("geplant", "in_umsetzung"), ("in_umsetzung", "umgesetzt"),
        ("umgesetzt", "umgesetzt")]
    assert list(h["comment"]) == ["beschlossen", "läuft", "fertig", "nur ein Kommentar"]
    assert list(h["changed_by"]) == ["petra"] * 4
    assert sorted(h.iloc[2]["fields"]) == ["due_on", "status"] and h.iloc[3]["fields"] == []
    actions = list(store.audit_log(SYSTEM)["action"])
    assert actions.count("measure.update") == 3 and "measure.add" in actions
    assert "meeting.add" in actions


@pytest.mark.parametrize("actor", [GAST, OUTREACH])
def test_gast_and_outreach_cannot_edit(store, actor):
    with pytest.raises(AccessDenied):
        store.add_measure(actor, CITY, title="x", body="polizei")
    mid = store.add_measure(KRISENSTAB, CITY, title="x", body="polizei")
    with pytest.raises(AccessDenied):
        store.update_measure(actor, CITY, mid, status="verworfen", comment="nein")
    with pytest.raises(AccessDenied):
        store.add_meeting(actor, CITY, held_on=date(2026, 9, 16))
    meeting = store.add_meeting(SYSTEM, CITY, held_on=date(2026, 9, 16))
    with pytest.raises(AccessDenied):
        store.update_meeting(actor, CITY, meeting, decisions="anders")
    assert store.measures(SYSTEM, CITY)["status"].tolist() == ["geplant"]


def test_other_cities_are_invisible_and_refused(store):
    store.add_measure(KRISENSTAB, CITY, title="x", body="polizei")
    with pytest.raises(AccessDenied, match="Kein Zugriff"):
        store.measures(FOREIGN, CITY)
    with pytest.raises(AccessDenied):
        store.add_measure(FOREIGN, CITY, title="y", body="polizei")
    assert store.measures(FOREIGN, "Anderswo").empty
    other = _ids(store, "Anderswo")["Nord"]
    with pytest.raises(Invalid, match="gibt es in Teststadt nicht"):
        store.add_measure(KRISENSTAB, CITY, title="y", body="polizei", districts=[other])
    meeting = store.add_meeting(FOREIGN, "Anderswo", held_on=date(2026, 1, 7))
    with pytest.raises(Invalid, match="Sitzung .* gibt es in Teststadt nicht"):
        store.add_measure(KRISENSTAB, CITY, title="y", body="polizei", meeting_id=meeting)
    with pytest.raises(Invalid, match="Warnung 999 gibt es in Teststadt nicht"):
        store.add_measure(KRISENSTAB, CITY, title="y", body="polizei", alert_id=999)


def test_validation_lists_every_problem_in_german(store):
    with pytest.raises(Invalid) as err:
        store.add_measure(KRISENSTAB, CITY, title="", body="zoll", status="fertig",
                          indicators=["gibtsnicht"], due_on="31.02.2026")
    text = str(err.value)
    for part in ("Titel fehlt", "unbekannte zuständige Stelle 'zoll'", "unbekannter Status",
                 "unbekannte Indikatoren gibtsnicht", "kein Datum"):
        assert part in text, part
    mid = store.add_measure(KRISENSTAB, CITY, title="x", body="polizei")
    with pytest.raises(Invalid, match="Nichts geändert"):
        store.update_measure(KRISENSTAB, CITY, mid, title="x")
    with pytest.raises(NotFound, match="Maßnahme 999"):
        store.update_measure(KRISENSTAB, CITY, 999, title="y")
    with pytest.raises(Invalid, match="Datum der Sitzung fehlt"):
        store.add_meeting(KRISENSTAB, CITY, held_on=None)
    assert len(store.measure_history(SYSTEM, CITY)) == 1      # nothing half-written


def test_a_failing_write_leaves_nothing_behind(store, monkeypatch):
    mid = store.add_measure(KRISENSTAB, CITY, title="x", body="polizei")

    def broken(*args, **kwargs):
        raise RuntimeError("Plattencrash")
    monkeypatch.setattr(store, "_audit", broken)
    with pytest.raises(RuntimeError):
        store.update_measure(KRISENSTAB, CITY, mid, status="umgesetzt", comment="x")
    assert store.measures(SYSTEM, CITY).iloc[0]["status"] == "geplant"
    assert len(store.measure_history(SYSTEM, CITY, mid)) == 1


def test_bodies_file_has_the_list_of_the_issue():
    labels = [b.label("de") for b in load_bodies().values()]
    assert labels == ["Polizei", "Ordnungsamt", "Jugendamt", "Gesundheitsamt",
                      "Stadtreinigung", "Grünflächenamt", "Streetwork", "Drogenhilfe",
                      "Suchtbeauftragte"]


def test_reporting_summary_counts_covered_days(demo_store):
    rep = demo_store.reporting_summary(Actor("g", "gast"), "Musterstadt",
                                       date(2026, 11, 9), date(2026, 11, 22))
    assert set(rep["reported_days"]) == {7}            # demo reports end on 15.11.
    assert len(rep["organisation"].unique()) == 6


def test_demo_has_meetings_and_measures(demo_store):
    meetings = demo_store.meetings(SYSTEM, "Musterstadt")
    assert len(meetings) == 4 and meetings.iloc[0]["held_on"].date() == date(2026, 11, 25)
    m = demo_store.measures(SYSTEM, "Musterstadt")
    assert set(m["status"]) == {"geplant", "in_umsetzung", "umgesetzt", "verworfen"}
    assert m["alert_id"].notna().sum() == 1
