"""Betrieb (admin, #20): completeness of deliveries with the rhythm, rejected inbox files,
last backup, database size and version."""

import streamlit as st

from lagebild import ui

ui.require_permission("operations.view")
st.title(ui.tm("ops.heading"))
st.caption(ui.tm("ops.caption"))

city = ui.city_picker()
if city:
    frame = ui.show_completeness(city)
    if not frame.empty:
        with st.form("ops_rhythm"):
            st.markdown("**" + ui.t("ops.page.set_heading") + "**")
            c1, c2, c3 = st.columns([2, 2, 1])
            organisations, names = ui.rhythm_form_choices(frame)
            org = c1.selectbox(ui.t("ops.page.set_org"), organisations, key="ops_org")
            chosen = c2.multiselect(ui.t("ops.page.set_indicators"), list(names),
                                    format_func=names.get, key="ops_indicators",
                                    placeholder=ui.t("ops.page.set_all"))
            rhythm = c3.selectbox(ui.t("ops.page.set_rhythm"), ui.RHYTHM_CHOICES,
                                  format_func=ui.rhythm_label, key="ops_rhythm_choice")
            if st.form_submit_button(ui.t("ops.page.set_button")):
                st.session_state["ops_done"] = ui.set_rhythm(city, frame, org, chosen, rhythm)
                st.rerun()
        if st.session_state.get("ops_done"):
            st.success(st.session_state.pop("ops_done"))

ui.show_inbox_errors()
ui.show_backup_and_database()
