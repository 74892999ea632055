"""Export: what the user's role may take away, as CSV or Parquet (audited)."""

import streamlit as st

from lagebild import ui

ui.require_login()

city = ui.city_picker()
if city:
    st.title(ui.tm("export.heading", city=city))
    st.caption(ui.export_explanation())
    st.caption(ui.tm("export.audit_note"))
    c1, c2 = st.columns(2)
    c1.download_button(ui.t("export.csv"), data=ui.export_bytes(city, "csv"),
                       file_name=f"lagebild-{ui.slug(city)}.csv", mime="text/csv",
                       key="export_csv", on_click="ignore")
    c2.download_button(ui.t("export.parquet"), data=ui.export_bytes(city, "parquet"),
                       file_name=f"lagebild-{ui.slug(city)}.parquet",
                       mime="application/octet-stream", key="export_parquet", on_click="ignore")
