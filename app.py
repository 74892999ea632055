"""Lagebild entry point: page config, navigation by role, shared sidebar."""

import streamlit as st

from lagebild import ui

st.set_page_config(page_title="Lagebild", page_icon=":material/map:", layout="wide")
ui.language_switch()
nav = st.navigation(ui.navigation_pages())
st.sidebar.caption(ui.t("app.tagline"))
nav.run()
