"""Trends: weekly series per indicator, districts compared."""

import streamlit as st

from lagebild import ui

ui.require_login()

city = ui.city_picker()
if city:
    if not ui.week_choices(city):
        st.info(ui.tm("app.no_data"))
        st.stop()
    st.title(ui.tm("trends.heading", city=city))
    ui.show_data_status(city)                     # (#14) how current the data is
    options = ui.indicator_options()
    c1, c2 = st.columns([1, 2])
    indicator = c1.selectbox(ui.t("trends.indicator"), list(options), format_func=options.get,
                             key="trends_indicator")
    weeks = c1.select_slider(ui.t("trends.weeks"), [13, 26, 52, 104, 156], value=52,
                             key="trends_weeks")
    restricted = ui.trend_restricted(indicator)
    district_opts = ui.district_options(city, indicator)
    chosen = c2.multiselect(ui.t("trends.districts"), list(district_opts),
                            default=list(district_opts)[:1], format_func=district_opts.get,
                            key="trends_districts_restricted" if restricted else "trends_districts")
    st.plotly_chart(ui.trend_figure(city, indicator, chosen, weeks,
                                    markers=ui.measure_markers(city, chosen, indicator)),  # (#6)
                    width="stretch")
    st.caption(ui.tm("trends.caption"))
    band_note = ui.alert_band_note(city, indicator, chosen)        # (#4) alert band
    if band_note:
        st.caption(ui.md(band_note))
    if restricted:
        st.info(ui.md(restricted))
