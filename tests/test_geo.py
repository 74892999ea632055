"""Boundaries of real cities (../shared/data/real): any format and CRS, repaired, simplified
for display without gaps or slivers; Boston's needle pickups counted per neighbourhood."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from lagebild import geo, maps
from lagebild.access import SYSTEM, Actor
from lagebild.geo import BoundaryError, read_boundaries
from lagebild.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, only, with_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# file, name field, code field, parent field, expected count
CITIES = [
    ("leipzig_stadtbezirke_utm33n.geojson", "Name", "SBZ", None, 10),
    ("frankfurt_stadtteile.geojson", "name", "cartodb_id", None, 46),
    ("hamburg_stadtteile.geojson", "name", "id", "district_name", 104),
    ("berlin_lor_prognoseraeume_2021.geojson", "name", "id", None, 58),
]


def _pairs(geoms, predicate):
    a, b = shapely.STRtree(geoms).query(geoms, predicate=predicate)
    return {(int(i), int(j)) for i, j in zip(a, b) if i < j}


def _overlap_m2(geoms) -> float:
    return sum(geoms[i].intersection(geoms[j]).area for i, j in _pairs(geoms, "intersects"))


@pytest.fixture(scope="module", params=CITIES, ids=[c[0].split("_")[0] for c in CITIES])
def city(request, real_data):
    file, name, code, parent, count = request.param
    src = gpd.read_file(real_data / file)
    gdf = read_boundaries(real_data / file, name_field=name, code_field=code,
                          parent_field=parent)
    return {"src": src, "gdf": gdf, "code": code, "count": count, "parent": parent}


def test_import_count_validity_and_wgs84(city):
    gdf = city["gdf"]
    assert len(gdf) == city["count"] and gdf.crs.to_epsg() == 4326
    assert gdf.is_valid.all() and gdf["display_geometry"].is_valid.all()
    assert gdf["code"].is_unique and gdf["name"].str.len().gt(0).all()
    if city["parent"]:
        assert gdf["parent"].notna().all() and gdf["parent"].nunique() == 7   # Hamburg Bezirke


def test_area_within_half_a_percent_of_the_source(city):
    src, gdf = city["src"], city["gdf"]
    crs = geo.metric_crs(gdf)
    src_area = src.set_geometry(src.geometry.make_valid()).to_crs(crs).area
    src_area.index = src[city["code"]].astype(str)
    for column in ("geometry", "display_geometry"):
        area = gdf.set_geometry(column).to_crs(crs).area.set_axis(gdf["code"])
        ratio = area / src_area.reindex(area.index)
        assert (ratio - 1).abs().max() < 0.005, (column, ratio.sort_values().iloc[[0, -1]])


def test_simplified_districts_keep_their_shared_borders(city):
    gdf = city["gdf"]
    crs = geo.metric_crs(gdf)
    exact = gdf.geometry.to_crs(crs).values
    shown = gdf["display_geometry"].to_crs(crs).values
    assert shapely.get_num_coordinates(shown).sum() < shapely.get_num_coordinates(exact).sum()
    union_ratio = shapely.union_all(shown).area / shapely.union_all(exact).area
    assert abs(union_ratio - 1) < 0.005                       # no gaps opened
    assert _overlap_m2(shown) < 1.0                           # no slivers (m², city ≫ km²)
    assert _pairs(shown, "intersects") == _pairs(exact, "intersects")   # same neighbours
    assert _pairs(shown, "touches") >= _pairs(exact, "touches") - _pairs(exact, "overlaps")


def test_geopackage_and_zipped_shapefile_give_the_same_districts(real_data, tmp_path):
    src = gpd.read_file(real_data / "berlin_lor_prognoseraeume_2021.geojson")
    src = src.drop(columns=["bounding_box"])
    src.to_file(tmp_path / "lor.gpkg", driver="GPKG")
    src.to_crs(25833).to_file(tmp_path / "lor.shp", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "lor.zip", "w") as zf:
        for part in tmp_path.glob("lor.*"):
            if part.suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                zf.write(part, f"LOR_2021/{part.name}")          # inside a folder, as portals do
    want = read_boundaries(real_data / "berlin_lor_prognoseraeume_2021.geojson", code_field="id")
    for path in (tmp_path / "lor.gpkg", tmp_path / "lor.zip"):
        got = read_boundaries(path.read_bytes(), code_field="id", filename=path.name)
        assert len(got) == 58 and got.is_valid.all()
        assert set(got["name"]) == set(want["name"])            # umlauts survive the .dbf
        assert abs(got.union_all().area / want.union_all().area - 1) < 1e-4


def test_legacy_crs_member_is_honoured(real_data, tmp_path):
    src = gpd.read_file(real_data / "leipzig_ortsteile.geojson").to_crs(25832)
    fc = json.loads(src.to_json(drop_id=True))
    fc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}
    path = tmp_path / "ortsteile_25832.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    gdf = read_boundaries(path, code_field="cartodb_id")
    minx, miny, maxx, maxy = gdf.total_bounds                 # Leipzig: 12.4 E, 51.3 N
    assert len(gdf) == 63 and 12.2 < minx < maxx < 12.6 and 51.2 < miny < maxy < 51.5


def test_zip_with_two_shapefiles_and_shapefile_without_prj_are_explained(real_data, tmp_path):
    src = gpd.read_file(real_data / "leipzig_stadtbezirke_utm33n.geojson")
    src.to_file(tmp_path / "a.shp")
    src.to_file(tmp_path / "b.shp")
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        for part in tmp_path.glob("[ab].*"):
            zf.write(part, part.name)
    with pytest.raises(BoundaryError, match="genau ein Shapefile"):
        read_boundaries(two.read_bytes())
    no_prj = tmp_path / "noprj.zip"
    with zipfile.ZipFile(no_prj, "w") as zf:
        for part in tmp_path.glob("a.*"):
            if part.suffix != ".prj":
                zf.write(part, part.name)
    with pytest.raises(BoundaryError, match="kein Koordinatensystem"):
        read_boundaries(no_prj.read_bytes(), name_field="Name")


def test_reimport_stores_display_geometry_and_reports_population_changes(real_data, tmp_path):
    store = Store(tmp_path / "h.duckdb")
    store.ensure_city(SYSTEM, "Hamburg")
    gdf = read_boundaries(real_data / "hamburg_stadtteile.geojson", code_field="id",
                          parent_field="district_name")
    gdf["population"] = pd.array(range(1000, 1000 + len(gdf)), dtype="Int64")
    assert len(store.upsert_districts(SYSTEM, "Hamburg", gdf)["added"]) == 104
    exact = store.districts(SYSTEM, "Hamburg").set_index("code")
    shown = store.districts(SYSTEM, "Hamburg", display=True).set_index("code")
    assert shown.geometry.apply(shapely.get_num_coordinates).sum() < \
        exact.geometry.apply(shapely.get_num_coordinates).sum()
    assert exact.loc["0101", "parent"] == "Hamburg-Mitte"
    changed = gdf.copy()
    changed.loc[changed["code"] == "0101", "population"] = 2500
    report = store.upsert_districts(SYSTEM, "Hamburg", changed)
    assert report["updated"] == ["Hamburg-Altstadt"] and len(report["unchanged"]) == 103
    again = store.districts(SYSTEM, "Hamburg").set_index("code")
    assert again.loc["0101", "population"] == 2500
    assert again.loc["0101", "district_id"] == exact.loc["0101", "district_id"]
    store.close()


def test_display_falls_back_to_exact_geometry_when_not_computed(empty_store):
    empty_store.ensure_city(SYSTEM, "Alt")
    box = shapely.box(10, 51, 10.01, 51.01)
    empty_store.upsert_districts(SYSTEM, "Alt", gpd.GeoDataFrame(
        {"code": ["1"], "name": ["A"], "population": [1], "parent": [None]},
        geometry=[box], crs="EPSG:4326"))
    assert empty_store.districts(SYSTEM, "Alt", display=True).geometry.iloc[0].equals(box)


# ------------------------------------------------------------------ Boston needle pickups
@pytest.fixture(scope="module")
def boston_db(real_data, tmp_path_factory):
    """Boston neighbourhoods + the 2019 needle pickups stored like an outreach upload."""
    path = tmp_path_factory.mktemp("boston") / "boston.duckdb"
    store = Store(path)
    store.ensure_city(SYSTEM, "Boston")
    hoods = read_boundaries(real_data / "boston_neighborhoods.geojson", name_field="Name",
                            code_field="Neighborhood_ID")
    store.upsert_districts(SYSTEM, "Boston", hoods)
    needles = gpd.read_file(real_data / "boston_311_needle_pickups_2019.geojson")
    rows = pd.DataFrame({"lat": needles.geometry.y, "lon": needles.geometry.x,
                         "date": pd.to_datetime(needles["open_dt"], format="%Y/%m/%d %H:%M")
                         .dt.normalize(), "indicator": "spritzenfunde", "count": 1,
                         "note": needles["location_street_name"]})
    rows["district_id"] = geo.assign_districts(rows["lat"], rows["lon"],
                                               store.districts(SYSTEM, "Boston"))
    assert rows["district_id"].notna().all()
    periods = pd.DataFrame({"indicator": ["spritzenfunde"],
                            "start_date": [pd.Timestamp("2018-12-31").date()],
                            "end_date": [pd.Timestamp("2020-01-05").date()]})
    store.insert_upload(SYSTEM, "Boston", "Boston 311", "needles_2019.geojson", "boston2019",
                        rows, periods)
    store.close()
    return path, needles


def test_boston_choropleth_counts_equal_an_independent_spatial_join(boston_db, real_data,
                                                                    monkeypatch):
    path, needles = boston_db
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = Actor("admin", "admin")
    at.run()
    at.switch_page("pages/map.py").run()
    at.selectbox(key="map_period").set_value(52).run()
    assert not at.exception, [e.value for e in at.exception]
    script = json.loads(only(e for e in at.main if e.type == "component_instance")
                        .proto.json_args)["script"]
    shown = {}
    for f in maps.embedded_features(script):          # what the choropleth's tooltips say
        name, value = f["properties"]["tooltip"].split("<br>")
        shown[name.removeprefix("<b>").removesuffix("</b>")] = int(
            value.split(": ")[1].replace(".", "").replace("–", "0"))
    table = frame_with(at, "Stadtteil").set_index("Stadtteil").iloc[:, 0]
    # independent: geopandas.sjoin of the raw points with the (repaired) raw polygons
    hoods = gpd.read_file(real_data / "boston_neighborhoods.geojson")
    hoods["geometry"] = hoods.geometry.make_valid()
    week = pd.Timestamp("2019-12-30")                  # the latest complete ISO week
    start, end = week - pd.Timedelta(weeks=51), week + pd.Timedelta(days=6)
    when = pd.to_datetime(needles["open_dt"], format="%Y/%m/%d %H:%M").dt.normalize()
    inside = needles[(when >= start) & (when <= end)]
    joined = gpd.sjoin(inside, hoods[["Name", "geometry"]], predicate="within")
    expected = joined[~joined.index.duplicated()].groupby("Name").size()
    expected = expected.reindex(hoods["Name"], fill_value=0).to_dict()
    assert shown == expected
    assert {k: int(str(v).replace(".", "")) for k, v in table.items()} == expected
    assert expected["Downtown"] > 1000 and sum(expected.values()) > 6000


# ------------------------------------------------------------------ admin page
@pytest.fixture
def admin_page(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))

    def open_as(role: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["lagebild_actor"] = Actor(role, role, organisation="X")
        at.run()
        at.switch_page("pages/admin_boundaries.py").run()
        return at
    return open_as, demo_db


def test_admin_uploads_boundaries_picks_fields_and_gets_a_change_report(admin_page,
                                                                        real_data):
    open_as, db = admin_page
    at = open_as("admin")
    assert not at.exception and only(at.title).value == "Stadtteilgrenzen und sensible Orte"
    at.selectbox(key="boundaries_city").set_value("\x00new").run()
    at.text_input(key="boundaries_new_city").set_value("Hamburg").run()
    data = (real_data / "hamburg_stadtteile.geojson").read_bytes()
    at.file_uploader(key="boundaries_file").set_value(("hh.geojson", data, "application/json"))
    at.run()
    assert at.selectbox(key="boundaries_name").value == "name"
    assert at.selectbox(key="boundaries_code").value == "id"
    assert at.selectbox(key="boundaries_parent").value == "district_name"   # guessed
    assert with_text(at.subheader, "Vorschau:").value.startswith("Vorschau: 104 Stadtteile")
    assert len(frame_with(at, "Schlüssel", "Name", "Einwohner", "Übergeordneter Bezirk")) == 104
    at.button(key="boundaries_import").click().run()
    assert "neu 104, geändert 0, unverändert 0" in only(at.success).value
    at.button(key="boundaries_import").click().run()         # the same file again
    assert "neu 0, geändert 0, unverändert 104" in only(at.success).value
    store = Store(db)
    d = store.districts(SYSTEM, "Hamburg")
    store.close()
    assert len(d) == 104 and set(d["parent"]) >= {"Hamburg-Mitte", "Wandsbek"}


def test_admin_page_shows_german_errors_for_bad_files(admin_page):
    open_as, _ = admin_page
    at = open_as("admin")
    at.file_uploader(key="boundaries_file").set_value(("x.geojson", b"datum;anzahl\n", "text/csv"))
    at.run()
    assert "kann nicht als Geodatei gelesen werden" in only(at.error).value


@pytest.mark.parametrize("role", ["krisenstab", "outreach", "gast"])
def test_non_admins_get_the_refusal_message(demo_db, monkeypatch, role):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = AppTest.from_file(str(ROOT / "pages" / "admin_boundaries.py"), default_timeout=60)
    at.session_state["lagebild_actor"] = Actor(role, role, organisation="X")
    at.run()
    assert not at.exception
    assert only(at.error).value == "Diese Seite ist für Ihre Rolle nicht freigegeben."
    assert not at.file_uploader and not at.button
