"""Städtevergleich (#19): the cities' shared packages side by side (network instance)."""

import streamlit as st

from lagebild import ui

ui.require_permission("share.read")

st.title(ui.t("network.heading"))
st.caption(ui.t("network.caption"))

if ui.may("share.import"):
    with st.expander(ui.t("network.upload_heading")):
        upload = st.file_uploader(ui.t("network.upload_label"), type=["zip"],
                                  key="network_upload")
        if st.button(ui.t("network.upload_button"), key="network_import",
                     disabled=upload is None):
            ok, message = ui.network_import(upload.getvalue())
            (st.success if ok else st.error)(message)
        keys = ui.network_keys()
        st.caption(ui.t("network.keys_heading"))
        if keys.empty:
            st.info(ui.t("network.keys_none"))
        else:
            st.dataframe(keys, hide_index=True)

cities = ui.network_cities()
if cities.empty:
    st.info(ui.t("network.none"))
    st.stop()

st.subheader(ui.t("network.cities_heading"))
ui.table(cities, key="network_cities")

options = ui.network_indicator_options()
default = ([k for k in ("drogennotfaelle", "drogentodesfaelle") if k in options]
           or list(options)[:1])
chosen = st.multiselect(ui.t("network.indicators"), list(options), default=default,
                        format_func=options.get, key="network_indicators")
for indicator in chosen:
    figure, table = ui.network_rates(indicator)
    st.plotly_chart(figure, key=f"network_chart_{indicator}")
    ui.table(table, key=f"network_table_{indicator}", hide_index=False)
st.caption(ui.t("network.suppressed_note"))

st.subheader(ui.t("network.levels_heading"))
level_figure, level_table = ui.network_levels()
st.plotly_chart(level_figure, key="network_levels_chart")
ui.table(level_table, key="network_levels", hide_index=False)

st.subheader(ui.t("network.measures_heading"))
st.caption(ui.t("network.measures_caption"))
ui.table(ui.network_measures(), key="network_measures")

st.subheader(ui.t("network.positivity_heading"))
ui.table(ui.network_positivity(), key="network_positivity", hide_index=False)

c1, c2 = st.columns(2)
c1.download_button(ui.t("network.download_html"), data=ui.network_report(chosen, "html"),
                   file_name="staedtevergleich.html", mime="text/html",
                   key="network_download_html", on_click="ignore")
c2.download_button(ui.t("network.download_pdf"), data=ui.network_report(chosen, "pdf"),
                   file_name="staedtevergleich.pdf", mime="application/pdf",
                   key="network_download_pdf", on_click="ignore")
