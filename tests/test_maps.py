import re

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from lagebild import maps

PAYLOAD = "<img src=x onerror=alert(1)>${alert(2)}`\\"


def _districts(names):
    return gpd.GeoDataFrame({"district_id": range(len(names)), "name": names},
                            geometry=[box(i * 0.01, 51, i * 0.01 + 0.01, 51.01)
                                      for i in range(len(names))], crs="EPSG:4326")


def test_map_html_references_only_self_hosted_assets():
    html = maps.to_html(maps.choropleth(_districts(["A", "B"]), pd.Series([1.0, 2.0]),
                                        title="Spritzenfunde"))
    assert re.findall(r"https?://", html) == []
    assert '<script src="/app/static/vendor/leaflet/leaflet.js">' in html
    assert "L.tileLayer" not in html            # no basemap unless configured


def test_basemap_only_when_configured_and_attribution_escaped():
    html = maps.to_html(maps.choropleth(_districts(["A"]), pd.Series([1.0]), title="x",
                                        basemap_url="https://tiles.example/{z}/{x}/{y}.png",
                                        attribution="<b>© Beispiel</b>"))
    decoded = html.replace("\\u0026", "&").replace("\\u00a9", "©").replace("\\u003c", "<")
    assert "tiles.example" in html and "&lt;b&gt;© Beispiel" in decoded
    assert "<b>© Beispiel" not in decoded


def test_district_names_and_titles_are_escaped_for_html_and_js_templates():
    html = maps.to_html(maps.choropleth(_districts([PAYLOAD, "B"]), pd.Series([1.0, None]),
                                        title=PAYLOAD))
    assert "<img src=x" not in html and "${alert(2)}" not in html
    assert "onerror=alert(1)" in html.replace("\\u003c", "<")  # only as escaped text
    assert maps.escape_map_text(PAYLOAD) == (
        "&lt;img src=x onerror=alert(1)&gt;&#36;{alert(2)}&#96;&#92;")


def test_one_feature_per_district_and_no_data_colour():
    d = _districts(["A", "B", "C"])
    m = maps.choropleth(d, pd.Series([5.0, None, 1.0]), title="t")
    html = maps.to_html(m)
    assert maps.geojson_features(html) == 3
    assert maps.NO_DATA in html


def test_class_breaks_and_legend_for_counts():
    assert maps.class_breaks(pd.Series([], dtype=float)) == []
    breaks = maps.class_breaks(pd.Series([0, 0, 1, 2, 3, 10, 40]))
    assert breaks[-1] == 40 and breaks == sorted(breaks)
    labels = [label for _, label in maps._class_legend([2.0, 3.0, 41.0], str)]
    assert labels == ["≤ 2.0", "3.0", "4.0 – 41.0", "keine Meldung"]
