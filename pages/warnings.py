"""Substanzwarnungen (#18): in force, expired, withdrawn; new (by hand or from a signal),
change, withdraw, texts per language, PDF. Every role sees; admin and Krisenstab write."""

import streamlit as st

from lagebild import ui

ui.require_permission("warnings.view")


def warning_form(key: str, values: dict, editing: bool):
    """Widgets of one warning; the fields when submitted, else None."""
    substances = ui.substance_options()
    keys = list(substances)
    with st.form(key):
        substance = st.selectbox(ui.t("warnings.col.substance"), keys,
                                 index=keys.index(values["substance"])
                                 if values.get("substance") in keys else 0,
                                 format_func=substances.get, key=f"{key}_substance")
        title = st.text_input(ui.t("warnings.col.title"), values.get("title", ""),
                              key=f"{key}_title", help=ui.t("warnings.page.title_help"))
        location = st.text_input(ui.t("warnings.col.location"), values.get("location", ""),
                                 key=f"{key}_location")
        c1, c2 = st.columns(2)
        since = c1.date_input(ui.t("warnings.col.since"), values.get("since", ui.today()),
                              format="DD.MM.YYYY", key=f"{key}_since")
        until = c2.date_input(ui.t("warnings.col.valid_until"),
                              values.get("valid_until", ui.default_valid_until()),
                              format="DD.MM.YYYY", key=f"{key}_until")
        advice = st.text_area(ui.t("warnings.col.advice"), values.get("advice", ""),
                              key=f"{key}_advice", help=ui.t("warnings.page.advice_help"),
                              height=160)
        label = "warnings.page.save" if editing else "warnings.page.create"
        if not st.form_submit_button(ui.t(label), type="primary", key=f"{key}_submit"):
            return None
    return {"substance": substance, "title": title, "location": location, "since": since,
            "valid_until": until, "advice": advice}


def show(problem, done):
    if problem:
        st.error(ui.md(problem))
    else:
        ui.flash(done)
        st.rerun()


city = ui.city_picker()
if city:
    st.title(ui.tm("warnings.page.heading", city=city))
    st.caption(ui.tm("warnings.page.intro"))
    message, slot = ui.flash(), st.empty()     # always one slot: the tabs below keep their place
    if message:
        slot.success(ui.md(message))
    data = ui.warnings_page(city)
    st.subheader(ui.tm("warnings.page.active_heading", n=len(data["active"])))
    if not data["active"]:
        st.caption(ui.tm("warnings.page.none_active"))
    ui.show_warning_boxes(city, data["active"])

    if ui.may("warnings.create"):
        prefill = ui.warning_prefill()
        with st.expander(ui.t("warnings.page.new"), expanded=bool(prefill)):
            week, signals = ui.warning_signals(city)
            if signals:
                st.caption(ui.tm("warnings.page.signals", week=ui.week_label(week)))
                index = st.selectbox(ui.t("warnings.page.signal"), range(len(signals)),
                                     format_func=lambda i: signals[i]["reason"],
                                     key="warning_signal")
                if st.button(ui.t("warnings.page.from_signal"), key="warning_from_signal"):
                    ui.prefill_from_signal(city, index)
                    st.rerun()
            if prefill.get("source_reason"):
                st.info(ui.tm("warnings.page.prefilled", reason=prefill["source_reason"]))
            submitted = warning_form(ui.new_warning_form_key(), prefill, editing=False)
            if submitted:
                show(*ui.create_warning(city, submitted))

    if ui.may("warnings.edit") and data["open"]:
        st.subheader(ui.tm("warnings.page.edit_heading"))
        ui.select_warning(data["open"])                 # the one just created, if any
        chosen = data["open"][st.selectbox(ui.t("warnings.page.select"), list(data["open"]),
                                           format_func=data["open_labels"].get,
                                           key="warning_selected")]
        edit, texts, withdraw = st.tabs([ui.t("warnings.page.tab_edit"),
                                         ui.t("warnings.page.tab_languages"),
                                         ui.t("warnings.page.tab_withdraw")])
        with edit:
            submitted = warning_form(f"warning_edit_{chosen.warning_id}",
                                     ui.warning_values(chosen), editing=True)
            if submitted:
                show(*ui.update_warning(city, chosen.warning_id, submitted))
        with texts:
            languages = ui.warning_languages(city)
            language = st.selectbox(ui.t("warnings.page.language"), list(languages),
                                    format_func=languages.get, key="warning_language")
            values = ui.warning_text_values(chosen, language)
            with st.form(f"warning_text_{chosen.warning_id}_{language}"):
                title = st.text_input(ui.t("warnings.col.title"), values["title"],
                                      key=f"wt_title_{chosen.warning_id}_{language}")
                location = st.text_input(ui.t("warnings.col.location"), values["location"],
                                         key=f"wt_location_{chosen.warning_id}_{language}")
                advice = st.text_area(ui.t("warnings.col.advice"), values["advice"],
                                      key=f"wt_advice_{chosen.warning_id}_{language}",
                                      help=ui.t("warnings.page.text_help"))
                if st.form_submit_button(ui.t("warnings.page.save_text"),
                                         key=f"wt_submit_{chosen.warning_id}_{language}"):
                    show(*ui.save_warning_text(city, chosen.warning_id, language, title,
                                               location, advice))
        with withdraw:
            reason = st.text_input(ui.t("warnings.page.withdraw_reason"),
                                   key=f"warning_withdraw_reason_{chosen.warning_id}")
            if st.button(ui.t("warnings.page.withdraw"), type="primary",
                         key=f"warning_withdraw_{chosen.warning_id}"):
                show(*ui.withdraw_warning(city, chosen.warning_id, reason))

    if ui.may("warnings.languages"):                        # (#18) languages of the page
        with st.expander(ui.t("warnings.page.languages_editor")):
            ui.warning_language_editor(city)

    st.subheader(ui.tm("warnings.page.past_heading"))
    if data["past"].empty:
        st.caption(ui.tm("warnings.page.none_past"))
    else:
        ui.table(data["past"], key="warnings_past")
