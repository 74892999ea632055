"""Neighbourhood warning on hand-made polygons: shared borders, tiny gaps, corners, CRS."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from lagebild.analytics.neighbours import neighbour_pairs, watch_list
from lagebild.analytics.trends import CITY


def _pairs(geoms, crs="EPSG:25833", tol=5.0):
    gdf = gpd.GeoDataFrame({"district_id": list(range(1, len(geoms) + 1))}, geometry=geoms,
                           crs=crs)
    return sorted(map(tuple, neighbour_pairs(gdf, tol).values.tolist()))


@pytest.mark.parametrize("second, neighbours", [
    (box(1000, 0, 2000, 1000), True),            # shared edge
    (box(1003, 0, 2000, 1000), True),            # 3 m digitising gap < 5 m
    (box(1010, 0, 2000, 1000), False),           # 10 m apart: not neighbours
    (box(999, 0, 2000, 1000), True),             # slight overlap
    (box(1000, 1000, 2000, 2000), True),         # corner point only (intersects)
    (box(5000, 5000, 6000, 6000), False),
])
def test_two_polygons(second, neighbours):
    got = _pairs([box(0, 0, 1000, 1000), second])
    assert got == ([(1, 2), (2, 1)] if neighbours else [])


def test_tolerance_is_in_metres_even_for_wgs84_input():
    # two boxes in lon/lat near 51° N, 0.0001° lon apart ≈ 7 m
    a = box(10.0, 51.0, 10.01, 51.01)
    b = box(10.0101, 51.0, 10.02, 51.01)
    assert _pairs([a, b], crs="EPSG:4326", tol=5) == []
    assert _pairs([a, b], crs="EPSG:4326", tol=10) == [(1, 2), (2, 1)]


def test_ring_of_districts_and_an_enclave():
    centre = box(1000, 1000, 2000, 2000)
    ring = Polygon([(0, 0), (3000, 0), (3000, 3000), (0, 3000)], [[(1000, 1000), (2000, 1000),
                                                                   (2000, 2000), (1000, 2000)]])
    far = box(10_000, 0, 11_000, 1000)
    assert _pairs([centre, ring, far]) == [(1, 2), (2, 1)]


def test_empty_and_missing_geometries_have_no_neighbours():
    gdf = gpd.GeoDataFrame({"district_id": [1, 2, 3]},
                           geometry=[box(0, 0, 1, 1), None, Polygon()], crs="EPSG:25833")
    assert neighbour_pairs(gdf).empty


def test_watch_list_marks_neighbours_of_red_districts_only():
    pairs = pd.DataFrame({"district_id": [1, 2, 2, 3, 3, 4],
                          "neighbour_id": [2, 1, 3, 2, 4, 3]})
    week = pd.DataFrame({"district_id": [1, 2, 3, 4, CITY, 1, 3],
                         "indicator": ["a", "a", "a", "a", "a", "b", "b"],
                         "colour": ["red", "yellow", "red", "green", "red", "green", "red"]})
    got = watch_list(week, pairs).values.tolist()
    # 2 borders red 1 and red 3 (a); 4 borders red 3 (a); 2 and 4 border red 3 (b);
    # the red whole city marks nobody
    assert got == [[2, "a", 1], [2, "a", 3], [2, "b", 3], [4, "a", 3], [4, "b", 3]]
    assert watch_list(week.assign(colour="yellow"), pairs).empty
    both_red = week.assign(colour=["red", "red", "green", "green", "green", "green", "green"])
    assert watch_list(both_red, pairs).values.tolist() == [[3, "a", 2]]   # 1 and 2: red already
