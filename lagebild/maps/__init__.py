"""Pure map builders: frames in, folium Map / HTML out. No Streamlit, no database.

Privacy and offline rules: Leaflet and its plugins are served by the app itself
(``static/vendor``, fetched from the npm registry at set-up); no other JavaScript or CSS is
referenced; no basemap unless one is configured. Every value reaching the map is escaped
with :func:`escape_map_text`; points and places travel as compact JSON arrays, never as one
folium object per point.
"""

from __future__ import annotations

import html
import json
import re

import branca.element
from branca.element import MacroElement
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from jinja2 import Template

ASSET_BASE = "/app/static/vendor"
PALETTE = ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"]   # light → dark (b/w print)
NO_DATA = "#d9d9d9"      # nobody reported
ZERO = "#ffffff"         # reported, no case: a class of its own
SUPPRESSED = "#9e9ac8"   # hidden in a restricted view: violet, unlike the grey of no report
PLACE_COLOURS = {"kita": "#1f78b4", "schule": "#6a3d9a", "spielplatz": "#33a02c",
                 "jugend": "#ff7f00", "konsumraum": "#e31a1c", "drugchecking": "#b15928",
                 "streetwork": "#fb9a99", "sonstige": "#555555"}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# ` $ \ break out of folium's JS template strings; { } would be evaluated by Jinja: branca
# wraps every rendered script in a new Template and renders it a second time.
_JS_ESCAPES = {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}


def escape_map_text(value) -> str:
    """Escape a value for HTML, for folium's JavaScript template strings and for the
    second Jinja pass of branca (``{{ … }}`` in a name would otherwise run on the server).

    >>> escape_map_text("<img src=x onerror=alert(1)>${alert(2)}`\\\\")
    '&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;&#92;'
    >>> escape_map_text("{{ 7*7 }}")
    '&#123;&#123; 7*7 &#125;&#125;'
    """
    text = html.escape("" if value is None else str(value), quote=True)
    return "".join(_JS_ESCAPES.get(c, c) for c in text)


def safe_colour(value, default: str = NO_DATA) -> str:
    """A ``#rrggbb`` colour or ``default`` (colours from elsewhere never reach CSS raw).

    >>> safe_colour("#E31A1C"), safe_colour("red;background:url(x)")
    ('#E31A1C', '#d9d9d9')
    """
    return value if isinstance(value, str) and _HEX.match(value) else default


def local_assets(element, asset_base: str = ASSET_BASE, plugins: tuple[str, ...] = ()) -> None:
    """Point an element's JS/CSS at the self-hosted copies; drop every other library.

    Leaflet comes first, then the named plugins (``markercluster``, ``heat``)."""
    js = [("leaflet", f"{asset_base}/leaflet/leaflet.js")]
    css = [("leaflet_css", f"{asset_base}/leaflet/leaflet.css")]
    if "markercluster" in plugins:
        js.append(("markercluster", f"{asset_base}/markercluster/leaflet.markercluster.js"))
        css += [("markercluster_css", f"{asset_base}/markercluster/MarkerCluster.css"),
                ("markercluster_default_css",
                 f"{asset_base}/markercluster/MarkerCluster.Default.css")]
    if "heat" in plugins:
        js.append(("heat", f"{asset_base}/heat/leaflet-heat.js"))
    element.default_js, element.default_css = js, css


VENDOR_FILES = ("leaflet/leaflet.js", "leaflet/leaflet.css", "markercluster/leaflet.markercluster.js",
                "heat/leaflet-heat.js")


def missing_assets(static_dir) -> list[str]:
    """The self-hosted map files missing under ``static_dir`` (``static/`` next to app.py):
    without them the map area stays blank, so the page says which and how to fetch them."""
    from pathlib import Path
    return [f"static/vendor/{f}" for f in VENDOR_FILES
            if not (Path(static_dir) / "vendor" / f).is_file()]


