"""Sensitive places: parsing admin files, proximity of syringe finds (metres, day window),
storage per city, the admin upload and the notice on the overview."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from lagebild.access import SYSTEM, AccessDenied, Actor
from lagebild.catalog import load_catalog
from lagebild.places import PlacesError, kind_of, parse_places, proximity_notices
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import only, with_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
TO_WGS = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
DAY = date(2026, 11, 12)


def _offset(lat, lon, dx, dy):
    """The point dx metres east and dy metres north of (lat, lon), built in EPSG:25832."""
    x, y = TO_UTM.transform(lon, lat)
    lon2, lat2 = TO_WGS.transform(x + dx, y + dy)
    return lat2, lon2


def _kita(lat, lon, name="Kita Köhlerplatz"):
    return pd.DataFrame({"name": [name], "kind": ["kita"], "lat": [lat], "lon": [lon]})


@pytest.mark.parametrize("lat,lon", [(50.1075, 8.6642),     # Frankfurt, UTM zone 32
                                     (51.3397, 12.3731)])   # Leipzig, UTM zone 33
@pytest.mark.parametrize("dx,dy,near", [
    (99, 0, True), (101, 0, False), (0, -99, True), (0, 101, False),
    (70, 70, True), (-72, -72, False),                       # 99.0 m and 101.8 m diagonally
])
def test_find_at_99_m_is_a_notice_and_at_101_m_is_not(lat, lon, dx, dy, near):
    flat, flon = _offset(lat, lon, dx, dy)
    finds = pd.DataFrame({"date": [DAY], "lat": [flat], "lon": [flon]})
    notes = proximity_notices(finds, _kita(lat, lon), distance_m=100, days=14, reference=DAY)
    assert (len(notes) == 1) is near
    if near:
        assert notes.loc[0, "place"] == "Kita Köhlerplatz"
        assert abs(notes.loc[0, "distance_m"] - round((dx * dx + dy * dy) ** 0.5)) <= 1


def test_day_window_counts_the_reference_day_and_the_days_before():
    lat, lon = 51.3397, 12.3731
    flat, flon = _offset(lat, lon, 40, 0)
    dates = [DAY, DAY - timedelta(days=13), DAY - timedelta(days=14), DAY + timedelta(days=1)]
    finds = pd.DataFrame({"date": dates, "lat": [flat] * 4, "lon": [flon] * 4})
    notes = proximity_notices(finds, _kita(lat, lon), distance_m=100, days=14, reference=DAY)
    assert list(notes["date"]) == [DAY, DAY - timedelta(days=13)]       # newest first
    assert list(notes["distance_m"]) == [40, 40]
    seven = proximity_notices(finds, _kita(lat, lon), distance_m=100, days=7, reference=DAY)
    assert list(seven["date"]) == [DAY]
    # default reference: the newest find (here the one after DAY)
    assert proximity_notices(finds, _kita(lat, lon))["date"].max() == DAY + timedelta(days=1)


def test_one_notice_per_place_in_reach_nearest_first():
    lat, lon = 50.1075, 8.6642
    places = pd.concat([_kita(lat, lon), _kita(*_offset(lat, lon, 0, 150), "Schule Nord")
                        .assign(kind="schule")], ignore_index=True)
    flat, flon = _offset(lat, lon, 0, 75)                        # 75 m from both
    finds = pd.DataFrame({"date": [DAY], "lat": [flat], "lon": [flon]})
    notes = proximity_notices(finds, places, distance_m=80, reference=DAY)
    assert sorted(notes["place"]) == ["Kita Köhlerplatz", "Schule Nord"]
    assert proximity_notices(finds.iloc[:0], places).empty
    assert proximity_notices(finds, places.iloc[:0]).empty


# ------------------------------------------------------------------ parsing
def test_semicolon_cp1252_with_decimal_comma():
    data = ("Name;Typ;Breite;Länge\nKita Köhlerplatz;Kindertagesstätte;51,3397;12,3731\n"
            "Spielplatz Süd;Spielplatz;51,30;12,38\n").encode("cp1252")
    got = parse_places(data, "orte.csv")
    assert list(got["name"]) == ["Kita Köhlerplatz", "Spielplatz Süd"]
    assert list(got["kind"]) == ["kita", "spielplatz"]
    assert got.loc[0, "lat"] == pytest.approx(51.3397)


def test_comma_utf8_with_bom_and_english_headers():
    data = "\ufeffname,type,lat,lon\nJugendclub Mühle,youth centre,51.1,10.1\n".encode()
    got = parse_places(data, "places.csv")
    assert got.to_dict("records") == [{"name": "Jugendclub Mühle", "kind": "jugend",
                                       "lat": 51.1, "lon": 10.1}]


def test_geojson_points_in_any_crs():
    x, y = TO_UTM.transform(8.6642, 50.1075)
    fc = {"type": "FeatureCollection",
          "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
          "features": [{"type": "Feature", "properties": {"Bezeichnung": "GS Am Park",
                                                          "Art": "Grundschule"},
                        "geometry": {"type": "Point", "coordinates": [x, y]}}]}
    got = parse_places(json.dumps(fc).encode(), "schulen.geojson")
    assert got.loc[0, "name"] == "GS Am Park" and got.loc[0, "kind"] == "schule"
    assert (got.loc[0, "lat"], got.loc[0, "lon"]) == pytest.approx((50.1075, 8.6642))


def test_every_bad_row_is_reported_with_its_number_and_nothing_is_taken():
    data = ("Name;Typ;lat;lon\nKita A;Kita;51,1;10,1\n;Kita;51,1;10,1\n"
            "Kita C;Kita;x;10,1\nKita D;Kita;510;10\n").encode()
    with pytest.raises(PlacesError) as err:
        parse_places(data, "orte.csv")
    assert err.value.problems == [
        "Zeile 3: Name fehlt.",
        "Zeile 4: „Kita C“: Koordinaten fehlen oder sind keine Zahlen.",
        "Zeile 5: „Kita D“: Koordinaten 510.0, 10.0 sind keine Breite/Länge in Grad (WGS84)."]


def test_missing_columns_are_named():
    with pytest.raises(PlacesError, match="Spalten fehlen: lat"):
        parse_places(b"Name;Typ;Ort\nA;Kita;X\n", "orte.csv")


def test_kinds_are_normalised():
    labels = ("KiTa", "Kinderkrippe", "Gymnasium", "Bolzplatz", "Jugendzentrum", "Bücherei", None)
    assert [kind_of(x) for x in labels] == ["kita", "kita", "schule", "spielplatz", "jugend",
                                            "sonstige", "sonstige"]


# ------------------------------------------------------------------ store and pages
def _finds(store, lat, lon, day, notes=None):
    """One syringe-find upload at the given points (district from the demo geometry)."""
    from lagebild import geo
    rows = pd.DataFrame({"lat": lat, "lon": lon, "date": pd.to_datetime([day] * len(lat)),
                         "indicator": "spritzenfunde", "count": 1,
                         "note": notes or [None] * len(lat)})
    rows["district_id"] = geo.assign_districts(rows["lat"], rows["lon"],
                                               store.districts(SYSTEM, "Musterstadt"))
    periods = pd.DataFrame({"indicator": ["spritzenfunde"], "start_date": [day],
                            "end_date": [day]})
    store.insert_upload(SYSTEM, "Musterstadt", "Streetwork (Test)", "f.csv", f"h{day}{lat}",
                        rows, periods)


def test_places_are_stored_per_city_and_only_admins_replace_them(demo_store):
    places = _kita(51.0, 10.0)
    with pytest.raises(AccessDenied):
        demo_store.replace_places(Actor("k", "krisenstab"), "Musterstadt", places)
    assert demo_store.replace_places(SYSTEM, "Musterstadt", places, "a.csv") == \
        {"before": 3, "after": 1}          # the demo's three drug-checking sites (#18)
    two = pd.concat([places, _kita(51.01, 10.0, "Schule X").assign(kind="schule")])
    assert demo_store.replace_places(SYSTEM, "Musterstadt", two) == {"before": 1, "after": 2}
    got = demo_store.places(Actor("k", "krisenstab"), "Musterstadt")
    assert list(got["name"]) == ["Kita Köhlerplatz", "Schule X"]
    assert "places.replace" in set(demo_store.audit_log(SYSTEM)["action"])


def _app(db, role="krisenstab", page=None):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = Actor(role, role)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_lists_syringe_finds_near_a_kita(demo_db, monkeypatch):
    store = Store(demo_db)
    last = store.date_range(SYSTEM, "Musterstadt")[1]
    lat, lon = 51.001, 10.001
    store.replace_places(SYSTEM, "Musterstadt", _kita(lat, lon, "Köhlerplatz"))
    flat, flon = _offset(lat, lon, 40, 0)
    _finds(store, [flat], [flon], last)
    store.close()
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = _app(demo_db)
    texts = [w.value for w in at.warning]
    expected = f"Spritzenfund 40 m von Kita Köhlerplatz, {last:%d.%m.%Y}"
    assert expected in texts
    assert "Spritzenfunde nahe sensibler Orte" in [s.value for s in at.subheader]
    guest = _app(demo_db, "gast")                      # no point data for restricted roles
    assert not any(w.value.startswith("Spritzenfund ") for w in guest.warning)


def test_admin_uploads_places_and_the_map_shows_them(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = _app(demo_db, "admin", "pages/admin_boundaries.py")
    data = ("Name;Typ;Breite;Länge\nKita Köhlerplatz;Kita;51,001;10,001\n"
            "Schule <b>am Park</b>;Schule;50,99;9,99\n").encode("cp1252")
    at.selectbox(key="places_city").set_value("Musterstadt").run()
    at.file_uploader(key="places_file").set_value(("orte.csv", data, "text/csv")).run()
    assert with_text(at.subheader, "Orte erkannt").value == "2 Orte erkannt"
    at.button(key="places_import").click().run()
    # before: the demo's three drug-checking sites (#18), replaced with the whole list
    assert only(at.success).value == "Musterstadt: 2 sensible Orte gespeichert (vorher 3)."
    bad = "Name;Typ;Breite;Länge\n;Kita;51;10\n".encode()
    at.file_uploader(key="places_file").set_value(("x.csv", bad, "text/csv")).run()
    assert "Zeile 2: Name fehlt." in only(at.error).value
    m = _app(demo_db, "krisenstab", "pages/map.py")
    script = json.loads(only(e for e in m.main if e.type == "component_instance")
                        .proto.json_args)["script"]
    assert "Kita K\\u00f6hlerplatz" in script   # JSON payload, ASCII-escaped
    assert "Schule &lt;b&gt;am Park&lt;/b&gt;" in script
    assert "<b>am Park" not in script
    assert not any("Gestrichelte Kreise" in c.value for c in m.caption)   # points off
    m.toggle(key="map_points").set_value(True).run()
    assert any(c.value.startswith("Gestrichelte Kreise: 100 m") for c in m.caption)
