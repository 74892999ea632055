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
from folium.elements import JSCSSMixin
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
_EPOCH = pd.Timestamp("1970-01-01")
CLUSTER_MAX = 20_000   # more points: heat layer (markercluster needs seconds per 10 000 points)


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
        _add_legend(m, escape_map_text(title), legend)
    return m


def _rounded(geoms, decimals: int = 6):
    """Coordinates rounded to ~0.1 m: identical shared vertices stay identical."""
    return shapely.transform(np.asarray(geoms), lambda xy: np.round(xy, decimals))


def _add_legend(m: folium.Map, title: str, entries: list[tuple[str, str]],
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


# --------------------------------------------------------------------------- points, places
class _RawScript(branca.element.Element):
    """Script text added to the page as is: branca would compile it as a jinja template a
    second time (slow for megabytes of data, and a template-injection risk)."""

    def __init__(self, text: str):
        super().__init__("")
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _DataLayer(JSCSSMixin):
    """A layer drawn by a small script from one compact JSON payload (``this.payload``)."""

    def __init__(self, script: str, payload: dict, asset_base: str, plugins: tuple[str, ...]):
        super().__init__()
        self._name = "LagebildLayer"
        self._template = Template("{% macro script(this, kwargs) %}(function(map, P){"
                                  + script + "})({{ this._parent.get_name() }}, "
                                  "{{ this.payload }});{% endmacro %}")
        # ensure_ascii: no raw U+2028 in JS; texts are escaped, so no "</script>" either
        self.payload = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
        local_assets(self, asset_base, plugins)

    def render(self, **kwargs) -> None:
        """Links like every JSCSSMixin, the script once through jinja (streamlit-folium
        renders the same macro directly)."""
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(branca.element.JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(branca.element.CssLink(url), name=name)
        figure.script.add_child(_RawScript(self._template.module.script(self)),
                                name=self.get_name())


_POINTS_JS = """
var n = P.y.length, notes = P.notes, label = P.label;
function lat(i) { return (P.y0 + P.y[i]) / 1e5; }
function lon(i) { return (P.x0 + P.x[i]) / 1e5; }
function text(i) {
  var d = new Date((P.day0 + P.d[i]) * 864e5), c = P.c ? P.c[i] : 1;
  var s = '<b>' + label + '</b><br>' + ('0' + d.getUTCDate()).slice(-2) + '.' +
          ('0' + (d.getUTCMonth() + 1)).slice(-2) + '.' + d.getUTCFullYear();
  if (c > 1) { s += ' (' + c + ')'; }
  if (P.n && P.n[i] >= 0) { s += '<br>' + notes[P.n[i]]; }
  return s;
}
if (P.mode === 'heat') {
  var pts = new Array(n);
  for (var i = 0; i < n; i++) { pts[i] = [lat(i), lon(i), P.c ? P.c[i] : 1]; }
  L.heatLayer(pts, {radius: 18, blur: 15, minOpacity: 0.35}).addTo(map);
  return;
}
var icon = L.divIcon({className: 'lagebild-point', iconSize: [10, 10]});
var group = L.markerClusterGroup({chunkedLoading: true, chunkInterval: 300, chunkDelay: 10,
                                  showCoverageOnHover: false, maxClusterRadius: 60});
var markers = new Array(n);
for (var i = 0; i < n; i++) { markers[i] = L.marker([lat(i), lon(i)], {icon: icon, k: i}); }
group.on('click', function (e) {   // one popup for all points, filled on demand
  L.popup().setLatLng(e.layer.getLatLng()).setContent(text(e.layer.options.k)).openOn(map);
});
group.addLayers(markers);
map.addLayer(group);
"""

_POINT_CSS = ('<style>.lagebild-point{background:#b10026;border:1px solid #fff;'
              'border-radius:50%;}</style>')


def points_payload(points: pd.DataFrame, label: str, mode: str = "cluster") -> dict:
    """Compact columns for :func:`add_points`: coordinates in 1e-5 degrees (~1 m) as small
    integers from ``y0``/``x0``, dates as days since ``day0``, notes escaped once and
    referenced by index (-1 = none).

    >>> p = pd.DataFrame({"lat": [51.123456, 51.1], "lon": [10.1, 10.2],
    ...                   "date": ["2026-11-12", "2026-11-13"], "count": [1, 1],
    ...                   "note": ["<b>", None]})
    >>> P = points_payload(p, "Fund")
    >>> P["notes"], P["n"], [(P["y0"] + y) / 1e5 for y in P["y"]], P["d"]
    (['&lt;b&gt;'], [0, -1], [51.12346, 51.1], [0, 1])
    """
    days = ((pd.to_datetime(points["date"]) - _EPOCH) // pd.Timedelta(days=1)).to_numpy()
    day0 = int(days.min()) if len(days) else 0
    ys = np.round(points["lat"].to_numpy(float) * 1e5).astype(np.int64)
    xs = np.round(points["lon"].to_numpy(float) * 1e5).astype(np.int64)
    y0, x0 = (int(ys.min()), int(xs.min())) if len(ys) else (0, 0)
    out = {"mode": "heat" if mode == "heat" else "cluster", "label": escape_map_text(label),
           "day0": day0, "y0": y0, "x0": x0, "y": (ys - y0).tolist(), "x": (xs - x0).tolist(),
           "d": (days - day0).astype(int).tolist(), "notes": []}
    counts = points["count"].fillna(1).astype(int) if "count" in points else None
    if counts is not None and (counts != 1).any():
        out["c"] = counts.tolist()
    if "note" in points and points["note"].notna().any():
        notes = points["note"].astype("string").str.strip().replace("", pd.NA)
        codes, uniques = pd.factorize(notes)
        out["notes"] = [escape_map_text(u) for u in uniques]
        out["n"] = codes.tolist()
    return out


def add_points(m: folium.Map, points: pd.DataFrame, *, label: str, mode: str = "cluster",
               asset_base: str = ASSET_BASE) -> str:
    """Point events (lat, lon, date, count, note) as clusters (leaflet.markercluster) or a
    heat layer (leaflet.heat), both self-hosted; returns the mode drawn. More than
    :data:`CLUSTER_MAX` points are always drawn as heat: building clusters for them takes
    the browser many seconds. The popup (label, date, note) is built in the browser from
    escaped texts only when a point is clicked."""
    mode = "heat" if mode == "heat" or len(points) > CLUSTER_MAX else "cluster"
    plugin = "heat" if mode == "heat" else "markercluster"
    layer = _DataLayer(_POINTS_JS, points_payload(points, label, mode), asset_base, (plugin,))
    m.add_child(layer)
    m.get_root().header.add_child(branca.element.Element(_POINT_CSS), name="lagebild_point_css")
    return mode


_PLACES_JS = """
for (var i = 0; i < P.p.length; i++) {
  var r = P.p[i], colour = P.colours[r[2]];
  if (P.radius > 0) {
    L.circle([r[0], r[1]], {radius: P.radius, color: colour, weight: 1, dashArray: '4 4',
                            fill: false, interactive: false}).addTo(map);
  }
  L.circleMarker([r[0], r[1]], {radius: 7, color: '#ffffff', weight: 2, fillColor: colour,
                                fillOpacity: 1, className: 'lagebild-place'})
    .bindTooltip('<b>' + r[3] + '</b><br>' + P.kinds[r[2]]).addTo(map);
}
"""


def add_places(m: folium.Map, places: pd.DataFrame, *, kind_labels: dict[str, str],
               radius_m: float = 0, title: str = "", asset_base: str = ASSET_BASE) -> None:
    """Sensitive places (name, kind, lat, lon) as coloured circles with a tooltip and,
    if ``radius_m`` > 0, a dashed circle of the proximity distance; a legend per kind."""
    kinds = list(PLACE_COLOURS)
    rows = [[round(float(r.lat), 6), round(float(r.lon), 6),
             kinds.index(r.kind) if r.kind in kinds else len(kinds) - 1, escape_map_text(r.name)]
            for r in places.itertuples(index=False)]
    payload = {"p": rows, "radius": float(radius_m), "colours": list(PLACE_COLOURS.values()),
               "kinds": [escape_map_text(kind_labels.get(k, k)) for k in kinds]}
    m.add_child(_DataLayer(_PLACES_JS, payload, asset_base, ()))
    present = [k for k in kinds if k in set(places["kind"])]
    if title and present:
        _add_legend(m, escape_map_text(title),
                    [(PLACE_COLOURS[k], kind_labels.get(k, k)) for k in present], "left")


_CLUSTERS_JS = """
for (var i = 0; i < P.c.length; i++) {
  var r = P.c[i];
  L.circle([r[0], r[1]], {radius: r[2], color: '#b30000', weight: 3, fill: true,
                          fillOpacity: 0.08, className: 'lagebild-cluster'})
    .bindTooltip(r[3]).addTo(map);
}
"""


def add_clusters(m: folium.Map, clusters: pd.DataFrame, asset_base: str = ASSET_BASE) -> None:
    """Space-time clusters (lat, lon of the centre, ``radius_m``, ``label``) as red circles
    with an escaped tooltip (#17). A one-district cluster is drawn with 400 m."""
    rows = [[round(float(r.lat), 6), round(float(r.lon), 6), max(float(r.radius_m), 400.0),
             escape_map_text(r.label)] for r in clusters.itertuples(index=False)]
    if rows:
        m.add_child(_DataLayer(_CLUSTERS_JS, {"c": rows}, asset_base, ()))


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
