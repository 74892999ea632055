"""The frame around every page: navigation by role, the login form and the guards each page
calls first (``require_login``/``require_permission``), the user box, language switch, city picker
and the e-mail box of the sidebar."""

from __future__ import annotations

import streamlit as st

from lagebild.access import Actor, allowed
from lagebild.i18n import t as _t
from lagebild.ui._core import (ACTOR_KEY, CITY_KEY, LANG_KEY, actor, lang, login,
                               logout, md, oidc_configured, settings, store, t, tm)

# Navigation: (script, title key, icon, url path, action in access.PERMISSIONS that shows
# it). A page added here appears for exactly the roles of that action; app.py builds
# st.navigation from this table, and the page itself calls require_permission(action).
PAGES: list[tuple[str, str, str, str, str]] = [
    ("pages/overview.py", "nav.overview", ":material/dashboard:", "lagebild", "app.use"),
    ("pages/map.py", "nav.map", ":material/map:", "karte", "app.use"),
    ("pages/trends.py", "nav.trends", ":material/monitoring:", "trends", "app.use"),
    ("pages/alerts.py", "alerts.nav.title", ":material/notifications:", "warnungen",
     "alerts.view"),                                                              # (#4)
    ("pages/district.py", "measures.nav.district", ":material/location_city:", "stadtteil",
     "app.use"),                                                                  # (#6)
    ("pages/measures.py", "measures.nav.measures", ":material/task_alt:", "massnahmen",
     "app.use"),                                                                  # (#6)
    ("pages/meetings.py", "measures.nav.meetings", ":material/groups:", "sitzungen",
     "app.use"),                                                                  # (#6)
    ("pages/briefing.py", "briefing.nav", ":material/picture_as_pdf:", "briefing",
     "app.use"),                                                                  # (#6)
    ("pages/upload.py", "nav.upload", ":material/upload_file:", "hochladen", "upload.import"),
    ("pages/export.py", "nav.export", ":material/download:", "export", "app.use"),
    ("pages/admin_users.py", "nav.admin_users", ":material/manage_accounts:", "konten",
     "users.list"),
    ("pages/admin_boundaries.py", "maps.admin.nav", ":material/layers:", "grenzen",
     "districts.import"),
    ("pages/network.py", "network.nav", ":material/compare_arrows:", "staedtevergleich",
     "share.read"),                                                               # (#19)
    ("pages/drugcheck.py", "drugcheck.page.nav", ":material/science:", "drug-checking",
     "drugcheck.view"),                                                           # (#18)
    ("pages/warnings.py", "warnings.nav", ":material/campaign:", "substanzwarnungen",
     "warnings.view"),                                                            # (#18)
    ("pages/operations.py", "ops.nav", ":material/monitor_heart:", "betrieb",
     "operations.view"),                                                          # (#20)
]


def user_box() -> None:
    """Sidebar: who is logged in, with which role, and the logout button."""
    current = st.session_state.get(ACTOR_KEY)
    if current is None:
        return
    name = st.session_state.get("lagebild_display_name", current.username)
    role = t(f"roles.{current.role}")
    org = f" · {current.organisation}" if current.organisation else ""
    st.sidebar.caption(tm("login.logged_in_as", name=name, role=role) + md(org))
    if st.sidebar.button(t("login.logout"), key="logout"):
        logout()
        st.rerun()


def navigation() -> "st.navigation":
    """Navigation for the current user: the pages of their role (first one default).

    Logged out: the login page is the default and every other page is registered but hidden,
    so that a deep link (``/karte``) shows the login form and, after login, that page. Each
    page starts with :func:`require_login` or :func:`require_permission`, so nothing renders
    before a login.
    """
    current = actor()
    if current is None:
        pages = [st.Page("pages/login.py", title=t("nav.login"), icon=":material/login:",
                         url_path="anmelden", default=True)]
        pages += [st.Page(script, title=t(title), url_path=url)
                  for script, title, _, url, _ in PAGES]
        return st.navigation(pages, position="hidden")
    pages = [st.Page(script, title=t(title), icon=icon, url_path=url, default=i == 0)
             for i, (script, title, icon, url, _) in enumerate(
                 p for p in PAGES if allowed(current, p[4]))]
    return st.navigation(pages)


def require_login() -> "Actor":
    """The logged-in user; otherwise show the login form here and stop the page."""
    current = actor()
    if current is None:
        login_form()
        st.stop()
    return current


def require_permission(action: str) -> None:
    """Stop the page with a German message unless the user's role may do ``action``
    (``lagebild.access.PERMISSIONS``)."""
    current = require_login()
    if not allowed(current, action):
        st.error(tm("app.forbidden"))
        st.stop()


def login_form() -> None:
    """The login: identity provider button (when configured) and the local account form."""
    st.title(tm("login.heading"))
    st.caption(tm("app.tagline"))
    error = st.session_state.pop("lagebild_login_error", None)
    if error:
        st.error(md(error))
    if oidc_configured():
        if st.button(t("login.oidc"), type="primary", key="oidc_login"):
            st.login()
        st.divider()
    with st.form("login_form"):
        username = st.text_input(t("login.username"), key="login_username")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit"))
    if submitted:
        problem = login(username, password)
        if problem:
            st.error(md(problem))
        else:
            st.rerun()
    if settings().demo_mode:
        st.info(tm("login.demo_hint"))


def language_switch() -> None:
    english = st.sidebar.toggle(_t("app.language", "de"), value=lang() == "en",
                                key="lang_toggle")
    st.session_state[LANG_KEY] = "en" if english else "de"


def city_picker() -> str | None:
    """Sidebar city selector; returns the chosen city name or None when there is none."""
    cities = store().cities(actor())
    if cities.empty:
        from lagebild.access import SYSTEM
        # cities exist, but none for this account: say that, not "no city yet"
        st.info(tm("app.no_city_assigned" if len(store().cities(SYSTEM)) else "app.no_city"))
        return None
    names = list(cities["name"])
    current = st.session_state.get(CITY_KEY)
    index = names.index(current) if current in names else 0
    city = st.sidebar.selectbox(t("app.city"), names, index=index, key="city_select")
    st.session_state[CITY_KEY] = city
    if bool(cities.set_index("name").loc[city, "is_demo"]):
        st.warning(tm("app.demo_banner", city=city), icon=":material/science:")
    notification_box(city)
    return city


def notification_box(city: str) -> None:
    """Sidebar: the account's e-mail subscription for ``city`` (#17), stored when changed."""
    current = actor()
    if current is None or current.username == "system":
        return
    mine = store().subscription(current, city)
    with st.sidebar.expander(t("notify.box")):
        if not mine["email"]:
            st.caption(t("notify.no_email"))
            return
        st.caption(tm("notify.to", email=mine["email"]))
        enabled = st.toggle(t("notify.enabled"), value=mine["enabled"],
                            key=f"notify_enabled_{city}")
        digest = st.checkbox(t("notify.digest"), value=mine["digest"], disabled=not enabled,
                             key=f"notify_digest_{city}")
        if (enabled, digest) != (mine["enabled"], mine["digest"]):
            store().set_subscription(current, city, enabled=enabled, digest=digest)
            st.caption(t("notify.saved"))
