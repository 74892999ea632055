"""Lagebild: this week per indicator and district."""

import streamlit as st

from lagebild import ui

ui.require_login()

city = ui.city_picker()
if city:
    # ---- #18: the crisis team's substance warnings in force today, first thing for everyone
    ui.show_warning_boxes(city, ui.active_substance_warnings(city))
    weeks, week_labels, default = ui.overview_weeks(city)
    if not weeks:
        st.info(ui.tm("app.no_data"))
        st.stop()
    week = st.sidebar.selectbox(ui.t("overview.week_select"), weeks, index=default,
                                format_func=week_labels.__getitem__, key="overview_week")
    st.title(ui.tm("overview.heading", city=city, week=ui.week_label(week)))
    ui.show_data_status(city)                     # (#14) how current the data is
    ui.show_overdue_deliveries(city)              # (#20) who has not delivered
    alerts = ui.alert_overview(city, week)          # (#4) Lagestufe right under the title
    ui.show_level(alerts)
    ui.show_last_7_days(city)                       # (#17) daily spikes and clusters
    data = ui.overview(city, week)
    cols = st.columns(min(4, len(data["metrics"])))
    for i, metric in enumerate(data["metrics"]):
        with cols[i % len(cols)]:
            st.metric(metric.label, metric.value, metric.delta, delta_color="inverse",
                      help=metric.help)
            if metric.incomplete:
                st.caption(ui.md(metric.incomplete))
    # ---- #4: Ampel per district × indicator and the reasons in words
    st.subheader(ui.tm("alerts.overview.matrix_heading", week=ui.week_label(week)))
    st.caption(ui.tm("alerts.overview.matrix_caption"))
    ui.table(alerts["matrix"], key="overview_ampel", hide_index=False)
    st.markdown("**" + ui.t("alerts.overview.reasons_heading") + "**")
    if alerts["privacy"]:
        st.caption(alerts["privacy"])
    if alerts["reasons"]:
        st.markdown("\n".join(f"- {text}" for _, text in alerts["reasons"]))
    else:
        st.caption(ui.tm("alerts.overview.no_reasons", week=ui.week_label(week)))
    # ---- end #4
    st.subheader(ui.tm("overview.districts_heading", week=ui.week_label(week)))
    st.caption(ui.tm("overview.districts_caption"))
    if ui.privacy_note():
        st.info(ui.privacy_note())
    ui.table(data["matrix"], key="overview_districts", hide_index=False)
    options = ui.indicator_options()
    indicator = st.selectbox(ui.t("app.indicator"), list(options), format_func=options.get,
                             key="overview_indicator")
    st.subheader(ui.tm("overview.detail_heading", indicator=options[indicator]))
    ui.table(ui.indicator_detail(city, data["summary"], indicator), key="overview_detail")

# ---- #5: syringe finds near sensitive places (Kitas, schools, playgrounds, youth centres)
if city:
    ui.show_proximity_notices(city)
