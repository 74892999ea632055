"""Page helpers: Maps, district detail, proximity notices, boundaries and places (#5)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lagebild import maps
from lagebild.maps import layers as map_layers
from lagebild.views import situation as views
from lagebild.i18n import fmt_number
from lagebild.ui._core import (
    actor,
    cached_read,
    catalog,
    districts,
    grid,
    lang,
    settings,
    small_count_k,
    store,
    t,
    tm,
)


MAP_DISTRICT_KEY = "map_district"     # selectbox of the district detail, set by map clicks
PROXIMITY_INDICATOR = "spritzenfunde"


def display_districts(city: str):
    """Districts with their simplified map geometry (shared borders kept)."""
    return cached_read("districts", city, display=True)


def places(city: str) -> pd.DataFrame:
    return cached_read("places", city)


def number(value, decimals: int = 0) -> str:
    """A number formatted for the current language (1.234 / 1,234)."""
    return fmt_number(value, lang(), decimals)


def place_kind_labels() -> dict[str, str]:
    return {k: t(f"maps.kind.{k}") for k in map_layers.PLACE_COLOURS}


def map_periods(indicator: str, periods: dict) -> tuple[dict, str | None]:
    """The periods the map may offer for ``indicator`` and a note when some are withheld:
    restricted views get person-related indicators one week at a time (#21)."""
    k = small_count_k()
    if views.weekly_only(catalog()[indicator].person_related, k):
        return {1: periods[1]}, t("maps.weekly_only", k_minus=k - 1)
    return periods, None


def points_allowed(indicator: str) -> bool:
    """Points only for indicators that allow them, never person-related, never restricted."""
    ind, current = catalog()[indicator], actor()
    return (ind.points_allowed and not ind.person_related and current is not None
            and not current.restricted)


def map_points(city: str, indicator: str, week, weeks: int) -> pd.DataFrame:
    start, end = views.period_bounds(pd.Timestamp(week), weeks)
    return store().points(actor(), city, indicator, start.date(), end.date(), catalog())


def map_view(city: str, indicator: str, week, weeks: int, measure, points_mode: str | None = None,
             colours: pd.Series | None = None, legend: list | None = None):
    """(folium map, value table, number of points, points mode drawn) for the map page.
    ``measure``: False (count), True (per 10 000) or "alert" (``colours``/``legend`` from
    the alerts hook). Many points are drawn as heat even when clusters were asked for."""
    dist, rate = display_districts(city), measure is True
    k = small_count_k() if catalog()[indicator].person_related else None
    cells = views.map_cells(grid(city), dist, indicator, pd.Timestamp(week), weeks, rate,
                            lang(), k)
    values = pd.Series(cells["value"].to_numpy(), index=dist["district_id"])
    labels = pd.Series(cells["label"].to_numpy(), index=dist["district_id"])
    hidden = cells["hidden"].to_numpy()
    decimals = 1 if rate else 0
    title = catalog()[indicator].label(lang()) + (" " + t("map.measure_rate") if rate else "")
    if measure != "alert":      # classes and legend in the user's number format
        colours, legend = maps.class_colours(values, lambda v: fmt_number(v, lang(), decimals),
                                             t("maps.no_data"))
        if k:
            colours[hidden] = maps.SUPPRESSED
            legend = legend + [(maps.SUPPRESSED, t("maps.suppressed", k=k))]
    s = settings()
    m = maps.choropleth(dist, values, title=title, labels=labels, colours=colours, legend=legend,
                        no_data_label=t("maps.no_data"), basemap_url=s.basemap_url,
                        attribution=s.basemap_attribution)
    n_points, drawn = 0, None
    if points_mode and points_allowed(indicator):
        pts = map_points(city, indicator, week, weeks)
        n_points = len(pts)
        if n_points:
            drawn = map_layers.add_points(m, pts, label=catalog()[indicator].label(lang()),
                                    mode=points_mode)
    spots = places(city)
    if not spots.empty:
        map_layers.add_places(m, spots, kind_labels=place_kind_labels(), title=t("maps.places_layer"),
                        radius_m=settings().proximity_m if points_mode else 0)
    table = pd.DataFrame({t("app.district"): dist["name"].to_numpy(),
                          title: labels.to_numpy(), "_v": values.to_numpy()})
    table = table.sort_values("_v", ascending=False, na_position="last").drop(columns="_v")
    return m, table, n_points, drawn


def on_map_click() -> None:
    """Callback of the map component: a clicked district becomes the detail selection."""
    value = st.session_state.get("map_click") or {}
    feature = value.get("last_active_drawing") or {}
    district = (feature.get("properties") or {}).get("district_id")
    if district is not None:
        st.session_state[MAP_DISTRICT_KEY] = str(district)


STATIC_DIR = __import__("pathlib").Path(__file__).resolve().parents[2] / "static"


def show_map(m, height: int = 560) -> None:
    """Render the map with streamlit-folium. Only a click on a district reruns the page
    (``returned_objects``); pan and zoom stay in the browser. Leaflet and plugins come from
    /app/static/vendor (the component loads exactly the map's ``default_js``/``_css``);
    when they are missing the page says so instead of a blank area."""
    from streamlit_folium import st_folium
    missing = maps.missing_assets(STATIC_DIR)
    if missing:
        st.error(t("maps.assets_missing", files=", ".join(missing)))
        return
    st_folium(m, key="map_click", height=height, use_container_width=True,
              returned_objects=["last_active_drawing"], on_change=on_map_click)


def district_choice_options(city: str) -> dict[str, str]:
    opts = {"": t("maps.detail_none")}
    opts.update({str(k): v for k, v in
                 districts(city).set_index("district_id")["name"].sort_values().items()})
    return opts


def district_detail(city: str, district: str, week, weeks: int) -> tuple[dict, pd.DataFrame]:
    """Header facts and one row per indicator for one district: the period, per 10 000,
    the period before and the share of the city; restricted views are suppressed per
    indicator exactly as in the map table (same column, same complements)."""
    dist, did = districts(city), int(district)
    row = dist.set_index("district_id").loc[did]
    rows = views.district_detail_rows(grid(city), dist, catalog(), did, pd.Timestamp(week),
                                      weeks, lang(), small_count_k())
    cols = [t("maps.col_indicator"), t("maps.col_period"), t("maps.col_rate"),
            t("maps.col_before"), t("maps.col_city_share")]
    pop = row["population"]
    meta = {"name": row["name"],
            "parent": row["parent"] if pd.notna(row["parent"]) else t("maps.unknown"),
            "population": fmt_number(pop, lang()) if pd.notna(pop) else t("maps.unknown")}
    return meta, pd.DataFrame(rows, columns=cols)


def proximity_notices(city: str) -> tuple[pd.DataFrame, object]:
    """Syringe finds near sensitive places (pure ``places.proximity_notices``) and the
    reference day (latest report). Empty for roles without point data or without places."""
    from lagebild import places as places_mod
    spots, s = places(city), settings()
    spots = spots[~spots["kind"].isin(places_mod.SITE_KINDS)]     # (#18) help, not sensitive
    if spots.empty or PROXIMITY_INDICATOR not in catalog().keys \
            or not points_allowed(PROXIMITY_INDICATOR):
        return pd.DataFrame(), None
    _, last = store().date_range(actor(), city)
    if last is None:
        return pd.DataFrame(), None
    start = pd.Timestamp(last) - pd.Timedelta(days=s.proximity_days - 1)
    finds = store().points(actor(), city, PROXIMITY_INDICATOR, start.date(), last, catalog())
    return places_mod.proximity_notices(finds, spots, distance_m=s.proximity_m,
                                        days=s.proximity_days, reference=last), last


def show_proximity_notices(city: str) -> None:
    """The overview block: one warning line per notice (ten at most), all in a table."""
    notices, last = proximity_notices(city)
    if last is None:
        return
    s, kinds = settings(), place_kind_labels()
    st.subheader(tm("maps.proximity.heading"))
    st.caption(tm("maps.proximity.caption", m=s.proximity_m, days=s.proximity_days,
                 date=pd.Timestamp(last).strftime("%d.%m.%Y")))
    if notices.empty:
        st.success(tm("maps.proximity.none", m=s.proximity_m, days=s.proximity_days))
        return
    for r in notices.head(10).itertuples(index=False):
        kind = kinds.get(r.kind, r.kind)
        place = r.place if r.place.casefold().startswith(kind.casefold()) else f"{kind} {r.place}"
        st.warning(tm("maps.proximity.notice", distance=r.distance_m, place=place,
                     date=pd.Timestamp(r.date).strftime("%d.%m.%Y")), icon=":material/warning:")
    if len(notices) > 10:
        with st.expander(t("maps.proximity.more", n=len(notices))):
            st.dataframe(pd.DataFrame({
                t("maps.proximity.col_date"): pd.to_datetime(notices["date"]).dt.strftime(
                    "%d.%m.%Y"),
                t("maps.proximity.col_place"): notices["place"],
                t("maps.proximity.col_kind"): notices["kind"].map(kinds),
                t("maps.proximity.col_distance"): notices["distance_m"]}), hide_index=True)


# admin page "Grenzen & Orte": thin wrappers so that the page talks only to ui
def read_boundary_upload(data: bytes, filename: str):
    """(raw features, field guesses) or a German error text."""
    from lagebild import geo
    try:
        raw = geo.read_geofile(data, filename)
    except geo.BoundaryError as exc:
        return str(exc)
    cols = [c for c in raw.columns if c != raw.geometry.name]
    return raw, geo.field_guesses(cols)


def boundary_preview(raw, name: str, code: str | None, population: str | None,
                     parent: str | None):
    """(districts, preview map HTML, table, total area text) or a German error text."""
    from lagebild import geo
    try:
        gdf = geo.districts_from_frame(raw, name_field=name, code_field=code,
                                       population_field=population, parent_field=parent)
    except geo.BoundaryError as exc:
        return str(exc)
    show = gdf.set_geometry(gdf["display_geometry"]).assign(district_id=range(len(gdf)))
    m = maps.choropleth(show, pd.Series(dtype=float), title=t("app.district"), legend=[],
                        labels=show.set_index("district_id")["code"],
                        no_data_label=t("maps.no_data"))
    area = geo.area_km2(gdf)
    table = pd.DataFrame({t("maps.admin.col_code"): gdf["code"],
                          t("maps.admin.col_name"): gdf["name"],
                          t("maps.admin.col_population"): gdf["population"],
                          t("maps.admin.col_parent"): gdf["parent"],
                          t("maps.admin.col_area"): area.round(2)})
    return gdf, maps.to_html(m), table, fmt_number(area.sum(), lang(), 1)


def import_boundaries(city: str, ags: str | None, gdf) -> dict:
    store().ensure_city(actor(), city, ags=ags or None)
    report = store().upsert_districts(actor(), city, gdf[["code", "name", "population", "parent",
                                                          "geometry", "display_geometry"]])
    store().checkpoint()      # cached views follow: every write changes the data version
    return report


def parse_places_upload(data: bytes, filename: str):
    """Places frame, or (German message, row problems)."""
    from lagebild import places as places_mod
    try:
        return places_mod.parse_places(data, filename)
    except places_mod.PlacesError as exc:
        return str(exc), exc.problems


def import_places(city: str, frame: pd.DataFrame, filename: str) -> dict:
    return store().replace_places(actor(), city, frame, filename)


def boundaries_map(city: str):
    """A map of the districts alone, for a city whose boundaries are loaded but which has no
    reports yet: the admin sees at once what was imported."""
    dist = display_districts(city)
    if dist.empty:
        return None
    empty = pd.Series(float("nan"), index=dist["district_id"])
    labels = pd.Series(t("maps.no_data"), index=dist["district_id"])
    s = settings()
    return maps.choropleth(dist, empty, title=t("maps.boundaries_title"), labels=labels,
                           colours=pd.Series(maps.NO_DATA, index=dist["district_id"]),
                           legend=[(maps.NO_DATA, t("maps.no_data"))],
                           basemap_url=s.basemap_url, attribution=s.basemap_attribution)
