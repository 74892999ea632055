import json
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from lagebild import maps, ui
from lagebild.maps import layers as map_layers
from lagebild.access import Actor
from lagebild.demo.geometry import demo_districts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, only  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

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
        "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;&#92;")


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{% if true %}49{% endif %}", "{{ self }}",
                                  "{# x #}", "{{ cycler.__init__.__globals__ }}"])
def test_jinja_in_names_is_not_evaluated_when_branca_renders_twice(name):
    """branca wraps each rendered script in a new jinja Template and renders it again: a
    district called '{{ 7*7 }}' must stay text (no '49', no server-side template errors)."""
    d = _districts([name, "B"])
    m = maps.choropleth(d, pd.Series([1.0, 2.0]), title=name)
    map_layers.add_points(m, pd.DataFrame({"lat": [51.0], "lon": [0.005], "date": ["2026-11-12"],
                                     "count": [1], "note": [name]}), label=name)
    map_layers.add_places(m, pd.DataFrame({"name": [name], "kind": ["kita"], "lat": [51.0],
                                     "lon": [0.005]}), kind_labels={"kita": name}, title=name)
    html = maps.to_html(m)
    tooltip = maps.embedded_features(html)[0]["properties"]["tooltip"]
    assert tooltip.startswith("<b>" + maps.escape_map_text(name) + "</b>")
    assert "{" not in tooltip and "Cycler" not in html and "TemplateReference" not in html


def test_one_feature_per_district_and_no_data_colour():
    d = _districts(["A", "B", "C"])
    m = maps.choropleth(d, pd.Series([5.0, None, 1.0]), title="t")
    html = maps.to_html(m)
    assert maps.geojson_features(html) == 3
    assert maps.NO_DATA in html


def test_class_breaks_and_legend_for_counts():
    """#15: 0 is a class of its own (no red "≤ 0"), counts get whole-number classes."""
    assert maps.class_breaks(pd.Series([], dtype=float)) == []
    counts = pd.Series([0, 0, 0, 1, 2, 3, 10, 25] + [0] * 7, dtype=float)
    breaks = maps.class_breaks(counts)
    assert breaks[-1] == 25 and breaks == sorted(breaks)
    assert all(b == int(b) for b in breaks)
    colours, legend = maps.class_colours(counts, lambda v: f"{v:g}")
    assert legend[0] == (maps.ZERO, "0")
    assert set(colours[counts == 0]) == {maps.ZERO}            # no case: not a shade of red
    assert maps.ZERO not in set(colours[counts > 0])
    assert legend[-1] == (maps.NO_DATA, "keine Meldung")
    labels = [label for _, label in legend[1:-1]]
    assert labels[0].startswith("1") and labels[-1].endswith("25")
    assert not any("≤" in label or "0,5" in label for label in labels)


@pytest.mark.parametrize("values", [
    [0.0, 0.4, 2.1, 2.9, 3.0, 5.3, 7.7, 9.9, 12.4, None],
    [0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 4.0, 7.0, 30.0],
    [2.1, 2.1, 2.1],
])
def test_every_value_lies_inside_the_label_of_its_class(values):
    """#15: Ziegelhof at 2,1 per 10 000 was drawn in the class labelled "3"."""
    from lagebild.i18n import fmt_number
    values = pd.Series(values, dtype=float)
    colours, legend = maps.class_colours(values, lambda v: fmt_number(v, "de", 1))
    ranges = {}
    for colour, label in legend[:-1]:
        parts = [float(p.replace(",", ".")) for p in label.split(" – ")]
        ranges[colour] = (parts[0], parts[-1])
    assert len(ranges) == len(legend) - 1                     # one colour per class
    for value, colour in zip(values, colours):
        if pd.isna(value):
            assert colour == maps.NO_DATA
            continue
        lo, hi = ranges[colour]
        assert lo <= value <= hi, (value, colour, legend)
    bounds = sorted(ranges.values())
    assert all(a[1] < b[0] for a, b in zip(bounds, bounds[1:]))   # classes do not overlap


