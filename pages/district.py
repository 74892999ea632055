"""Stadtteil: one district in detail – every indicator with its trend, its alerts, its
measures and the sensitive places in and near it."""

import streamlit as st

from lagebild import ui

ui.require_login()

city = ui.city_picker()
if city:
    if not ui.week_choices(city):
        st.info(ui.tm("app.no_data"))
        st.stop()
    options = ui.district_page_options(city)
    district = st.sidebar.selectbox(ui.t("app.district"), list(options),
                                    format_func=options.get, key="district_page_district")
    facts = ui.district_facts(city, district)
    st.title(ui.tm("measures.district.heading", district=facts["name"], city=city))
    ui.show_data_status(city)                     # (#14) how current the data is
    st.caption(ui.tm("measures.district.meta", parent=facts["parent"],
                    population=facts["population"], week=ui.week_label(facts["week"])))
    note = ui.privacy_note()
    if note:
        st.info(ui.md(note))

    st.subheader(ui.tm("measures.district.indicators"))
    ui.table(ui.district_indicators(city, district, facts["week"]), key="district_indicators")

    st.subheader(ui.tm("measures.district.alerts", week=ui.week_label(facts["week"])))
    reasons, alert_table = ui.district_alerts(city, district, facts["week"])
    if reasons:
        st.markdown("\n".join(f"- {ui.md(line)}" for line in reasons))
    else:
        st.caption(ui.tm("measures.district.no_alerts"))
    if alert_table is not None and not alert_table.empty:
        with st.expander(ui.t("measures.district.alert_list", n=len(alert_table))):
            ui.table(alert_table, key="district_alert_list")

    st.subheader(ui.tm("measures.district.measures"))
    measures = ui.district_measures(city, district)
    if measures.empty:
        st.caption(ui.tm("measures.district.no_measures"))
    else:
        ui.table(measures, key="district_measures")

    st.subheader(ui.tm("measures.district.trends"))
    st.caption(ui.tm("measures.district.trends_caption"))
    columns = st.columns(2)
    for i, (label, figure) in enumerate(ui.district_trends(city, district)):
        with columns[i % 2]:
            if isinstance(figure, str):
                st.markdown(f"**{ui.md(label)}**")
                st.caption(ui.md(figure))
            else:
                st.plotly_chart(figure, width="stretch", key=f"district_trend_{i}")

    st.subheader(ui.tm("measures.district.places"))
    nearby = ui.district_places(city, district)
    if nearby.empty:
        st.caption(ui.tm("measures.district.no_places"))
    else:
        ui.table(nearby, key="district_places")
