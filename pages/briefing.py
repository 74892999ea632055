"""Briefing: the PDF (and HTML) for the Drogenrapport – Lagestufe, map, key numbers, alerts,
trends, measures, reporting completeness. Restricted roles get the suppressed version."""

import streamlit as st

from lagebild import ui

ui.require_login()

city = ui.city_picker()
if city:
    st.title(ui.tm("briefing.page.heading", city=city))
    ui.show_data_status(city)                     # (#14) how current the data is
    st.caption(ui.tm("briefing.page.caption"))
    note = ui.briefing_restricted_note()
    if note:
        st.info(ui.md(note))
    periods = ui.briefing_period_options(city)
    c1, c2 = st.columns(2)
    period = c1.radio(ui.t("briefing.page.period"), list(periods), format_func=periods.get,
                      key="briefing_period")
    since = None
    if period == "custom":
        since = c2.date_input(ui.t("briefing.page.since"), format="DD.MM.YYYY",
                              key="briefing_since")
    if st.button(ui.t("briefing.page.make"), type="primary", key="briefing_make"):
        bar = st.progress(0.0, text=ui.t("briefing.progress.start"))
        result = ui.make_briefing(city, since,
                                  progress=lambda f, text: bar.progress(min(f, 1.0), text=text))
        bar.empty()
        if isinstance(result, str):
            st.error(ui.md(result))
    docs = ui.briefing_result(city)
    if docs is not None:
        st.success(ui.md(ui.briefing_done_text(docs)))
        d1, d2 = st.columns(2)
        d1.download_button(ui.t("briefing.page.download_pdf"), docs.pdf,
                           file_name=docs.filename + ".pdf", mime="application/pdf",
                           key="briefing_pdf", on_click="ignore")
        d2.download_button(ui.t("briefing.page.download_html"), docs.html.encode("utf-8"),
                           file_name=docs.filename + ".html", mime="text/html",
                           key="briefing_html", on_click="ignore")
        st.caption(ui.tm("briefing.page.contents"))
