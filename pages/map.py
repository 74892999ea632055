"""Karte: choropleth of one indicator and period per district, optional points and sensitive
places (self-hosted Leaflet); a click on a district (or the selectbox) opens its detail."""

import streamlit as st

from lagebild import ui

ui.require_login()

city = ui.city_picker()
if city:
    weeks = ui.week_choices(city)
    if not weeks:                   # boundaries without reports: show what was imported
        st.title(ui.tm("map.heading", city=city))
        outline = ui.boundaries_map(city)
        if outline is None:
            st.info(ui.tm("app.no_data"))
        else:
            st.info(ui.tm("maps.no_reports_yet", n=len(ui.districts(city)), city=city))
            ui.show_map(outline)
        st.stop()
    st.title(ui.tm("map.heading", city=city))
    ui.show_data_status(city)                     # (#14) how current the data is
    options = ui.indicator_options()
    c1, c2, c3 = st.columns(3)
    indicator = c1.selectbox(ui.t("map.indicator"), list(options), format_func=options.get,
                             key="map_indicator")
    periods = {1: ui.t("map.period_week", week=ui.week_label(weeks[0])), 4: ui.t("map.period_4"),
               12: ui.t("map.period_12"), 52: ui.t("map.period_52")}
    periods = ui.with_meeting_period(city, weeks[0], periods)   # (#6) since the last meeting
    periods, weekly_note = ui.map_periods(indicator, periods)  # restricted: one week (#21)
    if st.session_state.get("map_period") not in periods:
        st.session_state.pop("map_period", None)       # a period no longer offered
    span = c2.selectbox(ui.t("map.period"), list(periods), format_func=periods.get,
                        key="map_period")
    if weekly_note:
        st.caption(ui.md(weekly_note))
    if note := ui.meeting_period_note(city, weeks[0]):             # (#14) nothing since then
        c2.caption(ui.md(note))
    measures = {False: ui.t("map.measure_count"), True: ui.t("map.measure_rate")}
    # ---- HOOK for the alerts issue (#4) -------------------------------------------------
    # When lagebild.ui offers `alert_map_colours(city, indicator, week)` returning
    # (colours: pd.Series district_id -> "#rrggbb", legend: [(colour, label), ...]), the map
    # offers "Alarmfarbe" as a third measure and colours the districts by alert level.
    # Nothing here implements alerts; without that function the option does not appear.
    alert_colours = getattr(ui, "alert_map_colours", None)
    if alert_colours is not None:
        measures["alert"] = ui.t("maps.measure_alert")
    # -------------------------------------------------------------------------------------
    measure = c3.radio(ui.t("map.measure"), list(measures), format_func=measures.get,
                       key="map_measure", horizontal=True)
    if measure is True and not ui.has_population(city):
        st.info(ui.tm("map.no_rate"))
        measure = False
    colours = legend = None
    if measure == "alert":
        colours, legend = alert_colours(city, indicator, weeks[0])

    points_mode = None
    if ui.points_allowed(indicator):
        p1, p2 = st.columns([1, 2])
        if p1.toggle(ui.t("maps.points"), key="map_points", help=ui.t("maps.points_help")):
            modes = {"cluster": ui.t("maps.mode_cluster"), "heat": ui.t("maps.mode_heat")}
            points_mode = p2.radio(ui.t("maps.points_mode"), list(modes), format_func=modes.get,
                                   key="map_points_mode", horizontal=True)

    m, table, n_points, drawn = ui.map_view(city, indicator, weeks[0], span, measure,
                                            points_mode, colours, legend)
    ui.add_daily_clusters(m, city, indicator)       # (#17) space-time clusters as circles
    ui.show_map(m)
    start, end = ui.period_text(weeks[0], span)
    attribution = ui.settings().basemap_attribution
    key = "map.caption_basemap" if ui.settings().basemap_url else "map.caption"
    st.caption(ui.tm(key, indicator=options[indicator], period=periods[span],
                    attribution=attribution, **{"from": start, "to": end}))
    if points_mode:
        st.caption(ui.tm("maps.points_caption", n=ui.number(n_points)) if n_points
                   else ui.t("maps.points_none"))
        if drawn and drawn != points_mode:
            st.info(ui.tm("maps.points_heat_instead", n=ui.number(n_points)))
    if points_mode and not ui.places(city).empty:
        st.caption(ui.tm("maps.places_caption", m=ui.settings().proximity_m))
    with st.expander(ui.t("map.table")):
        ui.table(table, key="map_table")

    st.caption(ui.tm("maps.click_hint"))
    choices = ui.district_choice_options(city)
    chosen = st.selectbox(ui.t("maps.detail_select"), list(choices), format_func=choices.get,
                          key=ui.MAP_DISTRICT_KEY)
    if chosen:
        meta, detail = ui.district_detail(city, chosen, weeks[0], span)
        st.subheader(ui.tm("maps.detail_heading", district=meta["name"]))
        st.caption(ui.tm("maps.detail_meta", parent=meta["parent"],
                        population=meta["population"]))
        ui.table(detail, key="map_detail")
        st.caption(ui.tm("maps.detail_caption", period=periods[span],
                        **{"from": start, "to": end}))
