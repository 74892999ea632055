"""Geometry of the fictitious demo city "Musterstadt" (districts, outline, random points).

Everything here is invented: the outline is a wobbly circle of about 15 km diameter around
lat 51.0 / lon 10.0, and the 15 districts are Voronoi cells of hand-placed seed points clipped
to that outline, so they tile the city without gaps or overlaps.

>>> d = demo_districts()
>>> len(d), int(d["population"].sum())
(15, 500000)
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPoint, Polygon

CENTER_LON, CENTER_LAT = 10.0, 51.0
KM_PER_DEG_LAT = 111.32
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(CENTER_LAT))

# code, name, Stadtbezirk (parent), population, seed point x/y in km east/north of the centre.
# All names are invented; no real city's quarters.
DISTRICTS: tuple[tuple[str, str, str, int, float, float], ...] = (
    ("01", "Altstadt", "Innenstadt", 24_000, 0.0, 0.3),
    ("02", "Bahnhofsviertel", "Innenstadt", 18_000, 1.4, -0.9),
    ("03", "Großmarkt", "Innenstadt", 29_000, -1.4, -1.0),
    ("04", "Mühlenviertel", "Innenstadt", 36_000, -0.5, 1.8),
    ("05", "Weidenau", "Nordufer", 33_000, -1.9, 4.5),
    ("06", "Nordheide", "Nordufer", 47_000, 0.6, 4.9),
    ("07", "Lindenhöhe", "Nordufer", 41_000, 3.9, 3.1),
    ("08", "Lerchenfeld", "Osthang", 45_000, 4.5, -0.3),
    ("09", "Ziegelhof", "Osthang", 39_000, 2.8, -4.3),
    ("10", "Schäferwiese", "Osthang", 33_000, 5.6, -2.8),
    ("11", "Sonnenhang", "Südfeld", 36_000, -0.9, -4.9),
    ("12", "Gerberviertel", "Südfeld", 38_000, -4.2, -2.5),
    ("13", "Falkensteg", "Südfeld", 38_000, -5.6, 0.7),
    ("14", "Birkenbrück", "Nordufer", 25_000, -4.9, 3.9),
    ("15", "Weißdornau", "Südfeld", 18_000, -2.8, -5.4),
)


def _outline_km() -> Polygon:
    """Wobbly circle, radius 6.6–7.8 km (about 15 km across)."""
    theta = np.linspace(0.0, 2.0 * np.pi, 72, endpoint=False)
    r = 7.2 + 0.4 * np.sin(3 * theta + 0.5) + 0.2 * np.cos(5 * theta)
    return Polygon(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))


def _km_to_lonlat(geom):
    # x_deg = x_km / KM_PER_DEG_LON + CENTER_LON ; y_deg = y_km / KM_PER_DEG_LAT + CENTER_LAT
    matrix = [1 / KM_PER_DEG_LON, 0, 0, 1 / KM_PER_DEG_LAT, CENTER_LON, CENTER_LAT]
    return affinity.affine_transform(geom, matrix)


def demo_districts() -> gpd.GeoDataFrame:
    """The 15 districts: code, name, population, parent, geometry (EPSG:4326)."""
    outline = _outline_km()
    seeds = MultiPoint([(x, y) for *_, x, y in DISTRICTS])
    cells = shapely.voronoi_polygons(seeds, extend_to=outline, ordered=True).geoms
    geoms = []
    for cell in cells:
        g = _km_to_lonlat(cell.intersection(outline))
        g = shapely.set_precision(g, 1e-7)  # ~1 cm; shared borders snap to identical vertices
        if g.geom_type != "Polygon" or not g.is_valid:
            raise RuntimeError("Demo-Geometrie ungültig")  # guarded by tests
        geoms.append(g)
    return gpd.GeoDataFrame(
        {
            "code": [d[0] for d in DISTRICTS],
            "name": [d[1] for d in DISTRICTS],
            "population": np.array([d[3] for d in DISTRICTS], dtype="int64"),
            "parent": [d[2] for d in DISTRICTS],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def random_points_in(poly: Polygon, n: int, rng: np.random.Generator,
                     center: tuple[float, float] | None = None, sd_m: float = 150.0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random (lon, lat) points inside ``poly`` by rejection sampling.

    Uniform over the polygon's bounding box, or normal around ``center`` (lon, lat) with
    ``sd_m`` metres when given (a hotspot). Returns two float64 arrays (lon, lat).
    """
    lon = np.empty(0)
    lat = np.empty(0)
    if n <= 0:
        return lon, lat
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    while lon.size < n:
        m = max(64, 2 * (n - lon.size))
        if center is None:
            x = rng.uniform(minx, maxx, m)
            y = rng.uniform(miny, maxy, m)
        else:
            x = rng.normal(center[0], sd_m / 1000 / KM_PER_DEG_LON, m)
            y = rng.normal(center[1], sd_m / 1000 / KM_PER_DEG_LAT, m)
        inside = shapely.contains_xy(poly, x, y)
        lon = np.concatenate([lon, x[inside]])
        lat = np.concatenate([lat, y[inside]])
    return lon[:n], lat[:n]
