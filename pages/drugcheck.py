"""Drug-Checking (#18): positivity per substance with Wilson intervals, per site, "sold as ×
found", first detections, the week's signals."""

import streamlit as st

from lagebild import ui

ui.require_permission("drugcheck.view")
city = ui.city_picker()
if city:
    weeks = ui.drugcheck_weeks(city)
    if not weeks:
        st.title(ui.tm("drugcheck.page.heading", city=city, week="–"))
        st.info(ui.tm("drugcheck.page.no_tests", city=city))
    else:
        week = st.sidebar.selectbox(ui.t("drugcheck.page.week"), weeks,
                                    format_func=ui.week_label, key="drugcheck_week")
        view = ui.drugcheck_view(city, week)
        st.title(ui.tm("drugcheck.page.heading", city=city, week=ui.week_label(week)))
        st.caption(ui.tm("drugcheck.page.intro"))
        st.subheader(ui.tm("drugcheck.page.signals_heading", week=ui.week_label(week)))
        if view["signals"]:
            st.markdown("\n".join(f"- {text}" for text in view["signals"]))
            if ui.may("warnings.create"):                      # (#18) Substanzwarnung
                c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
                index = c1.selectbox(ui.t("warnings.page.signal"), range(len(view["signals"])),
                                     format_func=view["signal_texts"].__getitem__,
                                     key="drugcheck_warning_signal")
                if c2.button(ui.t("drugcheck.page.create_warning"), key="drugcheck_warning"):
                    ui.prefill_from_signal(city, index, week)
                    st.switch_page("pages/warnings.py")
        else:
            st.caption(ui.tm("drugcheck.page.no_signals", week=ui.week_label(week)))
        st.subheader(ui.tm("drugcheck.page.city_heading"))
        ui.table(view["city"], key="drugcheck_city")
        st.subheader(ui.tm("drugcheck.page.sites_heading"))
        ui.table(view["sites"], key="drugcheck_sites")
        st.subheader(ui.md(view["matrix_heading"]))
        st.caption(ui.tm("drugcheck.page.matrix_caption"))
        ui.table(view["matrix"], key="drugcheck_matrix")
