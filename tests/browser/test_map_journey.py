"""Journey (#5): the crisis team reads the map — one polygon per district, syringe finds as
clusters or heat, a click opens the district's detail, pan/zoom do not rerun the page,
nothing leaves localhost, and hostile names/notes stay text."""

from __future__ import annotations

import pandas as pd
import pytest

from lagebild import geo
from lagebild.access import SYSTEM
from lagebild.store import Store

from .conftest import wait_idle

pytestmark = pytest.mark.browser

XSS = [
    "<img src=x onerror=alert(1)>${alert(2)}",
    '<img src=x onerror="window.__xss=1">',
    "${window.__xss=2}",
    "`;window.__xss=3;`",
    "</script><script>window.__xss=4</script>",
    '"><svg onload=window.__xss=5>',
    "'-(window.__xss=6)-'",
    '";window.__xss=7;//',
    '<iframe srcdoc="<script>parent.__xss=8</script>"></iframe>',
    '<a href="javascript:window.__xss=9" id=xsslink>klick</a>',
    "<details open ontoggle=window.__xss=10>",
    "<body onload=window.__xss=11>",
    "<style>@import'//evil.example/x.css';</style>",
    '<img src="https://evil.example/p.png">',
    "{{constructor.constructor('window.__xss=12')()}}",
    "\\`${window.__xss=13}\\`",
    "\\u003cimg src=x onerror=window.__xss=14\\u003e",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=15>",
    "<svg><script>window.__xss=16</script></svg>",
    "javascript:window.__xss=17",
    "<input autofocus onfocus=window.__xss=18>",
    "<video><source onerror=window.__xss=19></video>",
    "$" + "{window.__xss=20}",
    "</div><img src=x onerror=window.__xss=21>",
    "<b onmouseover=window.__xss=22>fett</b>",
    "\u2028<img src=x onerror=window.__xss=23>\u2029",
]

# Every tooltip and popup of the map, opened the way Leaflet opens them on hover/click.
OPEN_ALL = """() => {
  const map = window.map; let opened = 0;
  Object.values(map._layers).forEach(l => {
    if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) {
      l.getLayers().forEach(m => { l.fire('click', {layer: m, latlng: m.getLatLng()}); opened++; });
    } else if (l.feature && l.getBounds) {
      l.fire('mouseover', {latlng: l.getBounds().getCenter()}, true); opened++;
    } else if (l.getTooltip && l.getTooltip() && l.getLatLng) {
      l.openTooltip(); opened++;
    }
  });
  return opened;
}"""

INJECTED = """(strict) => {
  const any = 'img[src="x"], img[src*="evil"], iframe[srcdoc], a[href^="javascript"], ' +
              '#xsslink, math';
  const mapOnly = ', iframe, details, video, input, svg:not(.leaflet-zoom-animated):not(.leaflet-attribution-flag)';
  const bad = [...document.querySelectorAll('*')].filter(e =>
      [...e.attributes].some(a => a.name.startsWith('on')) ||
      e.matches(any + (strict ? mapOnly : '')) ||
      (e.tagName === 'STYLE' && e.textContent.includes('evil.example')));
  return bad.map(e => e.outerHTML.slice(0, 80));
}"""


def _map_frame(page, selector="path.lagebild-district"):
    page.wait_for_selector("iframe", state="attached", timeout=30_000)
    for _ in range(150):
        for frame in page.frames:
            try:
                if frame.query_selector(selector):
                    return frame
            except Exception:   # a frame detached while the component remounts
                continue
        page.wait_for_timeout(200)
    raise AssertionError(f"keine Karte mit {selector} gefunden")


def _open_map(page, url):
    page.login(url, "krisenstab")
    page.navigate("Karte")
    return _map_frame(page.page)


def _toggle_points(page, mode=None):
    page.page.get_by_text("Einzelne Funde zeigen").click()
    wait_idle(page.page)
    if mode:
        page.page.get_by_text(mode).click()
        wait_idle(page.page)


def _districts(db):
    store = Store(db, read_only=True)
    try:
        return store.districts(SYSTEM, "Musterstadt")
    finally:
        store.close()


