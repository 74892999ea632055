"""Map layers drawn from one compact JSON payload: syringe finds as clusters or heat map
(coordinates rounded, never overdoses as points), sensitive places, daily space-time clusters.
The base map and the choropleth are in :mod:`lagebild.maps`."""

from __future__ import annotations

import json

import branca.element
import folium
import numpy as np
import pandas as pd
from folium.elements import JSCSSMixin
from jinja2 import Template

from lagebild.maps import ASSET_BASE, PLACE_COLOURS, add_legend, escape_map_text, local_assets

_EPOCH = pd.Timestamp("1970-01-01")
CLUSTER_MAX = 20_000   # more points: heat layer (markercluster needs seconds per 10 000 points)


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
        add_legend(m, escape_map_text(title),
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
