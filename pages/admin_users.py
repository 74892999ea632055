"""Konten & Protokoll (admin): accounts, roles, cities; the audit log."""

import streamlit as st

from lagebild import ui

ui.require_permission("users.list")
st.title(ui.tm("nav.admin_users"))
st.subheader(ui.tm("admin.users_heading"))
st.dataframe(ui.users_display(), hide_index=True, width="stretch")

with st.form("add_user", clear_on_submit=True):
    st.subheader(ui.tm("admin.add_heading"))
    c1, c2 = st.columns(2)
    username = c1.text_input(ui.t("admin.username"), key="new_username")
    role = c2.selectbox(ui.t("admin.role"), ui.ROLES, format_func=lambda r: ui.t(f"roles.{r}"),
                        key="new_role")
    organisation = c1.text_input(ui.t("admin.organisation"), key="new_org")
    cities = c2.multiselect(ui.t("admin.cities"), ui.all_city_names(), key="new_cities")
    email = c1.text_input(ui.t("admin.email"), key="new_email")
    password = c2.text_input(ui.t("admin.password"), type="password", key="new_password")
    if st.form_submit_button(ui.t("admin.add")):
        problem = ui.add_user(username, role, password, organisation, cities, email)
        if problem:
            st.error(ui.md(problem))
        else:
            st.success(ui.tm("admin.added", username=username))

st.subheader(ui.tm("admin.manage_heading"))
names = ui.user_names()
if names:
    c1, c2, c3 = st.columns([2, 1, 1])
    who = c1.selectbox(ui.t("admin.account"), names, key="manage_user")
    if c2.button(ui.t("admin.disable"), key="disable_user"):
        ui.set_active(who, False)
        st.rerun()
    if c3.button(ui.t("admin.enable"), key="enable_user"):
        ui.set_active(who, True)
        st.rerun()
    new_pw = c1.text_input(ui.t("admin.new_password"), type="password", key="reset_pw")
    if c2.button(ui.t("admin.set_password"), key="reset_pw_button"):
        problem = ui.reset_password(who, new_pw)
        st.error(ui.md(problem)) if problem else st.success(ui.tm("admin.done"))

st.subheader(ui.tm("backup.heading"))                    # (#20) backups by the server
st.caption(ui.md(ui.backup_status()))
if st.button(ui.t("backup.now"), key="backup_now", disabled=not ui.backup_configured()):
    ok, message = ui.backup_now()
    (st.success if ok else st.error)(ui.md(message))

st.subheader(ui.tm("admin.audit_heading"))
st.dataframe(ui.audit_display(), hide_index=True, width="stretch")
st.download_button(ui.t("admin.audit_download"), data=ui.audit_csv(),
                   file_name="lagebild-protokoll.csv", mime="text/csv", key="audit_download",
                   on_click="ignore")