def _free_spot(db, district: str):
    """A point inside ``district`` away from every place marker (the demo's consumption room
    lies in Bahnhofsviertel, #18): a click there hits the district, not the marker."""
    from shapely.geometry import Point
    from shapely.ops import unary_union
    store = Store(db, read_only=True)
    try:
        places = store.places(SYSTEM, "Musterstadt")
    finally:
        store.close()
    target = _districts(db).set_index("name").loc[district, "geometry"]
    markers = unary_union([Point(x, y).buffer(0.003)
                           for x, y in zip(places["lon"], places["lat"])])
    return target.difference(markers).representative_point()


def test_map_polygons_clusters_heat_and_only_local_requests(demo_server, demo_db_master, page):
    frame = _open_map(page, demo_server.url)
    assert frame.locator("path.lagebild-district").count() == len(_districts(demo_db_master))
    assert frame.locator(".marker-cluster").count() == 0
    _toggle_points(page)
    frame = _map_frame(page.page, ".marker-cluster")
    assert frame.locator(".marker-cluster").count() >= 3            # clusters, not markers
    assert frame.locator(".lagebild-point").count() < 300
    assert frame.locator("path.lagebild-district").count() == len(_districts(demo_db_master))
    assert "Punkte im Zeitraum" in page.page.inner_text("body")
    page.page.get_by_text("Dichte (Heatmap)").click()
    wait_idle(page.page)
    frame = _map_frame(page.page, "canvas.leaflet-heatmap-layer")
    assert frame.locator(".marker-cluster").count() == 0
    local = [r for r in page.requests if "/app/static/vendor/" in r]
    assert any(r.endswith("/app/static/vendor/leaflet/leaflet.js") for r in local)
    assert any(r.endswith("/markercluster/leaflet.markercluster.js") for r in local)
    assert any(r.endswith("/heat/leaflet-heat.js") for r in local)
    assert page.foreign_requests() == []
    assert page.page.locator("[data-testid=stException]").count() == 0


def test_click_opens_the_detail_and_pan_zoom_do_not_rerun(demo_server, demo_db_master, page):
    frame = _open_map(page, demo_server.url)
    frame.wait_for_function("() => window.map && window.map._loaded")
    wait_idle(page.page)
    page.page.evaluate("""() => { window.__states = [];
        const app = document.querySelector('[data-testid=stApp]');
        new MutationObserver(() => window.__states.push(app.getAttribute(
            'data-test-script-state'))).observe(app, {attributes: true}); }""")
    # The component's first render may trigger one rerun (slower on a loaded machine): wait
    # until 2 s pass without any rerun before panning and zooming.
    for _ in range(10):
        page.page.wait_for_timeout(2000)
        if page.page.evaluate("window.__states.length") == 0:
            break
        wait_idle(page.page)
        page.page.evaluate("window.__states = []")
    assert page.page.evaluate("window.__states") == [], "the page never settled"
    frame.evaluate("() => { window.map.setZoom(window.map.getZoom() + 1); "
                   "window.map.panBy([120, 80], {animate: false}); }")
    box = frame.locator(".leaflet-container").bounding_box()
    page.page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.page.mouse.down()
    page.page.mouse.move(box["x"] + 360, box["y"] + 340, steps=5)   # drag = pan
    page.page.mouse.up()
    page.page.mouse.wheel(0, -300)                                   # wheel = zoom
    page.page.wait_for_timeout(2000)
    assert page.page.evaluate("window.__states") == []              # no rerun at all
    spot = _free_spot(demo_db_master, "Bahnhofsviertel")
    frame.evaluate(f"() => window.map.setView([{spot.y}, {spot.x}], 14, {{animate: false}})")
    page.page.wait_for_timeout(800)                                  # wheel zoom settles
    xy = frame.evaluate(f"() => {{ window.map.setView([{spot.y}, {spot.x}], 14, "
                        "{animate: false}); const p = window.map.latLngToContainerPoint("
                        f"[{spot.y}, {spot.x}]); return [p.x, p.y]; }}")
    box = frame.locator(".leaflet-container").bounding_box()
    assert "lagebild-district" in frame.evaluate(
        f"() => document.elementFromPoint({xy[0]}, {xy[1]}).getAttribute('class')")
    page.page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    page.page.wait_for_selector("h3:has-text('Bahnhofsviertel')", timeout=30_000)
    wait_idle(page.page)
    assert "running" in page.page.evaluate("window.__states")       # the click did rerun
    body = page.page.inner_text("body")
    assert "Übergeordnet: Innenstadt" in body, body[-600:]
    assert page.foreign_requests() == []


