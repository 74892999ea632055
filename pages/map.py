"""Karte: choropleth of one indicator and period per district (self-hosted Leaflet)."""

import streamlit as st

from lagebild import ui

city = ui.city_picker()
if city:
    weeks = ui.week_choices(city)
    if not weeks:
        st.info(ui.t("app.no_data"))
        st.stop()
    st.title(ui.t("map.heading", city=city))
    options = ui.indicator_options()
    c1, c2, c3 = st.columns(3)
    indicator = c1.selectbox(ui.t("map.indicator"), list(options), format_func=options.get,
                             key="map_indicator")
    periods = {1: ui.t("map.period_week", week=ui.week_label(weeks[0])), 4: ui.t("map.period_4"),
               12: ui.t("map.period_12"), 52: ui.t("map.period_52")}
    span = c2.selectbox(ui.t("map.period"), list(periods), format_func=periods.get,
                        key="map_period")
    measures = {False: ui.t("map.measure_count"), True: ui.t("map.measure_rate")}
    per_10k = c3.radio(ui.t("map.measure"), list(measures), format_func=measures.get,
                       key="map_measure", horizontal=True)
    if per_10k and not ui.has_population(city):
        st.info(ui.t("map.no_rate"))
        per_10k = False
    html, table = ui.map_html(city, indicator, weeks[0], span, per_10k)
    st.iframe(html, height=560)
    start, end = ui.period_text(weeks[0], span)
    attribution = ui.settings().basemap_attribution
    key = "map.caption_basemap" if ui.settings().basemap_url else "map.caption"
    st.caption(ui.t(key, indicator=options[indicator], period=periods[span], attribution=attribution,
                    **{"from": start, "to": end}))
    with st.expander(ui.t("map.table")):
        st.dataframe(table, hide_index=True, width="stretch")
