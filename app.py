"""Lagebild entry point: page config, navigation by role (login when logged out), sidebar."""

import streamlit as st

from lagebild import ui

st.set_page_config(page_title="Lagebild", page_icon=ui.FAVICON, layout="wide")
ui.language_switch()
ui.store()            # self-check: an unusable database stops here with a German explanation
nav = ui.navigation()
ui.user_box()
st.sidebar.caption(ui.tm("app.tagline"))
ui.run_page(nav)   # a read failure at run time: the same German message
