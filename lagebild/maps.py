"""Pure map builders: frames in, folium Map / HTML out. No Streamlit, no database.

Privacy and offline rules: Leaflet is served by the app itself (``static/vendor``, fetched
from the npm registry at set-up); no other JavaScript or CSS is referenced; no basemap unless
one is configured. Every value reaching the map is escaped with :func:`escape_map_text`.
"""

from __future__ import annotations

import html
import json
import re

import branca.element
import folium
import geopandas as gpd
import numpy as np
import pandas as pd

ASSET_BASE = "/app/static/vendor"
PALETTE = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]   # light → dark (b/w print)
NO_DATA = "#d9d9d9"
_JS_ESCAPES = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}


def escape_map_text(value) -> str:
    """Escape a value for HTML *and* for folium's JavaScript template strings.

    >>> escape_map_text("<img src=x onerror=alert(1)>${alert(2)}`\\\\")
    '&lt;img src=x onerror=alert(1)&gt;&#36;{alert(2)}&#96;&#92;&#92;'
    """
    text = html.escape("" if value is None else str(value), quote=True)
    return "".join(_JS_ESCAPES.get(c, c) for c in text)


def local_assets(element, asset_base: str = ASSET_BASE, plugins: tuple[str, ...] = ()) -> None:
    """Point an element's JS/CSS at the self-hosted copies; drop every other library."""
    element.default_js = [("leaflet", f"{asset_base}/leaflet/leaflet.js")]
    element.default_css = [("leaflet_css", f"{asset_base}/leaflet/leaflet.css")]
    if "markercluster" in plugins:
        element.default_js = element.default_js + [
            ("markercluster", f"{asset_base}/markercluster/leaflet.markercluster.js")]
        element.default_css = element.default_css + [
            ("markercluster_css", f"{asset_base}/markercluster/MarkerCluster.css"),
            ("markercluster_default_css", f"{asset_base}/markercluster/MarkerCluster.Default.css")]
    if "heat" in plugins:
        element.default_js = element.default_js + [("heat", f"{asset_base}/heat/leaflet-heat.js")]


def base_map(districts: gpd.GeoDataFrame, basemap_url: str = "", attribution: str = "",
             asset_base: str = ASSET_BASE) -> folium.Map:
    """An empty map fitted to the districts; a tile layer only if ``basemap_url`` is set."""
    minx, miny, maxx, maxy = districts.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                   zoom_control=True, control_scale=True)
    local_assets(m, asset_base)
    if basemap_url:
        folium.TileLayer(tiles=basemap_url, attr=escape_map_text(attribution or "Basiskarte"),
                         name="Basiskarte").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def class_breaks(values: pd.Series, k: int = 5) -> list[float]:
    """Up to ``k`` classes from rounded quantiles of the non-missing values (ascending upper
    bounds; the last is the maximum).

    >>> class_breaks(pd.Series([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
    [2.0, 4.0, 5.0, 7.0, 9.0]
    """
    v = pd.Series(values, dtype="float64").dropna()
    if v.empty:
        return []
    qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:])
    breaks = sorted(set(float(round(q, 1 if v.max() < 10 else 0)) for q in qs))
    breaks[-1] = float(v.max())
    return breaks


def colour_for(value: float, breaks: list[float]) -> str:
    if value is None or pd.isna(value) or not breaks:
        return NO_DATA
    for i, upper in enumerate(breaks):
        if value <= upper:
            return PALETTE[min(i + len(PALETTE) - len(breaks), len(PALETTE) - 1)]
    return PALETTE[-1]


def choropleth(districts: gpd.GeoDataFrame, values: pd.Series, *, title: str,
               value_format=lambda v: "–" if pd.isna(v) else f"{v:g}",
               colours: pd.Series | None = None, legend: list[tuple[str, str]] | None = None,
               basemap_url: str = "", attribution: str = "",
               asset_base: str = ASSET_BASE) -> folium.Map:
    """Districts coloured by ``values`` (indexed like ``districts``' ``district_id``).

    The tooltip shows the district name and its formatted value, both escaped. ``colours``
    (same index) overrides the class colours, e.g. for alert colours; then ``legend`` gives
    the (colour, label) entries.
    """
    m = base_map(districts, basemap_url, attribution, asset_base)
    vals = values.reindex(districts["district_id"]).to_numpy()
    breaks = class_breaks(pd.Series(vals))
    if colours is None:
        fill = [colour_for(v, breaks) for v in vals]
        legend = _class_legend(breaks, value_format)
    else:
        fill = [colours.get(d, NO_DATA) for d in districts["district_id"]]
    shapes = gpd.GeoDataFrame({
        "district_id": districts["district_id"].astype(str),
        "tooltip": [f"<b>{escape_map_text(n)}</b><br>{escape_map_text(title)}: "
                    f"{escape_map_text(value_format(v))}"
                    for n, v in zip(districts["name"], vals)],
        "fill": fill,
    }, geometry=districts.geometry.values, crs=districts.crs)
    folium.GeoJson(
        shapes.to_json(),
        name=escape_map_text(title),
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#333333",
                                  "weight": 1, "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    ).add_to(m)
    if legend:
        _add_legend(m, escape_map_text(title), legend)
    return m


def _class_legend(breaks: list[float], fmt) -> list[tuple[str, str]]:
    """Legend entries; whole-number breaks give '3', '4 – 7' instead of overlapping ranges."""
    entries = []
    offset = len(PALETTE) - len(breaks)
    integral = all(float(b).is_integer() for b in breaks)
    for i, upper in enumerate(breaks):
        if i == 0:
            label = f"≤ {fmt(upper)}"
        else:
            lower = breaks[i - 1] + 1 if integral else breaks[i - 1]
            prefix = "" if integral else "> "
            label = (fmt(upper) if integral and lower == upper
                     else f"{prefix}{fmt(lower)} – {fmt(upper)}")
        entries.append((PALETTE[i + offset], label))
    entries.append((NO_DATA, "keine Meldung"))
    return entries


def _add_legend(m: folium.Map, title: str, entries: list[tuple[str, str]]) -> None:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
        f'border:1px solid #333;margin-right:6px"></span>{escape_map_text(label)}</div>'
        for c, label in entries)
    box = (f'<div class="lagebild-legend" style="position:absolute;bottom:18px;right:10px;'
           f'z-index:1000;background:white;padding:6px 8px;border:1px solid #999;'
           f'font:12px sans-serif"><b>{title}</b>{rows}</div>')
    m.get_root().html.add_child(branca.element.Element(box))


def to_html(m: folium.Map) -> str:
    """Standalone HTML of a map (for ``st.iframe`` and the briefing)."""
    return m.get_root().render()


def geojson_features(html_text: str) -> int:
    """Number of GeoJSON features embedded in a rendered map (used by tests/benchmarks)."""
    count = 0
    for match in re.finditer(r"_add\((\{.*?\})\);\s*$", html_text, flags=re.M):
        data = json.loads(match.group(1))
        if data.get("type") == "FeatureCollection":
            count += len(data["features"])
    return count