@pytest.fixture
def xss_db(demo_db):
    """The demo with hostile district names, place names and syringe-find notes."""
    store = Store(demo_db)
    d = store.districts(SYSTEM, "Musterstadt").sort_values("code").reset_index(drop=True)
    renamed = d.assign(name=XSS[: len(d)])[["code", "name", "population", "parent",
                                             "geometry"]]
    store.upsert_districts(SYSTEM, "Musterstadt", renamed)
    last = pd.Timestamp(store.date_range(SYSTEM, "Musterstadt")[1])
    centres = d.geometry.representative_point()
    lat = [centres.iloc[i % len(d)].y + 0.0004 * (i // len(d)) for i in range(len(XSS))]
    lon = [centres.iloc[i % len(d)].x for i in range(len(XSS))]
    store.replace_places(SYSTEM, "Musterstadt", pd.DataFrame(
        {"name": XSS, "kind": ["kita", "schule", "spielplatz", "jugend"] * 6 + ["kita"] * 2,
         "lat": [y + 0.0003 for y in lat], "lon": lon}))
    rows = pd.DataFrame({"lat": lat, "lon": lon, "date": [last] * len(XSS), "count": 1,
                         "indicator": "spritzenfunde", "note": XSS})
    rows["district_id"] = geo.assign_districts(rows["lat"], rows["lon"],
                                               store.districts(SYSTEM, "Musterstadt"))
    periods = pd.DataFrame({"indicator": ["spritzenfunde"], "start_date": [last.date()],
                            "end_date": [last.date()]})
    store.insert_upload(SYSTEM, "Musterstadt", "Streetwork (Demo)", "xss.csv", "xss", rows,
                        periods)
    store.close()
    return demo_db, len(d)


def _assert_clean(page, frame=None):
    assert page.dialogs == [], page.dialogs
    for f, strict in [(page.page.main_frame, False)] + ([(frame, True)] if frame else []):
        assert f.evaluate("() => window.__xss") is None
        assert f.evaluate(INJECTED, strict) == []
    assert page.foreign_requests() == []


def test_hostile_names_and_notes_stay_text(server_factory, xss_db, page):
    db, n_districts = xss_db
    server = server_factory(db, LAGEBILD_DEMO_MODE="true")
    page.login(server.url, "krisenstab")
    page.navigate("Lagebild")
    page.page.wait_for_selector("h3:has-text('Spritzenfunde nahe sensibler Orte')")
    body = page.page.inner_text("body")
    assert "Spritzenfund" in body and "<img src=x onerror=alert(1)>" in body   # notices as text
    _assert_clean(page)
    page.navigate("Karte")
    frame = _map_frame(page.page)
    assert frame.locator("path.lagebild-district").count() == n_districts
    _toggle_points(page)
    frame = _map_frame(page.page, ".leaflet-marker-icon")
    assert frame.locator("path.lagebild-place").count() == len(XSS)
    frame.locator("path.lagebild-place").first.dispatch_event("mouseover")   # DOM event
    tooltip = frame.locator(".leaflet-tooltip").last.inner_text()
    assert any(x.strip() in tooltip for x in XSS)                 # the place name, as text
    opened = frame.evaluate(OPEN_ALL)
    assert opened >= n_districts + len(XSS) + len(XSS)   # districts, places, finds
    page.page.wait_for_timeout(1500)                   # let onerror/onload fire if any
    popup = frame.locator(".leaflet-popup-content").last.inner_text()
    assert any(x.strip() in popup for x in XSS)        # the note, shown as text
    texts = " ".join(frame.locator(".leaflet-tooltip").all_inner_texts())
    assert "Spritzenfunde:" in texts and any(x in texts for x in XSS[:n_districts])
    _assert_clean(page, frame)
    page.page.get_by_text("Dichte (Heatmap)").click()
    wait_idle(page.page)
    frame = _map_frame(page.page, "canvas.leaflet-heatmap-layer")
    frame.evaluate(OPEN_ALL)
    page.page.wait_for_timeout(1000)
    _assert_clean(page, frame)