# ------------------------------------------------------------------ #5: points, places, page


def _points(n, seed=1, note=None):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"lat": 51 + rng.normal(0, 0.02, n), "lon": 10 + rng.normal(0, 0.03, n),
                         "date": pd.Timestamp("2026-01-01")
                         + pd.to_timedelta(rng.integers(0, 365, n), "D"),
                         "count": 1, "note": note})


def test_points_are_clustered_from_a_compact_escaped_array():
    m = maps.choropleth(_districts(["A"]), pd.Series([1.0]), title="t")
    map_layers.add_points(m, _points(3, note=PAYLOAD), label="Spritzenfund <script>")
    html = maps.to_html(m)
    assert '<script src="/app/static/vendor/markercluster/leaflet.markercluster.js">' in html
    assert "/app/static/vendor/markercluster/MarkerCluster.css" in html
    assert "L.markerClusterGroup" in html and "L.heatLayer(" not in html.split("if (P.mode")[0]
    assert re.findall(r"https?://", html) == []
    assert "<img src=x" not in html and "${alert" not in html and "<script>" not in \
        html.replace('<script src="', "").split("Spritzenfund")[1][:20]
    payload = map_layers.points_payload(_points(3, note=PAYLOAD), "x")
    assert payload["notes"] == [maps.escape_map_text(PAYLOAD)] and payload["n"] == [0, 0, 0]
    assert all(isinstance(v, int) for v in payload["y"] + payload["x"])   # 1e-5 degrees


def test_heat_layer_uses_the_self_hosted_plugin():
    m = maps.choropleth(_districts(["A"]), pd.Series([1.0]), title="t")
    map_layers.add_points(m, _points(5), label="x", mode="heat")
    html = maps.to_html(m)
    assert '<script src="/app/static/vendor/heat/leaflet-heat.js">' in html
    assert '"mode":"heat"' in html and "markercluster" not in html


def test_100000_points_stay_below_5_mb():
    d = demo_districts().assign(district_id=lambda x: range(len(x)))
    m = maps.choropleth(d, pd.Series(range(len(d)), dtype=float), title="Spritzenfunde")
    map_layers.add_points(m, _points(100_000, note=None), label="Spritzenfund")
    assert len(maps.to_html(m).encode()) <= 5 * 2**20


def test_places_layer_escapes_names_and_shows_a_legend_per_kind():
    places = pd.DataFrame({"name": [PAYLOAD, "Kita Süd"], "kind": ["schule", "kita"],
                           "lat": [51.0, 51.005], "lon": [10.0, 10.005]})
    m = maps.choropleth(_districts(["A"]), pd.Series([1.0]), title="t")
    map_layers.add_places(m, places, kind_labels={"kita": "Kita", "schule": "Schule"},
                    radius_m=100, title="Sensible Orte")
    html = maps.to_html(m)
    assert "<img src=x" not in html and "${alert(2)}" not in html
    assert "lagebild-place" in html and '"radius":100.0' in html
    legend = html[html.index("Sensible Orte</b>"):]
    assert legend.index("Kita") < legend.index("Schule")


def test_foreign_colours_never_reach_the_style():
    colours = pd.Series({0: "#e31a1c", 1: "red;background:url(https://x)"})
    html = maps.to_html(maps.choropleth(_districts(["A", "B"]), pd.Series([1.0, 2.0]),
                                        title="t", colours=colours,
                                        legend=[("#e31a1c", "Alarm")]))
    assert "https://x" not in html and "#e31a1c" in html


def test_every_district_feature_carries_its_id_for_the_click():
    features = maps.embedded_features(maps.to_html(maps.choropleth(
        _districts(["A", "B"]), pd.Series([1.0, 2.0]), title="t")))
    assert [f["properties"]["district_id"] for f in features] == ["0", "1"]


