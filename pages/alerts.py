"""Warnungen: alert history with filters and acknowledgement (crisis team and admin)."""

import streamlit as st

from lagebild import ui

ui.require_permission("alerts.view")

city = ui.city_picker()
if city:
    if not ui.week_choices(city):
        st.info(ui.tm("app.no_data"))
        st.stop()
    st.title(ui.tm("alerts.page.heading", city=city))
    opts = ui.alert_filter_options(city)
    st.caption(ui.tm("alerts.page.caption", weeks=opts["end_after"]))
    flash = st.session_state.pop("alerts_flash", None)
    if flash:
        st.success(ui.md(flash))
    ui.show_last_7_days(city)                       # (#17) daily spikes and clusters
    c1, c2, c3, c4 = st.columns(4)
    statuses = c1.multiselect(ui.t("alerts.page.status"), list(opts["status"]),
                              default=["open", "acknowledged", "ended"],
                              format_func=opts["status"].get, key="alerts_status")
    indicators = c2.multiselect(ui.t("alerts.page.indicator"), list(opts["indicator"]),
                                format_func=opts["indicator"].get, key="alerts_indicator",
                                placeholder=ui.t("alerts.page.all"))
    district_keys = c3.multiselect(ui.t("alerts.page.district"), list(opts["district"]),
                                   format_func=opts["district"].get, key="alerts_district",
                                   placeholder=ui.t("alerts.page.all"))
    weeks = c4.selectbox(ui.t("alerts.page.period"), list(opts["period"]), index=2,
                         format_func=opts["period"].get, key="alerts_period")
    table = ui.alert_list(city, statuses, indicators, district_keys, weeks)
    if table.empty:
        st.info(ui.tm("alerts.page.none"))
    else:
        st.caption(ui.tm("alerts.page.count", n=len(table)))
        ui.table(table, key="alerts_table")

    st.subheader(ui.tm("alerts.page.ack_heading"))
    choices = ui.alert_ack_options(city, statuses, indicators, district_keys, weeks)
    if not choices:
        st.caption(ui.tm("alerts.page.ack_nothing"))
    else:
        with st.form("alerts_ack_form"):
            alert_id = st.selectbox(ui.t("alerts.page.ack_select"), list(choices),
                                    format_func=choices.get, key="alerts_ack_id")
            comment = st.text_area(ui.t("alerts.page.ack_comment"), key="alerts_ack_comment")
            submitted = st.form_submit_button(ui.t("alerts.page.ack_button"))
        if submitted:
            problem = ui.acknowledge_alert(city, alert_id, comment)
            if problem:
                st.error(ui.md(problem))
            else:
                st.session_state["alerts_flash"] = ui.t("alerts.page.ack_done", alert_id=alert_id)
                st.rerun()