class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only."""
    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


def base_map(districts: gpd.GeoDataFrame, basemap_url: str = "", attribution: str = "",
             asset_base: str = ASSET_BASE) -> folium.Map:
    """An empty map fitted to the districts; a tile layer only if ``basemap_url`` is set."""
    minx, miny, maxx, maxy = districts.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], tiles=None,
                   zoom_control=True, control_scale=False)
    MetricScale().add_to(m)          # folium's own scale adds miles ("2 mi")
    m.options["max_zoom"] = 19        # on the map itself: marker clusters need it (no tiles)
    local_assets(m, asset_base)
    if basemap_url:
        folium.TileLayer(tiles=basemap_url, attr=escape_map_text(attribution or "Basiskarte"),
                         name="Basiskarte").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def class_breaks(values: pd.Series, k: int = 5) -> list[float]:
    """Up to ``k`` classes of the positive values (0 is a class of its own, see
    :func:`class_colours`): ascending upper bounds from quantiles, the last the maximum.
    Whole numbers (counts) get whole-number bounds; rates keep one decimal below 10.

    >>> class_breaks(pd.Series(range(20)))
    [5.0, 9.0, 12.0, 16.0, 19.0]
    >>> class_breaks(pd.Series([0, 0, 1, 1, 2, 3]))      # counts: whole numbers, no 0,5
    [1.0, 2.0, 3.0]
    >>> class_breaks(pd.Series([0.4, 2.1, 5.3, 7.7, 9.9]))     # rates: one decimal
    [1.8, 4.0, 6.3, 8.1, 9.9]
    """
    v = pd.Series(values, dtype="float64").dropna()
    v = v[v > 0]
    if v.empty:
        return []
    qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:-1])        # the k-th bound is the maximum
    if _whole(v):
        breaks = sorted(set(float(np.ceil(q)) for q in qs))
    else:
        breaks = sorted(set(float(round(q, 1 if v.max() < 10 else 0)) for q in qs))
    breaks = [b for b in breaks if b < v.max()] + [float(v.max())]
    return breaks


def _whole(values: pd.Series) -> bool:
    v = pd.Series(values, dtype="float64").dropna()
    return bool((v == v.round()).all())


def class_of(value: float, breaks: list[float]) -> int | None:
    """Index of the class of ``value``: -1 for 0, None for missing, else 0 … len−1."""
    if value is None or pd.isna(value) or not breaks:
        return None if value is None or pd.isna(value) else (-1 if value == 0 else None)
    if value == 0:
        return -1
    for i, upper in enumerate(breaks):
        if value <= upper:
            return i
    return len(breaks) - 1


def colour_for(value: float, breaks: list[float]) -> str:
    i = class_of(value, breaks)
    if i is None:
        return NO_DATA
    if i == -1:
        return ZERO
    return PALETTE[min(i + len(PALETTE) - len(breaks), len(PALETTE) - 1)]


def class_colours(values: pd.Series, value_format=lambda v: f"{v:g}",
                  no_data_label: str = "keine Meldung"
                  ) -> tuple[pd.Series, list[tuple[str, str]]]:
    """Class colour per value (same index) and the legend of the classes.

    0 is its own class ("no case" is not the lightest shade of "some"); each legend label
    names the smallest and largest value in its class, so every label contains its values
    (2,1 never falls into a class labelled "3") and classes never overlap.

    >>> c, legend = class_colours(pd.Series([0.0, 1.0, None, 9.0]))
    >>> list(c)
    ['#ffffff', '#ffffcc', '#d9d9d9', '#800026']
    >>> legend
    [('#ffffff', '0'), ('#ffffcc', '1'), ('#800026', '9'), ('#d9d9d9', 'keine Meldung')]
    """
    breaks = class_breaks(values)
    classes = pd.Series([class_of(v, breaks) for v in values], index=values.index,
                        dtype=object)
    colours = pd.Series([colour_for(v, breaks) for v in values], index=values.index)
    entries = []
    for i in [-1, *range(len(breaks))]:
        members = pd.Series(values)[(classes == i).to_numpy()]
        if members.empty:
            continue
        lo, hi = members.min(), members.max()
        label = value_format(lo) if lo == hi else f"{value_format(lo)} – {value_format(hi)}"
        entries.append((colour_for(lo, breaks), label))
    entries.append((NO_DATA, no_data_label))
    return colours, entries


def choropleth(districts: gpd.GeoDataFrame, values: pd.Series, *, title: str,
               value_format=lambda v: "–" if pd.isna(v) else f"{v:g}",
               labels: pd.Series | None = None, colours: pd.Series | None = None,
               legend: list[tuple[str, str]] | None = None,
               no_data_label: str = "keine Meldung", basemap_url: str = "",
               attribution: str = "", asset_base: str = ASSET_BASE) -> folium.Map:
    """Districts coloured by ``values`` (indexed like ``districts``' ``district_id``).

    The tooltip shows the district name and its value — ``labels`` (same index, text) or
    ``value_format(value)`` — both escaped; every feature carries its ``district_id`` (a
    click on it tells the page which district). ``colours`` (same index, ``#rrggbb``)
    overrides the class colours, e.g. for alert colours; then ``legend`` gives the
    (colour, label) entries.
    """
    m = base_map(districts, basemap_url, attribution, asset_base)
    ids = districts["district_id"]
    vals = values.reindex(ids)
    if colours is None:
        colours, legend = class_colours(vals, value_format, no_data_label)
    fill = [safe_colour(colours.get(d, NO_DATA)) for d in ids]
    texts = (labels.reindex(ids).fillna("–") if labels is not None
             else vals.map(value_format))
    shapes = gpd.GeoDataFrame({
        "district_id": ids.astype(str).to_numpy(),
        "tooltip": [f"<b>{escape_map_text(n)}</b><br>{escape_map_text(title)}: "
                    f"{escape_map_text(v)}" for n, v in zip(districts["name"], texts)],
        "fill": fill,
    }, geometry=_rounded(districts.geometry.values), crs=districts.crs)
    folium.GeoJson(
        shapes.to_json(),
        name=escape_map_text(title),
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#333333",
                                  "weight": 1, "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        className="lagebild-district",
    ).add_to(m)
    if legend:
        add_legend(m, escape_map_text(title), legend)
    return m


def _rounded(geoms, decimals: int = 6):
    """Coordinates rounded to ~0.1 m: identical shared vertices stay identical."""
    return shapely.transform(np.asarray(geoms), lambda xy: np.round(xy, decimals))


def add_legend(m: folium.Map, title: str, entries: list[tuple[str, str]],
                corner: str = "right") -> None:
    """A legend box; ``title`` must already be escaped, labels are escaped here."""
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;'
        f'background:{safe_colour(c)};border:1px solid #333;margin-right:6px"></span>'
        f'{escape_map_text(label)}</div>' for c, label in entries)
    box = (f'<div class="lagebild-legend" style="position:absolute;bottom:18px;{corner}:10px;'
           f'z-index:1000;background:white;padding:6px 8px;border:1px solid #999;'
           f'font:12px sans-serif"><b>{title}</b>{rows}</div>')
    m.get_root().html.add_child(branca.element.Element(box))


def to_html(m: folium.Map) -> str:
    """Standalone HTML of a map (for ``st.iframe`` and the briefing)."""
    return m.get_root().render()


def embedded_features(html_text: str) -> list[dict]:
    """The GeoJSON features embedded in a rendered map or map script (tests, benchmarks)."""
    features = []
    for match in re.finditer(r"_add\((\{.*?\})\);\s*$", html_text, flags=re.M):
        data = json.loads(match.group(1))
        if data.get("type") == "FeatureCollection":
            features += data["features"]
    return features


def geojson_features(html_text: str) -> int:
    """Number of GeoJSON features embedded in a rendered map (used by tests/benchmarks)."""
    return len(embedded_features(html_text))
