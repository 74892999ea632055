"""`lagebild districts import` on real open-data boundaries (../shared/data/real)."""

import json

import geopandas as gpd
import pytest

from lagebild.access import SYSTEM
from lagebild.cli import main
from lagebild.geo import BoundaryError, area_km2, read_boundaries
from lagebild.store import Store


def test_leipzig_ortsteile_import_via_cli(real_data, tmp_path, capsys):
    db = tmp_path / "l.duckdb"
    rc = main(["districts", "import", str(real_data / "leipzig_ortsteile.geojson"),
               "--city", "Leipzig", "--ags", "14713000", "--name-field", "name",
               "--code-field", "cartodb_id", "--db", str(db)])
    assert rc == 0 and "63 Stadtteile" in capsys.readouterr().out
    store = Store(db)
    d = store.districts(SYSTEM, "Leipzig")
    cities = store.cities(SYSTEM)
    store.close()
    assert len(d) == 63 and d.is_valid.all()
    assert {"Lößnig", "Schönefeld-Ost", "Zentrum"} <= set(d["name"])
    assert cities.loc[0, "ags"] == "14713000"


def test_leipzig_stadtbezirke_are_reprojected_from_utm33n(real_data, tmp_path):
    src = gpd.read_file(real_data / "leipzig_stadtbezirke_utm33n.geojson")
    assert src.crs.to_epsg() == 25833
    gdf = read_boundaries(real_data / "leipzig_stadtbezirke_utm33n.geojson",
                          name_field="Name", code_field="SBZ")
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == 10
    minx, miny, maxx, maxy = gdf.total_bounds          # Leipzig lies near 12.4 E, 51.3 N
    assert 12.2 < minx < maxx < 12.6 and 51.2 < miny < maxy < 51.5
    # area preserved by the reprojection (source CRS is metric)
    src_area = src.set_index("SBZ").area / 1e6
    new_area = area_km2(gdf).set_axis(gdf["code"])
    assert ((new_area / src_area.reindex(new_area.index) - 1).abs() < 0.005).all()


def test_reimport_is_idempotent_and_reports_changes(real_data, tmp_path, capsys):
    db = tmp_path / "l.duckdb"
    args = ["districts", "import", str(real_data / "leipzig_stadtbezirke_utm33n.geojson"),
            "--city", "Leipzig", "--name-field", "Name", "--code-field", "SBZ", "--db", str(db)]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 0
    assert "neu 0, geändert 0, unverändert 10" in capsys.readouterr().out


def test_invalid_geometry_is_repaired(real_data):
    gdf = read_boundaries(real_data / "frankfurt_stadtteile.geojson")
    assert len(gdf) == 46 and gdf.is_valid.all()


def test_unknown_field_gives_german_error(real_data):
    with pytest.raises(BoundaryError, match="Vorhandene Felder"):
        read_boundaries(real_data / "leipzig_ortsteile.geojson", name_field="Bezeichnung")


def test_duplicate_codes_are_refused(tmp_path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": n, "code": "1"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}
        for n in ("A", "B")]}
    path = tmp_path / "d.geojson"
    path.write_text(json.dumps(fc))
    with pytest.raises(BoundaryError, match="mehrfach"):
        read_boundaries(path)


def test_not_a_geofile_is_refused(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text("datum;anzahl\n")
    with pytest.raises(BoundaryError, match="nicht als Geodatei"):
        read_boundaries(path)
