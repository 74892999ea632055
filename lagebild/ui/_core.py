"""Core of the page helpers: resources, session and login, cached data, page helpers
(overview, trends). See ``lagebild.ui`` for the whole API."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from lagebild import accounts, clock
from lagebild.views import situation as views
from lagebild.access import Actor
from lagebild.analytics import trends
from lagebild.catalog import Catalog, load_catalog
from lagebild.config import get_settings
from lagebild.i18n import fmt_number, md_escape, t as _t
from lagebild.store import Store, StoreError, damaged_error, is_damage

LANG_KEY = "lagebild_lang"
CITY_KEY = "lagebild_city"
ACTOR_KEY = "lagebild_actor"   # the logged-in user (lagebild.access.Actor)
SEEN_KEY = "lagebild_last_seen"

FAVICON = str(Path(__file__).resolve().parent / "assets" / "favicon.png")  # local: no icon CDN
ALL_ROLES = ("admin", "krisenstab", "outreach", "gast")
# Navigation: (script, title key, icon, url path, roles that see it). A page added here
# appears for exactly these roles; app.py builds st.navigation from this table.
PAGES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    ("pages/overview.py", "nav.overview", ":material/dashboard:", "lagebild", ALL_ROLES),
    ("pages/map.py", "nav.map", ":material/map:", "karte", ALL_ROLES),
    ("pages/trends.py", "nav.trends", ":material/monitoring:", "trends", ALL_ROLES),
    ("pages/alerts.py", "alerts.nav.title", ":material/notifications:", "warnungen",
     ("admin", "krisenstab")),                                                    # (#4)
    ("pages/district.py", "measures.nav.district", ":material/location_city:", "stadtteil",
     ALL_ROLES),                                                                  # (#6)
    ("pages/measures.py", "measures.nav.measures", ":material/task_alt:", "massnahmen",
     ALL_ROLES),                                                                  # (#6)
    ("pages/meetings.py", "measures.nav.meetings", ":material/groups:", "sitzungen",
     ALL_ROLES),                                                                  # (#6)
    ("pages/briefing.py", "briefing.nav", ":material/picture_as_pdf:", "briefing",
     ALL_ROLES),                                                                  # (#6)
    ("pages/upload.py", "nav.upload", ":material/upload_file:", "hochladen",
     ("admin", "outreach")),
    ("pages/export.py", "nav.export", ":material/download:", "export", ALL_ROLES),
    ("pages/admin_users.py", "nav.admin_users", ":material/manage_accounts:", "konten",
     ("admin",)),
    ("pages/admin_boundaries.py", "maps.admin.nav", ":material/layers:", "grenzen", ("admin",)),
    ("pages/network.py", "network.nav", ":material/compare_arrows:", "staedtevergleich",
     ("admin", "krisenstab")),                                                    # (#19)
    ("pages/drugcheck.py", "drugcheck.page.nav", ":material/science:", "drug-checking",
     ("admin", "krisenstab", "outreach")),                                        # (#18)
]


# --------------------------------------------------------------------- resources
@st.cache_resource
def _store(path: str) -> Store:
    return Store(path)


def store() -> Store:
    """The process-wide store; on failure a German explanation and a stop, no traceback."""
    path = get_settings().db_path
    try:
        return _store(path)
    except StoreError as exc:
        st.error(tm("app.db_error", error=str(exc)))
        st.stop()


def run_page(nav) -> None:
    """Run the chosen page. A database that fails to read while a page runs (damaged after
    the start) gives the German ``restore`` message, never Streamlit's English error page."""
    try:
        nav.run()
    except Exception as exc:  # noqa: BLE001 - only DuckDB read failures are answered here
        if not is_damage(exc):
            raise
        st.error(tm("app.db_error", error=str(damaged_error(get_settings().db_path))))
        st.stop()


@st.cache_resource
def catalog() -> Catalog:
    return load_catalog()


def settings():
    return get_settings()


# --------------------------------------------------------------------- session
def lang() -> str:
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = settings().language
    return st.session_state[LANG_KEY]


def t(key: str, **kwargs) -> str:
    """The text in the session's language, values as given (for plain-text places: option
    labels, file names, tables, charts)."""
    return _t(key, lang(), **kwargs)


def md(value) -> str:
    """Data shown inside Markdown (``st.markdown``, titles, messages, captions, labels) as
    plain text: the one escape helper (``i18n.md_escape``) for every such place."""
    return md_escape(value)


def tm(key: str, **kwargs) -> str:
    """``t`` for Markdown places: every text value (a city, district, title, name,
    organisation, file name…) passes through ``md``; the template's own words stay."""
    return _t(key, lang(), **{k: md_escape(v) if isinstance(v, str) else v
                              for k, v in kwargs.items()})


