"""A state-sized synthetic data set for load tests and benchmarks (``lagebild demo --scale
large``): four invented cities with 200 districts in all, ten years of daily counts for every
indicator of the catalogue, one row per district, indicator and day (zeros included), about
5.1 million observations. Pure and deterministic (same seed, same numbers); no database here
(``seed.create_large_demo`` stores it).

The counts follow the demo profiles (weekday pattern, payday effect, summer peak, slow
trend) with a district level drawn once, week-to-week extra variation and, in one series
out of ten, a three-week outbreak. Rows carry district counts only — no coordinates — so the
map shows choropleths; the point benchmarks generate their own points.

>>> city = large_cities()[0]
>>> city.name, len(city.districts), city.districts["name"].iloc[0]
('Nordhafen (Demo groß)', 60, 'Nordhafen-01')
>>> frame = large_observations(city, load_catalog_keys(), days=14)
>>> len(frame) == 60 * len(load_catalog_keys()) * 14
True
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from lagebild.demo.city import GENERIC, PROFILES, expected_counts

END = date(2026, 11, 15)          # a Sunday: complete ISO weeks
YEARS = 10
# name, districts, centre (lon, lat), inhabitants
CITIES = (("Nordhafen (Demo groß)", 60, (10.0, 53.6), 900_000),
          ("Kesselberg (Demo groß)", 50, (9.2, 48.8), 600_000),
          ("Auenstadt (Demo groß)", 50, (12.4, 51.3), 550_000),
          ("Lindenau-Land (Demo groß)", 40, (7.0, 51.45), 350_000))
ORGANISATION = "Datengenerator (Demo groß)"
CELL_KM = 1.6


@dataclass(frozen=True)
class LargeCity:
    name: str
    districts: gpd.GeoDataFrame       # code, name, population, parent, geometry
    seed: int


def load_catalog_keys() -> list[str]:
    from lagebild.catalog import load_catalog
    return [i.key for i in load_catalog()]


def large_cities(seed: int = 42) -> list[LargeCity]:
    """The four cities with square districts on a grid around their centre."""
    out = []
    for number, (name, n, (lon0, lat0), people) in enumerate(CITIES):
        rng = np.random.default_rng([seed, number, 1])
        cols = int(np.ceil(np.sqrt(n)))
        dlat = CELL_KM / 111.32
        dlon = CELL_KM / (111.32 * np.cos(np.radians(lat0)))
        geoms = []
        for i in range(n):
            r, c = divmod(i, cols)
            x = lon0 + (c - cols / 2) * dlon
            y = lat0 + (r - cols / 2) * dlat
            geoms.append(box(round(x, 6), round(y, 6), round(x + dlon, 6), round(y + dlat, 6)))
        weights = rng.lognormal(0.0, 0.5, n)
        population = np.maximum(1000, np.round(people * weights / weights.sum())).astype("int64")
        short = name.split(" (")[0]
        districts = gpd.GeoDataFrame(
            {"code": [f"{i + 1:03d}" for i in range(n)],
             "name": [f"{short}-{i + 1:02d}" for i in range(n)],
             "population": population, "parent": [None] * n},
            geometry=geoms, crs="EPSG:4326")
        out.append(LargeCity(name, districts, seed * 1000 + number))
    return out


def large_observations(city: LargeCity, keys: list[str], days: int | None = None
                       ) -> pd.DataFrame:
    """district_code, indicator, date, count: every district × indicator × day."""
    first = END - timedelta(days=round(365.25 * YEARS) - 1)
    first -= timedelta(days=first.weekday())
    dates = pd.date_range(pd.Timestamp(first), pd.Timestamp(END), freq="D").as_unit("ns")
    if days is not None:
        dates = dates[-days:]
    d = city.districts
    people = d["population"].to_numpy(dtype=float)
    size = people.sum() / 600_000                  # the demo profiles fit ~600 000 people
    frames, tests = [], None
    order = sorted(keys, key=lambda k: k != "schnelltests")   # positives need the tests
    for key in order:
        rng = np.random.default_rng([city.seed, zlib.crc32(key.encode())])
        profile = PROFILES.get(key, GENERIC)
        level = rng.lognormal(0.0, 0.6, len(d)) * people
        shares = level / level.sum()
        mean = expected_counts(profile, shares, dates) * size
        weeks = (np.arange(len(dates)) // 7)
        noise = rng.lognormal(0.0, max(profile.cv, 0.05), (len(d), weeks[-1] + 1))[:, weeks]
        mean = mean * noise
        burst = rng.random(len(d)) < 0.1            # one series in ten: a 3-week outbreak
        start = rng.integers(0, max(1, len(dates) - 21), len(d))
        for i in np.flatnonzero(burst):
            mean[i, start[i]:start[i] + 21] *= 3.0
        if key == "schnelltests_positiv" and tests is not None:
            counts = rng.binomial(tests, 0.06)
        else:
            counts = rng.poisson(mean)
        if key == "schnelltests":
            tests = counts
        frames.append(pd.DataFrame({
            "district_code": np.repeat(d["code"].to_numpy(), len(dates)),
            "indicator": pd.Categorical.from_codes(np.zeros(counts.size, dtype="int8"),
                                                   categories=[key]),
            "date": np.tile(dates.to_numpy(), len(d)),
            "count": counts.ravel().astype("int64")}))
    out = pd.concat(frames, ignore_index=True)
    out["indicator"] = out["indicator"].astype("str")
    return out
