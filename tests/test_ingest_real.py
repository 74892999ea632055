"""Real data: Boston 311 needle pickups 2019 (6,269 points) into Boston's neighbourhoods.

The upload is built the way an outreach service would export it: one row per pickup with
``lat``/``lon``, indicator ``spritzenfunde``, no district and no count column. The imported
per-neighbourhood totals must equal an independent geopandas spatial join.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import REAL  # noqa: E402

from lagebild.access import SYSTEM  # noqa: E402
from lagebild.ingest.importer import import_file  # noqa: E402
from lagebild.store import Store  # noqa: E402

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def boston():
    assert REAL.is_dir(), f"../shared/data/real fehlt ({REAL})"
    hoods = gpd.read_file(REAL / "boston_neighborhoods.geojson")
    assert (~hoods.is_valid).sum() == 1, "the source has exactly one invalid geometry"
    hoods["geometry"] = shapely.make_valid(hoods.geometry.to_numpy())
    assert hoods.is_valid.all()
    districts = gpd.GeoDataFrame({"code": hoods["Neighborhood_ID"].astype(str),
                                  "name": hoods["Name"], "population": pd.NA,
                                  "parent": pd.NA}, geometry=hoods.geometry, crs="EPSG:4326")
    needles = gpd.read_file(REAL / "boston_311_needle_pickups_2019.geojson")
    return districts, needles


def _upload(needles: gpd.GeoDataFrame) -> bytes:
    day = pd.to_datetime(needles["open_dt"], format="%Y/%m/%d %H:%M").dt.strftime("%Y-%m-%d")
    frame = pd.DataFrame({"datum": day, "lat": needles.geometry.y, "lon": needles.geometry.x,
                          "indikator": "spritzenfunde"})
    return frame.to_csv(sep=";", index=False).encode("utf-8")


def test_boston_needles_match_an_independent_spatial_join(boston, tmp_path):
    districts, needles = boston
    store = Store(tmp_path / "boston.duckdb")
    store.ensure_city(SYSTEM, "Boston")
    store.upsert_districts(SYSTEM, "Boston", districts)
    data = _upload(needles)

    outcome = import_file(store, SYSTEM, "Boston", "Boston 311", data, "needles_2019.csv",
                          today=TODAY)
    assert outcome.status == "imported", outcome.errors[:5]
    assert outcome.rows == len(needles) == 6269

    # independent answer: sjoin of the raw points with the repaired polygons
    joined = gpd.sjoin(needles[["geometry"]], districts[["code", "name", "geometry"]],
                       predicate="within", how="inner")
    assert not joined.index.duplicated().any() and len(joined) == len(needles)
    expected = joined.groupby("name").size().astype(int).to_dict()

    assert outcome.totals == {"spritzenfunde": len(needles)}
    got = {name: counts["spritzenfunde"] for name, counts in outcome.by_district.items()}
    assert got == expected

    stored = store.observations(SYSTEM, "Boston")
    code_to_name = dict(zip(districts["code"], districts["name"]))
    by_code = stored.groupby("district_code")["count"].sum()
    assert {code_to_name[c]: int(n) for c, n in by_code.items()} == expected
    weekly = store.weekly_counts(SYSTEM, "Boston", ["spritzenfunde"])
    assert int(weekly["count"].sum()) == len(needles)
    # figures documented in shared/data/real/SOURCES.md
    assert (expected["Downtown"], expected["South End"], expected["Roxbury"]) == \
        (1948, 1561, 965)
    weeks = pd.to_datetime(store.coverage(SYSTEM, "Boston")["week"])
    assert weeks.min() == pd.Timestamp("2018-12-31")          # ISO week of 2019-01-01
    assert weeks.max() == pd.Timestamp("2019-10-07")          # ISO week of 2019-10-12
    store.close()
