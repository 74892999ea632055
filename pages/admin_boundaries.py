"""Grenzen & Orte (admin): load a city's district boundaries from its open data, pick the
fields, preview, import with a change report; upload the city's sensitive places."""

import streamlit as st

from lagebild import ui

ui.require_permission("districts.import")
st.title(ui.tm("maps.admin.title"))

# ------------------------------------------------------------------ boundaries
st.header(ui.tm("maps.admin.boundaries"))
st.caption(ui.tm("maps.admin.boundaries_help"))
cities = ui.all_city_names()
NEW = "\x00new"
c1, c2 = st.columns(2)
pick = c1.selectbox(ui.t("maps.admin.city"), [*cities, NEW], key="boundaries_city",
                    format_func=lambda c: ui.t("maps.admin.new_city") if c == NEW else c)
city = pick
if pick == NEW:
    city = c1.text_input(ui.t("maps.admin.new_city_name"), key="boundaries_new_city").strip()
ags = c2.text_input(ui.t("maps.admin.ags"), key="boundaries_ags")
upload = st.file_uploader(ui.t("maps.admin.file"), type=["geojson", "json", "gpkg", "zip"],
                          key="boundaries_file")
if upload is not None:
    read = ui.read_boundary_upload(upload.getvalue(), upload.name)
    if isinstance(read, str):
        st.error(ui.md(read))
    else:
        raw, guess = read
        columns = [c for c in raw.columns if c != raw.geometry.name]
        none = ""
        f1, f2, f3, f4 = st.columns(4)

        def field(col, label, key, default, empty_label):
            opts = [none, *columns]
            return col.selectbox(ui.t(label), opts, key=key,
                                 index=opts.index(default) if default in opts else 0,
                                 format_func=lambda c: c or ui.t(empty_label)) or None

        name = field(f1, "maps.admin.field_name", "boundaries_name", guess["name"],
                     "maps.admin.field_none")
        code = field(f2, "maps.admin.field_code", "boundaries_code", guess["code"],
                     "maps.admin.field_rownumber")
        population = field(f3, "maps.admin.field_population", "boundaries_population",
                           guess["population"], "maps.admin.field_none")
        parent = field(f4, "maps.admin.field_parent", "boundaries_parent", guess["parent"],
                       "maps.admin.field_none")
        preview = ui.boundary_preview(raw, name, code, population, parent)
        if isinstance(preview, str):
            st.error(ui.md(preview))
        else:
            gdf, html, table, area = preview
            st.subheader(ui.tm("maps.admin.preview", n=len(gdf), area=area))
            st.iframe(html, height=420)
            st.dataframe(table, hide_index=True, width="stretch")
            if st.button(ui.t("maps.admin.import"), type="primary", key="boundaries_import"):
                if not city:
                    st.error(ui.tm("maps.admin.need_city"))
                else:
                    report = ui.import_boundaries(city, ags, gdf)
                    st.success(ui.tm("maps.admin.report", city=city, n=len(gdf),
                                    added=len(report["added"]), updated=len(report["updated"]),
                                    unchanged=len(report["unchanged"])))
                    for key, label in (("added", "maps.admin.report_added"),
                                       ("updated", "maps.admin.report_updated"),
                                       ("missing", "maps.admin.report_missing")):
                        if report[key]:
                            st.markdown(f"**{ui.t(label)}:** " + ", ".join(ui.md(n) for n in report[key]))

# ------------------------------------------------------------------ sensitive places
st.header(ui.tm("maps.admin.places"))
st.caption(ui.tm("maps.admin.places_help"))
cities = ui.all_city_names()
if not cities:
    st.info(ui.tm("maps.admin.places_need_city"))
    st.stop()
place_city = st.selectbox(ui.t("maps.admin.city"), cities, key="places_city")
st.caption(ui.tm("maps.admin.places_current", n=len(ui.places(place_city))))
place_file = st.file_uploader(ui.t("maps.admin.places_file"), type=["csv", "txt", "geojson",
                                                                  "json"], key="places_file")
if place_file is not None:
    parsed = ui.parse_places_upload(place_file.getvalue(), place_file.name)
    if isinstance(parsed, tuple):
        message, problems = parsed
        st.error(ui.md(message) + ("\n\n" + "\n".join(f"- {ui.md(p)}" for p in problems[:50])
                            if problems else ""))
    else:
        st.subheader(ui.tm("maps.admin.places_preview", n=len(parsed)))
        kinds = ui.place_kind_labels()
        st.dataframe(parsed.assign(kind=parsed["kind"].map(kinds)), hide_index=True,
                     width="stretch")
        if st.button(ui.t("maps.admin.places_import"), type="primary", key="places_import"):
            done = ui.import_places(place_city, parsed, place_file.name)
            st.success(ui.tm("maps.admin.places_done", city=place_city, **done))
