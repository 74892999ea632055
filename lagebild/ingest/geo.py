"""Points to districts: vectorised point-in-polygon.

``locate`` answers for every point (lon/lat in WGS84) which district contains it, whether a
named district contradicts the point, and whether swapping lat/lon would bring an outside
point into the city. Python loops run over districts, never over points.

>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> geoms = prepare(gpd.GeoDataFrame(geometry=[box(12, 51, 13, 52), box(13, 51, 14, 52)],
...                                  crs="EPSG:4326"))
>>> res = locate(np.array([12.5, 13.5, 51.5, 30.0]), np.array([51.5, 51.5, 12.5, 30.0]),
...              geoms, np.array([-1, 0, -1, -1]))
>>> res.pos.tolist(), res.status.tolist(), res.other.tolist()
([0, -1, -1, -1], [0, 3, 2, 1], [-1, 1, 0, -1])
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

OK, OUTSIDE, SWAPPED, CONTRADICTION, CONTRADICTION_OUTSIDE = 0, 1, 2, 3, 4
TOLERANCE_M = 50.0   # GPS noise: a point this close to the named district counts as inside


@dataclass
class Located:
    pos: np.ndarray        # district position per point, -1 if none
    status: np.ndarray     # OK, OUTSIDE, SWAPPED, CONTRADICTION, CONTRADICTION_OUTSIDE
    other: np.ndarray      # SWAPPED: district when swapped; CONTRADICTION: actual district
    distance: np.ndarray   # metres to the named district (contradictions), else NaN


def prepare(districts: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """District geometries in EPSG:4326, invalid ones repaired, positional index."""
    geoms = districts.geometry.reset_index(drop=True)
    if geoms.crs is not None and geoms.crs.to_epsg() != 4326:
        geoms = geoms.to_crs(4326)
    elif geoms.crs is None:
        geoms = geoms.set_crs(4326)
    invalid = geoms.notna() & ~geoms.is_valid
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid].to_numpy())
    return geoms


def has_geometry(geoms: gpd.GeoSeries) -> bool:
    return bool((geoms.notna() & ~geoms.is_empty).any())


def _first_hit(geoms: gpd.GeoSeries, lon, lat, prefer: np.ndarray | None = None) -> np.ndarray:
    """Index of the district containing each point (-1 none); ``prefer`` wins on borders.

    A sweep over the districts: points sorted by longitude once, each district takes the
    slice inside its bounding box (``searchsorted``) and tests it with the prepared polygon
    (``shapely.intersects_xy``). No point objects are built: on a million points this is
    ~10x faster than ``sindex.query`` with points (which spends most of its time creating
    them and testing unprepared complex polygons) and gives the same answer.
    """
    n = len(lon)
    found = np.full(n, -1, dtype="int64")
    if n == 0:
        return found
    polys = geoms.to_numpy()
    shapely.prepare(polys)
    bounds = shapely.bounds(polys)
    order = np.argsort(lon)
    xs = lon[order]
    for gi in range(len(polys) - 1, -1, -1):      # backwards: the lowest index wins
        idx = _in_box(order, xs, lat, bounds[gi])
        if len(idx):
            found[idx[shapely.intersects_xy(polys[gi], lon[idx], lat[idx])]] = gi
    if prefer is not None:
        named = np.flatnonzero(prefer >= 0)
        groups = named[np.argsort(prefer[named], kind="stable")]
        if len(groups):
            keys = prefer[groups]
            cuts = np.flatnonzero(np.diff(keys)) + 1
            for part in np.split(groups, cuts):
                gi = prefer[part[0]]
                found[part[shapely.intersects_xy(polys[gi], lon[part], lat[part])]] = gi
    return found


def _in_box(order: np.ndarray, xs: np.ndarray, lat: np.ndarray, box) -> np.ndarray:
    minx, miny, maxx, maxy = box
    if np.isnan(minx):
        return order[:0]                          # missing or empty geometry
    idx = order[np.searchsorted(xs, minx, "left"):np.searchsorted(xs, maxx, "right")]
    y = lat[idx]
    return idx[(y >= miny) & (y <= maxy)]


def _distance_m(geoms: gpd.GeoSeries, idx: np.ndarray, lon, lat) -> np.ndarray:
    """Metres from each point to the district ``idx`` (local UTM)."""
    if len(idx) == 0:
        return np.zeros(0)
    crs = geoms.estimate_utm_crs()
    polys = geoms.iloc[idx].reset_index(drop=True).to_crs(crs)
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(crs)
    return polys.distance(points, align=False).to_numpy()


def locate(lon: np.ndarray, lat: np.ndarray, geoms: gpd.GeoSeries, named: np.ndarray,
           tolerance_m: float = TOLERANCE_M) -> Located:
    n = len(lon)
    status = np.full(n, OK, dtype="int8")
    other = np.full(n, -1, dtype="int64")
    distance = np.full(n, np.nan)
    found = _first_hit(geoms, lon, lat, prefer=named)
    has_named = named >= 0
    pos = np.where(has_named, named, found)

    # named district contradicted by the point: accept within the tolerance
    check = np.flatnonzero(has_named & (found != named))
    if len(check):
        distance[check] = _distance_m(geoms, named[check], lon[check], lat[check])
        far = check[distance[check] > tolerance_m]
        inside = far[found[far] >= 0]
        status[inside] = CONTRADICTION
        other[inside] = found[inside]
        status[far[found[far] < 0]] = CONTRADICTION_OUTSIDE

    # outside the city (and not excused by the tolerance): would swapping help?
    outside = np.flatnonzero((found < 0) & ((status != OK) | ~has_named))
    if len(outside):
        swapped = _first_hit(geoms, lat[outside], lon[outside])
        hit = swapped >= 0
        status[outside[hit]] = SWAPPED
        other[outside[hit]] = swapped[hit]
        status[outside[~hit & ~has_named[outside]]] = OUTSIDE
    pos = np.where(status == OK, pos, -1)
    return Located(pos, status, other, distance)
