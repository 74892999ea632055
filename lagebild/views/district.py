"""View models of the district detail page (pure: frames in, translated frames out).

>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> d = gpd.GeoDataFrame({"district_id": [1, 2]}, geometry=[box(12.0, 51.0, 12.01, 51.01),
...                      box(12.01, 51.0, 12.02, 51.01)], crs="EPSG:4326")
>>> p = pd.DataFrame({"name": ["Kita A", "Schule B", "Spielplatz C"], "kind": "kita",
...                   "lat": [51.005, 51.005, 51.005], "lon": [12.005, 12.0105, 12.019]})
>>> places_near(p, d, 1, buffer_m=100)[["name", "distance_m"]].values.tolist()
[['Kita A', 0], ['Schule B', 35]]
"""

from __future__ import annotations

import pandas as pd

from lagebild import privacy
from lagebild.analytics.trends import iso_label
from lagebild.i18n import fmt_change, fmt_number, t


def places_near(places: pd.DataFrame, districts, district_id: int,
                buffer_m: float = 250) -> pd.DataFrame:
    """Places inside the district (distance 0) or at most ``buffer_m`` metres outside it,
    nearest first: name, kind, lat, lon, distance_m (whole metres)."""
    cols = ["name", "kind", "lat", "lon", "distance_m"]
    if places is None or places.empty:
        return pd.DataFrame(columns=cols)
    import geopandas as gpd

    from lagebild.geo import WGS84, metric_crs
    crs = metric_crs(districts)
    shape = districts[districts["district_id"] == district_id].to_crs(crs).geometry
    if shape.empty:
        return pd.DataFrame(columns=cols)
    area = shape.union_all()
    pts = gpd.GeoSeries(gpd.points_from_xy(places["lon"], places["lat"]), crs=WGS84,
                        index=places.index).to_crs(crs)
    dist = pts.distance(area).round().astype(int)
    out = places.assign(distance_m=dist.to_numpy())[cols]
    out = out[out["distance_m"] <= buffer_m]
    return out.sort_values(["distance_m", "name"]).reset_index(drop=True)


def indicator_rows(summary: pd.DataFrame, catalog, district_id, lang: str = "de",
                   k: int | None = None) -> pd.DataFrame:
    """Every indicator of one district in the report week: count, previous week, 8-week
    mean, change against the mean. With ``k`` (restricted view) person-related counts are
    suppressed exactly as in the district matrix of the overview (the column of all
    districts of that week: primary "< k" and complementary "×"); their mean and change are
    not shown."""
    rows = []
    body = summary[summary["district_id"] != "__city__"]
    for ind in catalog:
        part = body[body["indicator"] == ind.key].set_index("district_id")
        if district_id not in part.index:
            continue
        r = part.loc[district_id]
        if k and ind.person_related:
            cur = privacy.suppress_column(part["current"], k)
            prev = privacy.suppress_column(part["previous"], k)
            fmt = lambda v: fmt_number(v, lang)   # noqa: E731
            rows.append([ind.label(lang), privacy.display(r["current"], cur[district_id], k, fmt),
                         privacy.display(r["previous"], prev[district_id], k, fmt), "–", "–"])
            continue
        rows.append([ind.label(lang), _n(r["current"], lang), _n(r["previous"], lang),
                     _n(r["mean8"], lang, 1), fmt_change(r["current"], r["mean8"], lang)])
    cols = ["indicator", "current", "previous", "mean8", "change"]
    return pd.DataFrame(rows, columns=[t(f"measures.district.col.{c}", lang) for c in cols])


def _n(value, lang: str, decimals: int = 0) -> str:
    return t("app.not_reported", lang) if pd.isna(value) else fmt_number(value, lang, decimals)


def week_caption(week, lang: str = "de") -> str:
    return t("measures.district.week_caption", lang, week=iso_label(week, lang))
