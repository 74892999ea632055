"""Maßnahmen: what the crisis team agreed, who does it, status with history, and the
before/after comparison. Everyone may read; admin and Krisenstab edit."""

import streamlit as st

from lagebild import ui

ui.require_login()


def measure_form(key: str, opts: dict, values: dict, editing: bool):
    """Widgets of one measure; returns (fields, comment) when submitted, else None."""
    with st.form(key):
        title = st.text_input(ui.t("measures.field.title"), values.get("title", ""),
                              key=f"{key}_title")
        description = st.text_area(ui.t("measures.field.description"),
                                   values.get("description", ""), key=f"{key}_description")
        c1, c2 = st.columns(2)
        body_keys = list(opts["body"])
        body = c1.selectbox(ui.t("measures.field.body"), body_keys, format_func=opts["body"].get,
                            index=body_keys.index(values["body"]) if values.get("body")
                            in body_keys else 0, key=f"{key}_body")
        status_keys = list(opts["status"])
        status = c2.selectbox(ui.t("measures.field.status"), status_keys,
                              format_func=opts["status"].get,
                              index=status_keys.index(values.get("status", "geplant")),
                              key=f"{key}_status")
        district_keys = c1.multiselect(
            ui.t("measures.field.districts"), list(opts["district"]),
            default=[str(d) for d in values.get("districts", [])],
            format_func=opts["district"].get, key=f"{key}_districts",
            help=ui.t("measures.page.districts_help"), placeholder=ui.t("measures.page.city"))
        indicators = c2.multiselect(ui.t("measures.field.indicators"), list(opts["indicator"]),
                                    default=list(values.get("indicators", [])),
                                    format_func=opts["indicator"].get, key=f"{key}_indicators",
                                    placeholder=ui.t("measures.page.choose"))
        due_on = c1.date_input(ui.t("measures.field.due_on"), values.get("due_on"),
                               format="DD.MM.YYYY", key=f"{key}_due")
        implemented_on = c2.date_input(ui.t("measures.field.implemented_on"),
                                       values.get("implemented_on"), format="DD.MM.YYYY",
                                       key=f"{key}_implemented",
                                       help=ui.t("measures.page.implemented_help"))
        meetings = [None, *opts["meeting"]]
        meeting_id = c1.selectbox(ui.t("measures.field.meeting_id"), meetings,
                                  index=meetings.index(values.get("meeting_id"))
                                  if values.get("meeting_id") in meetings else 0,
                                  format_func=lambda m: opts["meeting"].get(m, "–"),
                                  key=f"{key}_meeting")
        alerts = [None, *opts["alert"]]
        alert_id = c2.selectbox(ui.t("measures.field.alert_id"), alerts,
                                index=alerts.index(values.get("alert_id"))
                                if values.get("alert_id") in alerts else 0,
                                format_func=lambda a: opts["alert"].get(a, "–"),
                                key=f"{key}_alert")
        comment = st.text_input(ui.t("measures.page.comment"), key=f"{key}_comment")
        label = "measures.page.save" if editing else "measures.page.create"
        if not st.form_submit_button(ui.t(label), type="primary", key=f"{key}_submit"):
            return None
    fields = {"title": title, "description": description, "body": body, "status": status,
              "districts": [int(d) for d in district_keys], "indicators": indicators,
              "due_on": due_on, "implemented_on": implemented_on, "meeting_id": meeting_id,
              "alert_id": alert_id}
    return fields, comment


city = ui.city_picker()
if city:
    st.title(ui.tm("measures.page.heading", city=city))
    st.caption(ui.tm("measures.page.caption"))
    message = ui.flash()
    if message:
        st.success(ui.md(message))
    opts = ui.measure_options(city)
    f1, f2, f3, f4 = st.columns(4)
    statuses = f1.multiselect(ui.t("measures.field.status"), list(opts["status"]),
                              default=["geplant", "in_umsetzung", "umgesetzt"],
                              format_func=opts["status"].get, key="measures_filter_status",
                              placeholder=ui.t("measures.page.all"))
    body_keys = f2.multiselect(ui.t("measures.field.body"), list(opts["body"]),
                               format_func=opts["body"].get, key="measures_filter_body",
                               placeholder=ui.t("measures.page.all"))
    district_keys = f3.multiselect(ui.t("measures.field.districts"), list(opts["district"]),
                                   format_func=opts["district"].get,
                                   key="measures_filter_district",
                                   placeholder=ui.t("measures.page.all"))
    indicators = f4.multiselect(ui.t("measures.field.indicators"), list(opts["indicator"]),
                                format_func=opts["indicator"].get,
                                key="measures_filter_indicator",
                                placeholder=ui.t("measures.page.all"))
    table = ui.measures_table(city, statuses, body_keys, district_keys, indicators)
    if table.empty:
        st.info(ui.tm("measures.page.none"))
    else:
        st.caption(ui.tm("measures.page.count", n=len(table)))
        ui.table(table, key="measures_table")

    if ui.may_edit_measures():
        with st.expander(ui.t("measures.page.new"), expanded=table.empty):
            submitted = measure_form("measure_new", opts, {}, editing=False)
            if submitted:
                problem = ui.save_measure(city, None, *submitted)
                if problem:
                    st.error(ui.md(problem))
                else:
                    ui.flash(ui.t("measures.page.created", title=submitted[0]["title"]))
                    st.rerun()

    choices = ui.measure_choices(city)
    if choices:
        st.subheader(ui.tm("measures.page.detail"))
        chosen = st.selectbox(ui.t("measures.page.select"), list(choices),
                              format_func=choices.get, key="measures_selected")
        record = ui.measure_record(city, chosen)
        if record["description"]:
            st.text(record["description"])
        tabs = st.tabs([ui.t("measures.page.tab_effect"), ui.t("measures.page.tab_history")]
                       + ([ui.t("measures.page.tab_edit")] if ui.may_edit_measures() else []))
        with tabs[0]:
            weeks = st.select_slider(ui.t("measures.page.effect_weeks"), [4, 8, 12, 26],
                                     value=8, key="measures_effect_weeks")
            effect = ui.measure_effects(city, chosen, weeks)
            if isinstance(effect, str):
                st.info(ui.md(effect))
            else:
                ui.table(effect[0], key="measures_effect")
                st.caption(ui.md(effect[1]))
        with tabs[1]:
            ui.table(ui.measure_history(city, chosen), key="measures_history")
        if ui.may_edit_measures():
            with tabs[2]:
                values = ui.measure_values(record)
                submitted = measure_form(f"measure_edit_{chosen}", opts, values, editing=True)
                if submitted:
                    problem = ui.save_measure(city, chosen, *submitted)
                    if problem:
                        st.error(ui.md(problem))
                    else:
                        ui.flash(ui.t("measures.page.saved", title=submitted[0]["title"]))
                        st.rerun()
