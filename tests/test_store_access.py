"""Enforcement below the pages: organisation A's outreach user never gets B's rows."""

from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from lagebild.access import SYSTEM, AccessDenied, Actor
from lagebild.catalog import load_catalog

A = Actor("a", "outreach", cities=frozenset({"Teststadt"}), organisation="Streetwork A")
B = Actor("b", "outreach", cities=frozenset({"Teststadt"}), organisation="Drogenhilfe B")
GAST = Actor("g", "gast", cities=frozenset({"Teststadt"}))


@pytest.fixture
def store(empty_store):
    empty_store.ensure_city(SYSTEM, "Teststadt")
    empty_store.upsert_districts(SYSTEM, "Teststadt", gpd.GeoDataFrame(
        {"code": ["1"], "name": ["Altstadt"], "population": [1000], "parent": [None]},
        geometry=[box(10, 51, 10.1, 51.1)], crs="EPSG:4326"))
    did = int(empty_store.districts(SYSTEM, "Teststadt")["district_id"].iloc[0])
    for actor, note in ((A, "von A"), (B, "von B")):
        rows = pd.DataFrame({"district_id": [did], "indicator": ["spritzenfunde"],
                             "date": [pd.Timestamp("2026-11-02")], "count": [1],
                             "lat": [51.05], "lon": [10.05], "note": [note]})
        periods = pd.DataFrame({"indicator": ["spritzenfunde"],
                                "start_date": [date(2026, 11, 2)], "end_date": [date(2026, 11, 2)]})
        empty_store.insert_upload(actor, "Teststadt", actor.organisation, "f.csv",
                                  f"hash-{actor.username}", rows, periods)
    return empty_store


def test_row_level_methods_never_return_the_other_organisation(store):
    assert set(store.uploads(A, "Teststadt")["organisation"]) == {"Streetwork A"}
    assert set(store.observations(A, "Teststadt")["note"]) == {"von A"}
    pts = store.points(A, "Teststadt", "spritzenfunde", date(2026, 1, 1), date(2026, 12, 31),
                       load_catalog())
    assert list(pts["note"]) == ["von A"]
    assert store.upload_by_hash(A, "Teststadt", "hash-b") is None
    b_upload = int(store.uploads(B, "Teststadt")["upload_id"].iloc[0])
    with pytest.raises(AccessDenied):
        store.withdraw_upload(A, "Teststadt", b_upload)
    with pytest.raises(AccessDenied):
        store.audit_log(A)


def test_outreach_reads_the_aggregated_picture(store):
    weekly = store.weekly_counts(A, "Teststadt")
    assert list(weekly.columns) == ["district_id", "indicator", "week", "count"]
    assert weekly["count"].sum() == 2          # aggregated over both organisations, no rows


def test_gast_gets_no_row_level_data(store):
    with pytest.raises(AccessDenied):
        store.observations(GAST, "Teststadt")
    with pytest.raises(AccessDenied):
        store.points(GAST, "Teststadt", "spritzenfunde", date(2026, 1, 1), date(2026, 12, 31),
                     load_catalog())
    assert store.uploads(GAST, "Teststadt").empty


def test_other_city_is_invisible(store):
    other = Actor("x", "krisenstab", cities=frozenset({"Anderswo"}))
    assert store.cities(other).empty
    with pytest.raises(AccessDenied):
        store.weekly_counts(other, "Teststadt")