def actor() -> Actor | None:
    """The logged-in user, or None. Identity-provider logins (``st.user``) are mapped to
    their Lagebild account by e-mail; local logins live in the session."""
    if st.session_state.get(ACTOR_KEY) is None and _oidc_logged_in():
        try:
            account = accounts.account_for_email(store(), str(st.user.get("email", "")))
        except accounts.LoginError as exc:
            st.session_state["lagebild_login_error"] = str(exc)
            return None
        store().log_event(account.actor, "login", method="oidc")
        _start_session(account)
    current = st.session_state.get(ACTOR_KEY)
    if current is not None and _expired():
        logout(reason=t("login.timeout"))
        return None
    st.session_state[SEEN_KEY] = time.monotonic()
    return current


def _oidc_logged_in() -> bool:
    try:
        return bool(st.user.get("is_logged_in", False))
    except Exception:  # st.user unavailable outside a session
        return False


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _expired() -> bool:
    seen = st.session_state.get(SEEN_KEY)
    return seen is not None and time.monotonic() - seen > settings().session_timeout_min * 60


def _start_session(account: "accounts.Account") -> None:
    st.session_state[ACTOR_KEY] = account.actor
    st.session_state["lagebild_display_name"] = account.display_name
    st.session_state[SEEN_KEY] = time.monotonic()


def _client_address() -> str | None:
    """The client's IP address (None for localhost or when Streamlit cannot tell); behind
    a reverse proxy that is the proxy's address (docs/security.md)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no script run context (bare mode)
        return None
    return address if isinstance(address, str) and address else None   # AppTest: a mock


def login(username: str, password: str) -> str | None:
    """Local login; returns a German error text or None on success."""
    try:
        account = accounts.authenticate(store(), username, password, settings().demo_mode,
                                        address=_client_address())
    except accounts.LoginError as exc:
        return str(exc)
    _start_session(account)
    return None


def logout(reason: str | None = None) -> None:
    for key in (ACTOR_KEY, SEEN_KEY, CITY_KEY, "lagebild_display_name"):
        st.session_state.pop(key, None)
    if reason:
        st.session_state["lagebild_login_error"] = reason
    if _oidc_logged_in():
        st.logout()


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
    page starts with :func:`require_login` or :func:`require_role`, so nothing renders
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
                 p for p in PAGES if current.role in p[4])]
    return st.navigation(pages)


def require_login() -> "Actor":
    """The logged-in user; otherwise show the login form here and stop the page."""
    current = actor()
    if current is None:
        login_form()
        st.stop()
    return current


def require_role(*roles: str) -> None:
    """Stop the page with a German message unless the user has one of ``roles``."""
    current = require_login()
    if current.role not in roles:
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


# --------------------------------------------------------------------- cached data
def data_version(city: str) -> tuple:
    """Cache key of everything read for ``city``: database, data version and the acting user.
    The user belongs in the key because the store's answers depend on role and organisation
    (a cached answer for the crisis team must never be handed to a guest)."""
    current = actor()
    return (store().path, city, store().data_version(current, city), current)


def shared_frame(**cache_kw):
    """``st.cache_resource`` for the large read-only frames (weekly grid, alert signals):
    one object per key, shared by all sessions. ``st.cache_data`` would keep a pickled
    copy and unpickle a new one for every session on every rerun, which with several
    cities open at once drove the server past 1 GB. Callers get a shallow copy; pandas'
    copy-on-write keeps the shared frame unchanged whatever they do with it."""
    def decorate(fn):
        cached = st.cache_resource(show_spinner=False, **cache_kw)(fn)

        @functools.wraps(fn)
        def call(*args):
            return cached(*args).copy(deep=False)
        call.clear = cached.clear
        return call
    return decorate


@shared_frame(ttl=600, max_entries=16)
def _grid(version: tuple, city: str) -> pd.DataFrame:
    s, a = store(), actor()
    dist = s.districts(a, city)
    weekly = s.weekly_counts(a, city)
    return trends.weekly_grid(weekly, list(dist["district_id"]), catalog().keys,
                              s.coverage(a, city))


def grid(city: str) -> pd.DataFrame:
    return _grid(data_version(city), city)


@st.cache_data(ttl=600, max_entries=80, show_spinner=False)
def _store_read(version: tuple, city: str, method: str, options: tuple = ()):
    return getattr(store(), method)(actor(), city, **dict(options))


def cached_read(method: str, city: str, **options):
    """``Store.<method>(actor, city, **options)``, cached per data version and user
    (``data_version``): the smaller per-city answers (districts, places, measures, ...)."""
    return _store_read(data_version(city), city, method, tuple(sorted(options.items())))


def districts(city: str):
    return cached_read("districts", city)


# --------------------------------------------------------------------- page helpers
def week_choices(city: str) -> list[pd.Timestamp]:
    """Weeks with data, newest first, starting at the latest completely reported week."""
    g = grid(city)
    if g.empty:
        return []
    latest = trends.latest_complete_week(g) or g["week"].max()
    weeks = sorted(w for w in g["week"].unique() if w <= latest)
    return list(reversed(weeks))[:104]


def data_status(city: str) -> tuple[str, str | None]:
    """(line, warning or None): "Datenstand: letzte Meldung …; Berichtswoche …" of ``city``."""
    _, last = cached_read("date_range", city)
    weeks = week_choices(city)
    return views.data_status(last, weeks[0] if weeks else None, clock.today(), lang())


def show_data_status(city: str) -> None:
    """Show how current the city's data is, with a warning when it is older than 14 days."""
    line, warning = data_status(city)
    st.caption(line)
    if warning:
        st.warning(warning, icon=":material/schedule:")


