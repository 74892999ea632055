"""Lagebild entry point: page config, navigation, shared sidebar."""

import streamlit as st

from lagebild import ui

st.set_page_config(page_title="Lagebild", page_icon=":material/map:", layout="wide")
ui.language_switch()

pages = [
    st.Page("pages/overview.py", title=ui.t("nav.overview"), icon=":material/dashboard:", default=True),
    st.Page("pages/map.py", title=ui.t("nav.map"), icon=":material/map:", url_path="karte"),
    st.Page("pages/trends.py", title=ui.t("nav.trends"), icon=":material/monitoring:", url_path="trends"),
]
nav = st.navigation(pages)
st.sidebar.caption(ui.t("app.tagline"))
nav.run()