# ------------------------------------------------------------------ map page (AppTest)
@pytest.fixture
def map_page(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))

    def open_as(role="krisenstab") -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["lagebild_actor"] = Actor(role, role, organisation="X")
        at.run()
        at.switch_page("pages/map.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return open_as


def _district_id(at, name: str) -> str:
    return next(f["properties"]["district_id"] for f in maps.embedded_features(_script(at))
                if f"<b>{name}</b>" in f["properties"]["tooltip"])


def _script(at) -> str:
    element = only(e for e in at.main if e.type == "component_instance")
    return json.loads(element.proto.json_args)["script"]


def test_points_toggle_adds_clusters_or_heat_only_where_allowed(map_page):
    at = map_page()
    assert "L.markerClusterGroup" not in _script(at)
    at.toggle(key="map_points").set_value(True).run()
    assert "markerClusterGroup" in _script(at)
    assert any(re.search(r"^\d+ Punkte im Zeitraum", c.value) for c in at.caption), \
        [c.value for c in at.caption]
    at.radio(key="map_points_mode").set_value("heat").run()
    assert '"mode":"heat"' in _script(at)
    at.selectbox(key="map_indicator").set_value("drogennotfaelle").run()
    assert _no_points_toggle(at) and '"y":[' not in _script(at)   # person-related: no points
    assert _no_points_toggle(map_page("gast"))                  # restricted role: no points


def _no_points_toggle(at) -> bool:
    return all(t.key != "map_points" for t in at.toggle)


def test_choosing_a_district_opens_its_detail_below_the_map(map_page):
    at = map_page()
    assert not at.subheader
    assert "Bahnhofsviertel" in at.selectbox(key="map_district").options
    at.selectbox(key="map_district").set_value(_district_id(at, "Bahnhofsviertel")).run()
    assert only(at.subheader).value == "Bahnhofsviertel"
    detail = frame_with(at, "Indikator")
    assert list(detail["Indikator"])[:2] == ["Spritzenfunde", "Drogennotfälle"]
    assert any("Einwohner: 18.000" in c.value and "Innenstadt" in c.value for c in at.caption)


def test_a_map_click_selects_the_district(map_page):
    at = map_page()
    clicked = _district_id(at, "Großmarkt")
    state = {"map_click": {"last_active_drawing": {"type": "Feature",
                                                   "properties": {"district_id": clicked}}}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ui.st, "session_state", state)         # what the component callback sees
        ui.on_map_click()
        assert state[ui.MAP_DISTRICT_KEY] == clicked
        state["map_click"] = {"last_active_drawing": {"type": "Feature", "properties": {}}}
        ui.on_map_click()                                 # a click on a point: no change
        assert state[ui.MAP_DISTRICT_KEY] == clicked
    at.session_state[ui.MAP_DISTRICT_KEY] = clicked
    at.run()
    assert only(at.subheader).value == "Großmarkt"


def _small_count_view(at, spans=(1,)) -> tuple[str, int] | None:
    """The first person-related indicator and period whose full map shows a count 1..4
    (restricted views offer person-related indicators one week at a time, see below)."""
    for indicator in ("drogennotfaelle", "naloxon", "drogentodesfaelle"):
        for span in spans:
            at.selectbox(key="map_indicator").set_value(indicator)
            at.selectbox(key="map_period").set_value(span).run()
            if {"1", "2", "3", "4"} & set(frame_with(at, "Stadtteil").iloc[:, 1]):
                return indicator, span
    return None


def test_restricted_view_hides_small_person_related_counts_on_the_map(map_page):
    view = _small_count_view(map_page("krisenstab"))
    assert view, "die Demo enthält keine kleinen Zahlen mehr"
    at = map_page("gast")
    at.selectbox(key="map_indicator").set_value(view[0])
    at.selectbox(key="map_period").set_value(view[1]).run()
    table = list(frame_with(at, "Stadtteil").iloc[:, 1])
    shown = [f["properties"]["tooltip"].rsplit(": ", 1)[1]
             for f in maps.embedded_features(_script(at))]
    assert sorted(shown) == sorted(maps.escape_map_text(v) for v in table)
    assert "&lt; 5" in shown
    assert not {"1", "2", "3", "4"} & set(shown)


def test_restricted_view_offers_person_related_indicators_only_week_by_week(map_page):
    """#21: a 12-week sum minus the weeks shown one by one gave hidden cases away."""
    full = map_page("krisenstab")
    full.selectbox(key="map_indicator").set_value("naloxon").run()
    assert len(full.selectbox(key="map_period").options) >= 4
    at = map_page("gast")
    at.selectbox(key="map_period").set_value(12).run()     # chosen for syringe finds ...
    assert len(at.selectbox(key="map_period").options) >= 4
    at.selectbox(key="map_indicator").set_value("naloxon").run()   # ... then Naloxon
    assert len(at.selectbox(key="map_period").options) == 1
    assert at.selectbox(key="map_period").value == 1
    assert any("nur für die Berichtswoche" in c.value for c in at.caption)
    assert not at.exception


def test_too_many_points_for_clusters_are_drawn_as_heat(monkeypatch):
    monkeypatch.setattr(map_layers, "CLUSTER_MAX", 50)
    m = maps.choropleth(_districts(["A"]), pd.Series([1.0]), title="t")
    assert map_layers.add_points(m, _points(50), label="x") == "cluster"
    m = maps.choropleth(_districts(["A"]), pd.Series([1.0]), title="t")
    assert map_layers.add_points(m, _points(51), label="x") == "heat"
    assert "/heat/leaflet-heat.js" in maps.to_html(m)


# ------------------------------------------------------------------ #15 point 10: new cities
def _new_city(db, name="Neuhausen"):
    from lagebild.access import SYSTEM
    from lagebild.store import Store
    s = Store(db)
    s.ensure_city(SYSTEM, name)
    s.upsert_districts(SYSTEM, name, gpd.GeoDataFrame(
        {"code": ["1", "2", "3"], "name": ["Nord", "Mitte", "Süd"],
         "population": [1000, 2000, 3000], "parent": [None] * 3},
        geometry=[box(9, 50 + 0.01 * i, 9.01, 50.01 + 0.01 * i) for i in range(3)],
        crs="EPSG:4326"))
    s.close()


def _open(db, monkeypatch, actor, page="pages/map.py") -> AppTest:
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = actor
    at.run()
    at.switch_page(page).run()
    return at


def test_a_city_with_boundaries_but_no_reports_shows_its_districts(demo_db, monkeypatch):
    _new_city(demo_db)
    at = _open(demo_db, monkeypatch, Actor("admin", "admin"))
    at.sidebar.selectbox(key="city_select").set_value("Neuhausen").run()
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "3 Stadtteile sind geladen" in info and "noch keine Meldungen" in info
    names = sorted(re.search(r"<b>(.*?)</b>", f["properties"]["tooltip"]).group(1)
                   for f in maps.embedded_features(_script(at)))
    assert names == ["Mitte", "Nord", "Süd"]


def test_an_account_without_a_city_is_told_so(demo_db, monkeypatch):
    at = _open(demo_db, monkeypatch, Actor("neu", "krisenstab", cities=frozenset()))
    info = " ".join(i.value for i in at.info)
    assert "Ihrem Konto ist noch keine Stadt zugeordnet" in info
    assert "Noch keine Stadt angelegt" not in info


def test_missing_map_libraries_are_named_with_the_fix(demo_db, monkeypatch, tmp_path):
    from lagebild.ui import _maps
    monkeypatch.setattr(_maps, "STATIC_DIR", tmp_path / "static")
    at = _open(demo_db, monkeypatch, Actor("krisenstab", "krisenstab"))
    error = " ".join(e.value for e in at.error)
    assert "static/vendor/leaflet/leaflet.js" in error and "scripts/fetch_assets.sh" in error
    assert not [e for e in at.main if e.type == "component_instance"]


def test_scale_bar_is_metric_only():
    """#15: the scale bar read "2 mi" next to the kilometres."""
    m = maps.choropleth(_districts(["A"]), pd.Series([1.0]), title="t")
    html = maps.to_html(m)
    assert "imperial: false" in html and "L.control.scale()" not in html
