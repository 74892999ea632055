"""Daten hochladen: template, upload, preview with every error, atomic import, withdraw."""

import streamlit as st

from lagebild import ui

ui.require_permission("upload.import")
city = ui.city_picker()
if city:
    st.title(ui.tm("upload.heading", city=city))
    st.caption(ui.tm("upload.intro"))
    message = ui.flash()
    if message:
        st.success(ui.md(message))
    orgs = ui.organisations(city)
    c1, c2 = st.columns(2)
    organisation = c1.selectbox(ui.t("upload.organisation"), orgs, key="upload_org") if orgs \
        else None
    if not ui.actor().bound_to_organisation:       # may name a new organisation
        organisation = c2.text_input(ui.t("upload.new_organisation"), key="upload_new_org") \
            or organisation
    csv_tpl, xlsx_tpl = ui.templates(city)
    c1.download_button(ui.t("upload.template_csv"), csv_tpl, "lagebild-vorlage.csv", "text/csv",
                       key="tpl_csv", on_click="ignore")
    c2.download_button(ui.t("upload.template_xlsx"), xlsx_tpl, "lagebild-vorlage.xlsx",
                       key="tpl_xlsx", on_click="ignore")
    c1.download_button(ui.t("upload.template_tests"), ui.test_template(city),
                       "lagebild-vorlage-testergebnisse.csv", "text/csv", key="tpl_tests",
                       on_click="ignore")
    file = st.file_uploader(ui.t("upload.file"), type=["csv", "xlsx"],
                            key=f"upload_file_{st.session_state.get('upload_nonce', 0)}")
    period = None
    if st.checkbox(ui.t("upload.use_period"), key="upload_use_period"):
        p1, p2 = st.columns(2)
        period = (p1.date_input(ui.t("upload.period_from"), key="upload_from"),
                  p2.date_input(ui.t("upload.period_to"), key="upload_to"))
    replace = st.checkbox(ui.t("upload.replace"), key="upload_replace")
    if file is not None and organisation:
        data = file.getvalue()
        preview = ui.check_upload(city, organisation, data, file.name, replace=replace,
                                  period=period)
        tables = preview.tables
        show = st.success if preview.status == "valid" else st.error
        show(ui.md(preview.message))
        if "errors" in tables:
            st.subheader(ui.tm("upload.errors_heading", n=len(tables["errors"])))
            st.dataframe(tables["errors"], hide_index=True, width="stretch")
            st.download_button(ui.t("upload.errors_download"), preview.errors_csv,
                               "lagebild-fehler.csv", "text/csv", key="errors_csv",
                               on_click="ignore")
        if "collisions" in tables:
            st.subheader(ui.tm("upload.collisions_heading", n=len(tables["collisions"])))
            st.dataframe(tables["collisions"], hide_index=True, width="stretch")
        if "by_district" in tables:
            st.subheader(ui.tm("upload.totals_heading"))
            st.dataframe(tables["by_district"], width="stretch")
        if "rows" in tables:
            with st.expander(ui.t("upload.rows_heading")):
                st.dataframe(tables["rows"], hide_index=True, width="stretch")
        if preview.status == "valid" and st.button(ui.t("upload.import"), type="primary",
                                                   key="upload_import"):
            bar = st.progress(0.0)
            done = ui.check_upload(city, organisation, data, file.name, replace=replace,
                                   period=period, write=True,
                                   progress=lambda f, s: bar.progress(min(f, 1.0), text=s))
            bar.empty()
            if done.status == "imported":
                ui.flash(f"{done.message} {ui.import_visibility(done)}")
                st.session_state["upload_nonce"] = st.session_state.get("upload_nonce", 0) + 1
                st.rerun()
            st.error(ui.md(done.message))
    st.subheader(ui.tm("upload.list_heading"))
    uploads, withdrawable = ui.uploads_view(city)
    if uploads.empty:
        st.caption(ui.tm("upload.no_uploads"))
    else:
        st.dataframe(uploads, hide_index=True, width="stretch")
        for item in withdrawable:
            if st.button(ui.t("upload.withdraw", upload_id=item["id"]),
                         key=f"withdraw_{item['id']}"):
                ui.ask_withdrawal(item)
        pending = ui.pending_withdrawal()
        if pending:                     # one click is not enough: say what goes, then confirm
            st.warning(ui.t("upload.withdraw_confirm", upload_id=pending["id"],
                            filename=pending["filename"], organisation=pending["organisation"],
                            rows=pending["rows"]))
            y, n = st.columns(2)
            if y.button(ui.t("upload.withdraw_yes"), type="primary", key="withdraw_yes"):
                ui.ask_withdrawal(None)
                ui.flash(ui.withdraw_upload(city, pending["id"]))
                st.rerun()
            if n.button(ui.t("upload.withdraw_no"), key="withdraw_no"):
                ui.ask_withdrawal(None)
                st.rerun()
