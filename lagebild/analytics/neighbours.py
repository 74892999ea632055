"""Nachbarschaft von Stadtteilen und die Warnung „Nachbarschaft beobachten“.

Zwei Stadtteile sind Nachbarn, wenn ihre Flächen höchstens ``tolerance_m`` Meter
auseinander liegen (gemeinsame Grenze; die Toleranz fängt Digitalisierungslücken ab).
Gerechnet wird in einem metrischen Koordinatensystem (UTM-Zone der Stadt).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from lagebild.analytics.trends import CITY

PAIR_COLUMNS = ["district_id", "neighbour_id"]


def neighbour_pairs(districts: gpd.GeoDataFrame, tolerance_m: float = 5.0) -> pd.DataFrame:
    """Alle Nachbarpaare (beide Richtungen), Spalten district_id, neighbour_id.

    ``districts``: GeoDataFrame mit ``district_id`` und Geometrie (beliebiges CRS; ohne CRS
    gelten die Koordinaten als Meter). Leere Geometrien haben keine Nachbarn.

    >>> from shapely.geometry import box
    >>> d = gpd.GeoDataFrame({"district_id": [1, 2, 3]},
    ...     geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10), box(30, 0, 40, 10)])
    >>> neighbour_pairs(d).values.tolist()
    [[1, 2], [2, 1]]
    """
    geom = districts.geometry
    gdf = districts[~geom.isna().to_numpy() & ~geom.is_empty.fillna(True).to_numpy()]
    if gdf.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    if gdf.crs is not None and gdf.crs.is_geographic:
        gdf = gdf.to_crs(gdf.estimate_utm_crs())
    geoms = gdf.geometry.make_valid()
    left, right = geoms.sindex.query(geoms, predicate="dwithin", distance=float(tolerance_m))
    keep = left != right
    ids = gdf["district_id"].to_numpy()
    pairs = pd.DataFrame({"district_id": ids[left[keep]], "neighbour_id": ids[right[keep]]})
    return pairs.drop_duplicates().sort_values(PAIR_COLUMNS).reset_index(drop=True)


def watch_list(week_signals: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Stadtteile, die an einen für denselben Indikator roten Stadtteil grenzen.

    ``week_signals``: Signale *einer* Woche (district_id, indicator, colour). Rückgabe:
    district_id, indicator, source_id (der rote Nachbar) – nur für Stadtteile, die bei diesem
    Indikator selbst nicht rot sind; die Gesamtstadt zählt nicht.

    >>> s = pd.DataFrame({"district_id": [1, 2, 3], "indicator": "a",
    ...                   "colour": ["red", "green", "yellow"]})
    >>> p = pd.DataFrame({"district_id": [1, 2, 2, 3], "neighbour_id": [2, 1, 3, 2]})
    >>> watch_list(s, p).values.tolist()
    [[2, 'a', 1]]
    """
    red = week_signals[(week_signals["colour"] == "red") & (week_signals["district_id"] != CITY)]
    cols = ["district_id", "indicator", "source_id"]
    if red.empty or pairs.empty:
        return pd.DataFrame(columns=cols)
    hits = red[["district_id", "indicator"]].merge(
        pairs.rename(columns={"district_id": "source_id", "neighbour_id": "target"}),
        left_on="district_id", right_on="source_id")
    hits = hits.drop(columns="district_id").rename(columns={"target": "district_id"})
    red_keys = set(zip(red["district_id"], red["indicator"]))
    own_red = np.array([(d, i) in red_keys for d, i in zip(hits["district_id"],
                                                           hits["indicator"])], dtype=bool)
    return hits.loc[~own_red, cols].sort_values(cols).reset_index(drop=True)