def table(data, *, key: str | None = None, hide_index: bool = True) -> None:
    """``st.dataframe`` that shows its table whole: every column wide enough for its header
    and values, every row up to 25 without scrolling, and a hint when there are more (#15)."""
    frame = data.data if hasattr(data, "data") and hasattr(data, "to_html") else data
    widths = views.column_widths(frame, index=not hide_index)
    config = {c: st.column_config.Column(width=w) for c, w in widths.items()}
    # the key carries the language: a keyed grid kept its German headers and cells after
    # the switch to English (#15 point 7)
    st.dataframe(data, hide_index=hide_index, width="stretch",
                 key=f"{key}_{lang()}" if key else None, column_config=config,
                 height=views.table_height(len(frame)))
    if len(frame) > views.MAX_ROWS_WITHOUT_SCROLL:
        st.caption(t("app.table_scroll", n=fmt_number(len(frame), lang())))
    if sum(widths.values()) > views.PAGE_PX:     # wider than the page: say so
        st.caption(t("app.table_scroll_wide"))


def overview_weeks(city: str) -> tuple[list, dict, int]:
    """The overview's week picker: (weeks newest first, label per week, default index).
    Newer, partly reported weeks come first, labelled with their reported days; the default
    stays the latest complete week."""
    complete = week_choices(city)
    partial = trends.newer_partial_weeks(grid(city)) if complete else pd.Series(dtype=int)
    weeks = [pd.Timestamp(w) for w in reversed(partial.index)] + list(complete)
    labels = {w: week_label(w) for w in complete}
    labels.update({pd.Timestamp(w): t("overview.week_partial", week=week_label(w), days=int(d))
                   for w, d in partial.items()})
    return weeks, labels, len(partial)


def week_label(week) -> str:
    return trends.iso_label(week, lang())


def small_count_k() -> int | None:
    """k for restricted views (role gast), None for full views."""
    current = actor()
    return settings().small_count_k if current is not None and current.restricted else None


def privacy_note() -> str | None:
    k = small_count_k()
    return t("privacy.note", k=k, k_minus=k - 1) if k else None


def overview(city: str, week) -> dict:
    g = grid(city)
    summary = trends.week_summary(g, week)
    dist = districts(city)
    k = small_count_k()
    return {
        "metrics": views.city_metrics(summary, catalog(), week, lang(), k),
        "matrix": views.district_matrix(summary, dist, catalog(), lang(), k),
        "summary": summary,
    }


def indicator_detail(city: str, summary: pd.DataFrame, indicator: str) -> pd.DataFrame:
    k = small_count_k() if catalog()[indicator].person_related else None
    return views.indicator_detail(summary, districts(city), indicator, lang(), k)


def indicator_options() -> dict[str, str]:
    return {i.key: i.label(lang()) for i in catalog()}


def has_population(city: str) -> bool:
    return bool(districts(city)["population"].notna().any())


def period_text(week, weeks: int) -> tuple[str, str]:
    start, end = views.period_bounds(pd.Timestamp(week), weeks)
    return start.strftime("%d.%m.%Y"), end.strftime("%d.%m.%Y")


def trend_restricted(indicator: str) -> str | None:
    """The note to show when the trend of ``indicator`` is restricted for this user."""
    k = small_count_k()
    if k and catalog()[indicator].person_related:
        return t("privacy.trend_note", k_minus=k - 1)
    return None


def district_options(city: str, indicator: str | None = None) -> dict[str, str]:
    """Option keys (strings, widget-friendly) → names; the city total first."""
    opts = {trends.CITY: t("app.city_total")}
    if indicator and trend_restricted(indicator):
        return opts
    opts.update({str(k): v for k, v in
                 districts(city).set_index("district_id")["name"].sort_values().items()})
    return opts
