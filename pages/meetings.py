"""Sitzungen: meetings of the crisis team (Drogenrapport) with participants, decisions and
the measures agreed there. Everyone may read; admin and Krisenstab record meetings."""

import streamlit as st

from lagebild import ui

ui.require_login()


def meeting_form(key: str, values: dict, options: list[str], editing: bool):
    """Widgets of one meeting; returns the fields when submitted, else None."""
    with st.form(key):
        c1, c2 = st.columns([1, 2])
        held_on = c1.date_input(ui.t("measures.meetings.field.held_on"), values.get("held_on"),
                                format="DD.MM.YYYY", key=f"{key}_held_on")
        title = c2.text_input(ui.t("measures.meetings.field.title"),
                              values.get("title", "Drogenrapport"), key=f"{key}_title")
        participants = st.multiselect(ui.t("measures.meetings.field.participants"), options,
                                      default=values.get("participants", []),
                                      accept_new_options=True, key=f"{key}_participants",
                                      placeholder=ui.t("measures.meetings.participants_hint"))
        decisions = st.text_area(ui.t("measures.meetings.field.decisions"),
                                 values.get("decisions", ""), key=f"{key}_decisions")
        label = "measures.page.save" if editing else "measures.meetings.create"
        if not st.form_submit_button(ui.t(label), type="primary", key=f"{key}_submit"):
            return None
    return {"held_on": held_on, "title": title, "participants": participants,
            "decisions": decisions}


city = ui.city_picker()
if city:
    st.title(ui.tm("measures.meetings.heading", city=city))
    st.caption(ui.tm("measures.meetings.caption"))
    message = ui.flash()
    if message:
        st.success(ui.md(message))
    since = ui.since_meeting_text(city)
    if since:
        st.info(ui.md(since))
    table = ui.meetings_table(city)
    if table.empty:
        st.info(ui.tm("measures.meetings.none"))
    else:
        ui.table(table, key="meetings_table")
    options = ui.participant_options(city)
    if ui.may_edit_measures():
        with st.expander(ui.t("measures.meetings.new"), expanded=table.empty):
            fields = meeting_form("meeting_new", {}, options, editing=False)
            if fields:
                problem = ui.save_meeting(city, None, fields)
                if problem:
                    st.error(ui.md(problem))
                else:
                    ui.flash(ui.t("measures.meetings.created"))
                    st.rerun()
    choices = ui.meeting_options(city)
    if choices:
        st.subheader(ui.tm("measures.meetings.detail"))
        chosen = st.selectbox(ui.t("measures.meetings.select"), list(choices),
                              index=ui.meeting_default_index(city),
                              format_func=choices.get, key="meetings_selected")
        st.markdown("**" + ui.t("measures.meetings.agreed") + "**")
        agreed = ui.meeting_measures(city, chosen)
        if agreed.empty:
            st.caption(ui.tm("measures.meetings.no_measures"))
        else:
            ui.table(agreed, key="meetings_measures")
        st.caption(ui.tm("measures.meetings.how_to_agree"))
        if ui.may_edit_measures():
            with st.expander(ui.t("measures.meetings.edit")):
                record = ui.meeting_record(city, chosen)
                fields = meeting_form(f"meeting_edit_{chosen}", ui.meeting_values(record),
                                      options, editing=True)
                if fields:
                    problem = ui.save_meeting(city, chosen, fields)
                    if problem:
                        st.error(ui.md(problem))
                    else:
                        ui.flash(ui.t("measures.meetings.saved"))
                        st.rerun()
