"""The only Streamlit-aware helper module: cached accessors, session keys, guards.

Pages call these functions and show what they return; they never touch the store or
compute anything themselves.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from lagebild import accounts, charts, maps, views
from lagebild.access import Actor
from lagebild.analytics import trends
from lagebild.catalog import Catalog, load_catalog
from lagebild.config import get_settings
from lagebild.i18n import fmt_number
from lagebild.i18n import t as _t
from lagebild.store import Store, StoreError

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
        st.error(t("app.db_error", error=str(exc)))
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
    return _t(key, lang(), **kwargs)


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
    st.session_state[SEEN_KEY] = time.time()
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
    return seen is not None and time.time() - seen > settings().session_timeout_min * 60


def _start_session(account: "accounts.Account") -> None:
    st.session_state[ACTOR_KEY] = account.actor
    st.session_state["lagebild_display_name"] = account.display_name
    st.session_state[SEEN_KEY] = time.time()


def login(username: str, password: str) -> str | None:
    """Local login; returns a German error text or None on success."""
    try:
        account = accounts.authenticate(store(), username, password, settings().demo_mode)
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
    st.sidebar.caption(t("login.logged_in_as", name=name, role=role) + org)
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
        st.error(t("app.forbidden"))
        st.stop()


def login_form() -> None:
    """The login: identity provider button (when configured) and the local account form."""
    st.title(t("login.heading"))
    st.caption(t("app.tagline"))
    error = st.session_state.pop("lagebild_login_error", None)
    if error:
        st.error(error)
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
            st.error(problem)
        else:
            st.rerun()
    if settings().demo_mode:
        st.info(t("login.demo_hint"))


def language_switch() -> None:
    english = st.sidebar.toggle(_t("app.language", "de"), value=lang() == "en",
                                key="lang_toggle")
    st.session_state[LANG_KEY] = "en" if english else "de"


def city_picker() -> str | None:
    """Sidebar city selector; returns the chosen city name or None when there is none."""
    cities = store().cities(actor())
    if cities.empty:
        st.info(t("app.no_city"))
        return None
    names = list(cities["name"])
    current = st.session_state.get(CITY_KEY)
    index = names.index(current) if current in names else 0
    city = st.sidebar.selectbox(t("app.city"), names, index=index, key="city_select")
    st.session_state[CITY_KEY] = city
    if bool(cities.set_index("name").loc[city, "is_demo"]):
        st.warning(t("app.demo_banner", city=city), icon=":material/science:")
    return city


# --------------------------------------------------------------------- cached data
def _data_version(city: str) -> tuple:
    """Cache key of everything read for ``city``: database, data version and the acting user.
    The user belongs in the key because the store's answers depend on role and organisation
    (a cached answer for the crisis team must never be handed to a guest)."""
    current = actor()
    return (store().path, city, store().data_version(current, city), current)


def _shared_frame(**cache_kw):
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


@_shared_frame(ttl=600, max_entries=16)
def _grid(version: tuple, city: str) -> pd.DataFrame:
    s, a = store(), actor()
    dist = s.districts(a, city)
    weekly = s.weekly_counts(a, city)
    return trends.weekly_grid(weekly, list(dist["district_id"]), catalog().keys,
                              s.coverage(a, city))


def grid(city: str) -> pd.DataFrame:
    return _grid(_data_version(city), city)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _districts(version: tuple, city: str):
    return store().districts(actor(), city)


def districts(city: str):
    return _districts(_data_version(city), city)


# --------------------------------------------------------------------- page helpers
def week_choices(city: str) -> list[pd.Timestamp]:
    """Weeks with data, newest first, starting at the latest completely reported week."""
    g = grid(city)
    if g.empty:
        return []
    latest = trends.latest_complete_week(g) or g["week"].max()
    weeks = sorted(w for w in g["week"].unique() if w <= latest)
    return list(reversed(weeks))[:104]


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


def trend_figure(city: str, indicator: str, chosen: list[str], weeks: int, markers=None):
    district_ids = [k if k == trends.CITY else int(k) for k in chosen]
    k = small_count_k() if catalog()[indicator].person_related else None
    series = views.trend_series(grid(city), districts(city), indicator, district_ids, weeks,
                                lang(), k)
    label = catalog()[indicator].label(lang())
    return charts.weekly_lines(series, title=t("trends.chart_title", indicator=label),
                               y_title=catalog()[indicator].unit(lang()), lang=lang(),
                               band=alert_band(city, indicator, district_ids, weeks),  # (#4)
                               markers=markers)                                       # (#6)


# --------------------------------------------------------------------- section: maps (#5)
MAP_DISTRICT_KEY = "map_district"     # selectbox of the district detail, set by map clicks
PROXIMITY_INDICATOR = "spritzenfunde"


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _display_districts(version: tuple, city: str):
    return store().districts(actor(), city, display=True)


def display_districts(city: str):
    """Districts with their simplified map geometry (shared borders kept)."""
    return _display_districts(_data_version(city), city)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _places(version: tuple, city: str) -> pd.DataFrame:
    return store().places(actor(), city)


def places(city: str) -> pd.DataFrame:
    return _places(_data_version(city), city)


def number(value, decimals: int = 0) -> str:
    """A number formatted for the current language (1.234 / 1,234)."""
    return fmt_number(value, lang(), decimals)


def place_kind_labels() -> dict[str, str]:
    return {k: t(f"maps.kind.{k}") for k in maps.PLACE_COLOURS}


def points_allowed(indicator: str) -> bool:
    """Points only for indicators that allow them, never person-related, never restricted."""
    ind, current = catalog()[indicator], actor()
    return (ind.points_allowed and not ind.person_related and current is not None
            and not current.restricted)


def map_points(city: str, indicator: str, week, weeks: int) -> pd.DataFrame:
    start, end = views.period_bounds(pd.Timestamp(week), weeks)
    return store().points(actor(), city, indicator, start.date(), end.date(), catalog())


def map_view(city: str, indicator: str, week, weeks: int, measure, points_mode: str | None = None,
             colours: pd.Series | None = None, legend: list | None = None):
    """(folium map, value table, number of points, points mode drawn) for the map page.
    ``measure``: False (count), True (per 10 000) or "alert" (``colours``/``legend`` from
    the alerts hook). Many points are drawn as heat even when clusters were asked for."""
    from lagebild import privacy
    dist, rate = display_districts(city), measure is True
    ids = dist["district_id"]
    counts = views.map_values(grid(city), dist, indicator, pd.Timestamp(week), weeks, False)
    values = (views.map_values(grid(city), dist, indicator, pd.Timestamp(week), weeks, True)
              if rate else counts).reindex(ids)
    decimals = 1 if rate else 0
    labels = values.map(lambda v: fmt_number(v, lang(), decimals))
    title = catalog()[indicator].label(lang()) + (" " + t("map.measure_rate") if rate else "")
    k = small_count_k() if catalog()[indicator].person_related else None
    if k:   # restricted view: small counts (and their complements) are hidden, also as rates
        status = privacy.suppress_column(counts.reindex(ids), k)
        hidden = (status != privacy.SHOWN).to_numpy()
        labels[hidden] = [privacy.display(None, s, k) for s in status[hidden]]
        values = values.where(~hidden)
        if measure != "alert":
            colours, legend = maps.class_colours(values, lambda v: fmt_number(v, lang(), decimals),
                                                 t("maps.no_data"))
            colours[hidden] = "#bdbdbd"
            legend = legend + [("#bdbdbd", t("maps.suppressed", k=k))]
    s = settings()
    m = maps.choropleth(dist, values, title=title, labels=labels,
                        colours=colours if (k or measure == "alert") else None, legend=legend,
                        no_data_label=t("maps.no_data"), basemap_url=s.basemap_url,
                        attribution=s.basemap_attribution)
    n_points, drawn = 0, None
    if points_mode and points_allowed(indicator):
        pts = map_points(city, indicator, week, weeks)
        n_points = len(pts)
        if n_points:
            drawn = maps.add_points(m, pts, label=catalog()[indicator].label(lang()),
                                    mode=points_mode)
    spots = places(city)
    if not spots.empty:
        maps.add_places(m, spots, kind_labels=place_kind_labels(), title=t("maps.places_layer"),
                        radius_m=settings().proximity_m if points_mode else 0)
    table = pd.DataFrame({t("app.district"): dist["name"].to_numpy(),
                          title: labels.to_numpy(), "_v": values.to_numpy()})
    table = table.sort_values("_v", ascending=False, na_position="last").drop(columns="_v")
    return m, table, n_points, drawn


def _on_map_click() -> None:
    """Callback of the map component: a clicked district becomes the detail selection."""
    value = st.session_state.get("map_click") or {}
    feature = value.get("last_active_drawing") or {}
    district = (feature.get("properties") or {}).get("district_id")
    if district is not None:
        st.session_state[MAP_DISTRICT_KEY] = str(district)


def show_map(m, height: int = 560) -> None:
    """Render the map with streamlit-folium. Only a click on a district reruns the page
    (``returned_objects``); pan and zoom stay in the browser. Leaflet and plugins come from
    /app/static/vendor (the component loads exactly the map's ``default_js``/``_css``)."""
    from streamlit_folium import st_folium
    st_folium(m, key="map_click", height=height, use_container_width=True,
              returned_objects=["last_active_drawing"], on_change=_on_map_click)


def district_choice_options(city: str) -> dict[str, str]:
    opts = {"": t("maps.detail_none")}
    opts.update({str(k): v for k, v in
                 districts(city).set_index("district_id")["name"].sort_values().items()})
    return opts


def district_detail(city: str, district: str, week, weeks: int) -> tuple[dict, pd.DataFrame]:
    """Header facts and one row per indicator for one district: the period, per 10 000,
    the period before and the share of the city; restricted views are suppressed per
    indicator exactly as in the map table (same column, same complements)."""
    from lagebild import privacy
    dist, did, g = districts(city), int(district), grid(city)
    row = dist.set_index("district_id").loc[did]
    week = pd.Timestamp(week)
    before = week - pd.Timedelta(days=7 * weeks)
    rows = []
    for ind in catalog():
        now = views.map_values(g, dist, ind.key, week, weeks, False)
        prev = views.map_values(g, dist, ind.key, before, weeks, False)
        rate = trends.rate_per_10k(now, dist.set_index("district_id")["population"])
        k = small_count_k() if ind.person_related else None
        cells = [now.get(did), rate.get(did), prev.get(did),
                 now.get(did) / now.sum() if now.sum() else None]
        fmts = [0, 1, 0, None]
        text = [("–" if v is None or pd.isna(v) else
                 fmt_number(v * 100, lang()) + " %" if d is None else fmt_number(v, lang(), d))
                for v, d in zip(cells, fmts)]
        if k:
            for i, series in ((0, now), (2, prev)):
                status = privacy.suppress_column(series.reindex(dist["district_id"]), k)
                text[i] = privacy.display(series.get(did), status.get(did, ""), k,
                                          lambda v: fmt_number(v, lang()))
            if text[0] in (f"< {k}", "×"):
                text[1], text[3] = text[0], text[0]
        rows.append([ind.label(lang()), *text])
    cols = [t("maps.col_indicator"), t("maps.col_period"), t("maps.col_rate"),
            t("maps.col_before"), t("maps.col_city_share")]
    pop = row["population"]
    meta = {"name": row["name"],
            "parent": row["parent"] if pd.notna(row["parent"]) else t("maps.unknown"),
            "population": fmt_number(pop, lang()) if pd.notna(pop) else t("maps.unknown")}
    return meta, pd.DataFrame(rows, columns=cols)


def proximity_notices(city: str) -> tuple[pd.DataFrame, object]:
    """Syringe finds near sensitive places (pure ``places.proximity_notices``) and the
    reference day (latest report). Empty for roles without point data or without places."""
    from lagebild import places as places_mod
    spots, s = places(city), settings()
    if spots.empty or PROXIMITY_INDICATOR not in catalog().keys \
            or not points_allowed(PROXIMITY_INDICATOR):
        return pd.DataFrame(), None
    _, last = store().date_range(actor(), city)
    if last is None:
        return pd.DataFrame(), None
    start = pd.Timestamp(last) - pd.Timedelta(days=s.proximity_days - 1)
    finds = store().points(actor(), city, PROXIMITY_INDICATOR, start.date(), last, catalog())
    return places_mod.proximity_notices(finds, spots, distance_m=s.proximity_m,
                                        days=s.proximity_days, reference=last), last


def _md(text: str) -> str:
    """Uploaded text shown as Markdown: every Markdown/HTML character escaped."""
    return "".join("\\" + c if c in "\\`*_{}[]()<>#+-.!|~$:" else c for c in str(text))


def show_proximity_notices(city: str) -> None:
    """The overview block: one warning line per notice (ten at most), all in a table."""
    notices, last = proximity_notices(city)
    if last is None:
        return
    s, kinds = settings(), place_kind_labels()
    st.subheader(t("maps.proximity.heading"))
    st.caption(t("maps.proximity.caption", m=s.proximity_m, days=s.proximity_days,
                 date=pd.Timestamp(last).strftime("%d.%m.%Y")))
    if notices.empty:
        st.success(t("maps.proximity.none", m=s.proximity_m, days=s.proximity_days))
        return
    for r in notices.head(10).itertuples(index=False):
        kind = kinds.get(r.kind, r.kind)
        place = r.place if r.place.casefold().startswith(kind.casefold()) else f"{kind} {r.place}"
        st.warning(t("maps.proximity.notice", distance=r.distance_m, place=_md(place),
                     date=pd.Timestamp(r.date).strftime("%d.%m.%Y")), icon=":material/warning:")
    if len(notices) > 10:
        with st.expander(t("maps.proximity.more", n=len(notices))):
            st.dataframe(pd.DataFrame({
                t("maps.proximity.col_date"): pd.to_datetime(notices["date"]).dt.strftime(
                    "%d.%m.%Y"),
                t("maps.proximity.col_place"): notices["place"],
                t("maps.proximity.col_kind"): notices["kind"].map(kinds),
                t("maps.proximity.col_distance"): notices["distance_m"]}), hide_index=True)


# admin page "Grenzen & Orte": thin wrappers so that the page talks only to ui
def read_boundary_upload(data: bytes, filename: str):
    """(raw features, field guesses) or a German error text."""
    from lagebild import geo
    try:
        raw = geo.read_geofile(data, filename)
    except geo.BoundaryError as exc:
        return str(exc)
    cols = [c for c in raw.columns if c != raw.geometry.name]
    return raw, geo.field_guesses(cols)


def boundary_preview(raw, name: str, code: str | None, population: str | None,
                     parent: str | None):
    """(districts, preview map HTML, table, total area text) or a German error text."""
    from lagebild import geo
    try:
        gdf = geo.districts_from_frame(raw, name_field=name, code_field=code,
                                       population_field=population, parent_field=parent)
    except geo.BoundaryError as exc:
        return str(exc)
    show = gdf.set_geometry(gdf["display_geometry"]).assign(district_id=range(len(gdf)))
    m = maps.choropleth(show, pd.Series(dtype=float), title=t("app.district"), legend=[],
                        labels=show.set_index("district_id")["code"],
                        no_data_label=t("maps.no_data"))
    area = geo.area_km2(gdf)
    table = pd.DataFrame({"code": gdf["code"], "name": gdf["name"],
                          "population": gdf["population"], "parent": gdf["parent"],
                          t("maps.admin.col_area"): area.round(2)})
    return gdf, maps.to_html(m), table, fmt_number(area.sum(), lang(), 1)


def import_boundaries(city: str, ags: str | None, gdf) -> dict:
    store().ensure_city(actor(), city, ags=ags or None)
    report = store().upsert_districts(actor(), city, gdf[["code", "name", "population", "parent",
                                                          "geometry", "display_geometry"]])
    store().checkpoint()      # cached views follow: every write changes the data version
    return report


def parse_places_upload(data: bytes, filename: str):
    """Places frame, or (German message, row problems)."""
    from lagebild import places as places_mod
    try:
        return places_mod.parse_places(data, filename)
    except places_mod.PlacesError as exc:
        return str(exc), exc.problems


def import_places(city: str, frame: pd.DataFrame, filename: str) -> dict:
    return store().replace_places(actor(), city, frame, filename)

# --------------------------------------------------------------------- section: alerts (#4)
# Signals are computed at write time (lagebild/alerting.py) and stored in the database; pages
# read them (cached per data version). Stale signals (data or alerts.toml changed without a
# refresh) are recomputed once here for roles that may write, in memory for the others.
import threading as _threading  # noqa: E402  (only the alerts section needs it)

_ALERT_LOCK = _threading.Lock()
ALERT_ROLES = ("admin", "krisenstab")     # see the Warnungen page; also used by #6


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _alert_config(path: str, mtime: float):
    from lagebild.alert_config import load_alert_config
    return load_alert_config(path, catalog())


def alert_config():
    """The validated ``data/alerts.toml`` (reloaded when the file changes); on an invalid
    file a German explanation and a stop."""
    from lagebild.alert_config import DEFAULT_PATH, AlertConfigError
    try:
        return _alert_config(str(DEFAULT_PATH), DEFAULT_PATH.stat().st_mtime)
    except (AlertConfigError, OSError) as exc:
        st.error(t("alerts.config_error", error=str(exc)))
        st.stop()


def _ensure_alerts(city: str) -> bool:
    """Refresh stale stored signals when this user may; True when the stored ones are current."""
    from lagebild import alerting
    s, a, cfg = store(), actor(), alert_config()
    if not alerting.is_stale(s, a, city, catalog(), cfg):
        return True
    if a.role not in Store.ALERT_WRITE_ROLES:
        return False
    with _ALERT_LOCK, st.spinner(t("alerts.stale")):
        if alerting.is_stale(s, a, city, catalog(), cfg):
            alerting.refresh_alerts(s, a, city, catalog(), cfg)
    return True


@_shared_frame(ttl=600, max_entries=8)
def _stored_signals(version: tuple, city: str) -> pd.DataFrame:
    from lagebild import alerting
    return alerting.load_signals(store(), actor(), city)


@_shared_frame(ttl=600, max_entries=8)
def _computed_signals(version: tuple, city: str) -> pd.DataFrame:
    from lagebild import alerting
    return alerting.compute(store(), actor(), city, catalog(), alert_config())


def alert_signals(city: str) -> pd.DataFrame:
    """Ampel signals of every series and week (district_id ``trends.CITY`` = whole city)."""
    fresh = _ensure_alerts(city)
    return (_stored_signals if fresh else _computed_signals)(_data_version(city), city)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _neighbours(key: tuple, city: str, tolerance: float) -> pd.DataFrame:
    from lagebild.analytics.neighbours import neighbour_pairs
    return neighbour_pairs(districts(city), tolerance)


def neighbour_pairs(city: str) -> pd.DataFrame:
    """Neighbouring districts, computed once per city and boundary version."""
    import hashlib
    import shapely
    dist = districts(city)
    digest = hashlib.sha256(b"".join(shapely.to_wkb(g) for g in dist.geometry
                                     if g is not None)).hexdigest()
    return _neighbours((store().path, city, digest), city,
                       alert_config().general["neighbour_tolerance_m"])


def alert_overview(city: str, week) -> dict:
    """Lagestufe (heading, reason, kind), Ampel matrix (Styler), reasons for the overview."""
    from lagebild import alert_text, alert_views, alerting
    cfg, dist = alert_config(), districts(city)
    esc, cells, watch = alerting.week_picture(alert_signals(city), week, cfg,
                                              neighbour_pairs(city))
    names = alert_views.names_with_city(dist, lang())
    labels = {i.key: i.label(lang()) for i in catalog()}
    heading, reason = alert_text.level_texts(esc, pd.Timestamp(week), names, labels, lang())
    text, codes = alert_views.ampel_matrix(cells, watch, dist, catalog(), lang())
    k = small_count_k()
    return {"level": esc.level, "kind": alert_text.LEVEL_KINDS[esc.level], "heading": heading,
            "height": 35 * (len(text) + 1) + 3,              # every district without scrolling
            "reason": _md(reason), "matrix": alert_views.styled(text, codes),
            "reasons": [(c, _md(text)) for c, text, _ in
                        alert_views.reason_lines(cells, dist, catalog(), lang(), k)],
            "privacy": t("alerts.overview.privacy", k_minus=k - 1) if k else None}


def show_level(info: dict) -> None:
    """The Lagestufe box: colour by level, heading and the rule that set it (in words)."""
    box = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}
    box[info["kind"]](f"**{info['heading']}** – {info['reason']}",
                      icon=":material/crisis_alert:" if info["level"] >= 2 else None)


def alert_band(city: str, indicator: str, district_ids: list, weeks: int):
    """Expected value, threshold and yellow/red weeks of the first chosen series (trends)."""
    from lagebild import alert_views
    if not district_ids:
        return None
    k = small_count_k() if catalog()[indicator].person_related else None
    first = trends.CITY if k else district_ids[0]
    return alert_views.band(alert_signals(city), first, indicator, weeks, k)


def alert_band_note(city: str, indicator: str, chosen: list[str]) -> str | None:
    """Caption explaining the band of the trend chart (which series it belongs to)."""
    if not chosen:
        return None
    restricted = small_count_k() and catalog()[indicator].person_related
    first = trends.CITY if restricted else chosen[0]
    return t("alerts.trends.band_caption",
             series=district_options(city).get(str(first), t("app.city_total")))


def alert_map_colours(city: str, indicator: str, week):
    """Hook of the map page: (colour per district, legend) of the Ampel in ``week``."""
    from lagebild import alert_views
    sig = alert_signals(city)
    return alert_views.map_colours(sig[sig["week"] == pd.Timestamp(week)], indicator, lang())


def _episodes(city: str) -> pd.DataFrame:
    _ensure_alerts(city)
    return _cached_episodes(_data_version(city), city)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def _cached_episodes(version: tuple, city: str) -> pd.DataFrame:
    from lagebild import alerting
    return alerting.load_episodes(store(), actor(), city)


def alert_filter_options(city: str) -> dict:
    """Option dicts (key → label) for the Warnungen filters."""
    statuses = ("open", "acknowledged", "ended", "retracted")
    dist = {trends.CITY: t("app.city_total")}
    dist.update({str(k): v for k, v in
                 districts(city).set_index("district_id")["name"].sort_values().items()})
    return {"status": {s: t(f"alerts.status.{s}") for s in statuses},
            "indicator": indicator_options(), "district": dist,
            "period": {n: t("alerts.page.period_weeks", n=n) for n in (4, 12, 26, 52)}
            | {0: t("alerts.page.period_all")},
            "end_after": alert_config().general["end_after_green_weeks"]}


def _filtered(city, statuses, indicators, district_keys, weeks) -> pd.DataFrame:
    from lagebild import alert_views
    eps = _episodes(city)
    since = None
    if weeks and len(eps):
        since = pd.to_datetime(alert_signals(city)["week"]).max() - pd.Timedelta(
            days=7 * (weeks - 1))
    ids = [k if k == trends.CITY else int(k) for k in district_keys]
    return alert_views.filter_episodes(eps, statuses, indicators, ids, since)


def alert_list(city: str, statuses, indicators, district_keys, weeks: int) -> pd.DataFrame:
    from lagebild import alert_views
    eps = _filtered(city, statuses, indicators, district_keys, weeks)
    return alert_views.alert_table(eps, alert_signals(city), districts(city), catalog(), lang())


def alert_ack_options(city: str, statuses, indicators, district_keys, weeks: int) -> dict:
    """Unacknowledged alerts of the current filter: alert_id → short label."""
    from lagebild import alert_text, alert_views
    eps = _filtered(city, statuses, indicators, district_keys, weeks)
    eps = eps[eps["acknowledged_by"].isna() & (eps["state"] != "retracted")]
    names = alert_views.names_with_city(districts(city), lang())
    labels = indicator_options()
    return {int(r.alert_id): f"{int(r.alert_id)} – {labels.get(r.indicator, r.indicator)} "
            f"{alert_text.place(r.district_id, names, lang())} "
            f"({week_label(r.first_week)} – {week_label(r.last_week)}, "
            f"{alert_text.colour_word(r.peak_colour, lang())})"
            for r in eps.itertuples(index=False)}


def acknowledge_alert(city: str, alert_id: int, comment: str) -> str | None:
    """Acknowledge with a comment; German error text or None."""
    from lagebild.access import AccessDenied
    try:
        store().acknowledge_alert(actor(), city, int(alert_id), comment)
    except (ValueError, KeyError, AccessDenied) as exc:
        return str(exc.args[0] if exc.args else exc)
    return None


# --------------------------------------------------------------------- section: uploads (#3)
def organisations(city: str) -> list[str]:
    """Organisations the user may upload for: outreach its own, admin any known one."""
    current = actor()
    if current.role == "outreach":
        return [current.organisation]
    return sorted(set(store().uploads(current, city)["organisation"]))


def templates(city: str) -> tuple[bytes, bytes]:
    from lagebild import templates as tpl
    dist = districts(city)
    return tpl.csv_template(catalog(), dist, lang()), tpl.xlsx_template(catalog(), dist, lang())


def check_upload(city: str, organisation: str, data: bytes, filename: str, *,
                 replace: bool = False, period=None, write: bool = False, progress=None):
    """Import (``write``) → the ImportOutcome; otherwise the dry run as a small, cached
    :class:`UploadPreview` (never the parsed rows themselves: they can be a million)."""
    if write:
        return _run_import(city, organisation, data, filename, replace, period, True, progress)
    return _cached_preview(_data_version(city), actor(), lang(), city, organisation, data,
                           filename, replace, period)


@dataclass(frozen=True)
class UploadPreview:
    status: str
    message: str
    tables: dict
    errors_csv: bytes | None


@st.cache_data(ttl=600, max_entries=4, show_spinner=True)
def _cached_preview(version, actor_key, lang_key, city, organisation, data, filename, replace,
                    period) -> UploadPreview:
    outcome = _run_import(city, organisation, data, filename, replace, period, False, None)
    errors_csv = outcome.parsed.errors_csv() if outcome.parsed and outcome.errors else None
    return UploadPreview(outcome.status, outcome.message, upload_preview_tables(outcome),
                         errors_csv)


def _run_import(city, organisation, data, filename, replace, period, write, progress):
    from datetime import date

    from lagebild import importer
    return importer.import_file(store(), actor(), city, organisation, data, filename,
                                today=date.today(), replace=replace, dry_run=not write,
                                lang=lang(), period=period, catalog=catalog(),
                                progress=progress)


def flash(message: str | None = None) -> str | None:
    """Set (with a message) or take (without) a message that survives one rerun."""
    if message is not None:
        st.session_state["lagebild_flash"] = message
        return None
    return st.session_state.pop("lagebild_flash", None)


def upload_preview_tables(outcome) -> dict[str, pd.DataFrame]:
    """Tables for the preview: parsed rows (first 500), totals, errors, collisions."""
    names = {i.key: i.label(lang()) for i in catalog()}
    out = {}
    if outcome.parsed is not None and len(outcome.parsed.rows):
        out["rows"] = outcome.parsed.rows.head(500)
    if outcome.by_district:
        table = pd.DataFrame(outcome.by_district).T.fillna(0).astype(int)
        out["by_district"] = table.rename(columns=names)
    if outcome.errors:
        out["errors"] = outcome.parsed.errors_frame() if outcome.parsed else pd.DataFrame(
            [e.as_dict() for e in outcome.errors])
    if len(outcome.collisions):
        out["collisions"] = outcome.collisions
    return out


def uploads_table(city: str) -> pd.DataFrame:
    return store().uploads(actor(), city)


def may_withdraw(row) -> bool:
    current = actor()
    return row["status"] == "imported" and (
        current.role == "admin"
        or (current.role == "outreach" and current.organisation == row["organisation"]))


def withdraw_upload(city: str, upload_id: int) -> str:
    from lagebild import importer
    return importer.withdraw(store(), actor(), city, upload_id, lang()).message


# --------------------------------------------------------------------- section: accounts (#7)
def users_table() -> pd.DataFrame:
    return store().users(actor())


def add_user(username: str, role: str, password: str, organisation: str | None,
             cities: list[str], email: str | None) -> str | None:
    """Create an account from the admin page; German error text or None."""
    try:
        pw_hash = accounts.hash_password(password) if password else None
        if pw_hash is None and not email:
            raise ValueError(t("admin.need_password_or_email"))
        store().add_user(actor(), username.strip(), role, password_hash=pw_hash,
                         organisation=organisation or None, cities=cities,
                         email=(email or "").strip().lower() or None)
    except (ValueError, KeyError) as exc:
        return str(exc.args[0] if exc.args else exc)
    return None


def set_active(username: str, active: bool) -> None:
    store().set_active(actor(), username, active)


def reset_password(username: str, password: str) -> str | None:
    try:
        store().set_password(actor(), username, accounts.hash_password(password))
    except (ValueError, KeyError) as exc:
        return str(exc.args[0] if exc.args else exc)
    return None


def all_city_names() -> list[str]:
    return list(store().cities(actor())["name"])


def audit_table(limit: int = 500) -> pd.DataFrame:
    return store().audit_log(actor(), limit)


def audit_csv() -> bytes:
    from lagebild.export import to_csv_bytes
    store().log_event(actor(), "export", None, what="audit_log")
    return to_csv_bytes(store().audit_log(actor(), 100_000))


def export_bytes(city: str, fmt: str) -> bytes:
    from lagebild.export import export
    return export(store(), actor(), city, catalog(), settings().small_count_k, fmt)


def export_explanation() -> str:
    current = actor()
    k = settings().small_count_k
    if current.restricted:
        return t("export.explain_gast", k=k, k_minus=k - 1)
    if current.role == "outreach":
        return t("export.explain_outreach", organisation=current.organisation)
    return t("export.explain_full")


def slug(text: str) -> str:
    import re
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "export"



# --------------------------------------------------------------------- section: measures (#6)
# Measures, meetings, district detail and the briefing. Store methods check the roles again;
# everything here only prepares what the pages show (views in measure_views, district_view,
# briefing*).
MEASURE_EDIT_ROLES = ("admin", "krisenstab")
BRIEFING_KEY = "briefing_documents"


def may_edit_measures() -> bool:
    current = actor()
    return current is not None and current.role in MEASURE_EDIT_ROLES


@st.cache_data(ttl=600, max_entries=2, show_spinner=False)
def _bodies(mtime: float) -> dict:
    from lagebild.measures import load_bodies
    return load_bodies()


def bodies() -> dict:
    """Responsible bodies from data/bodies.toml (reloaded when the file changes)."""
    from lagebild.measures import BODIES_PATH
    try:
        return _bodies(BODIES_PATH.stat().st_mtime)
    except (OSError, ValueError) as exc:
        st.error(str(exc))
        st.stop()


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _measures(version: tuple, city: str) -> pd.DataFrame:
    return store().measures(actor(), city)


def measures(city: str) -> pd.DataFrame:
    return _measures(_data_version(city), city)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _meetings(version: tuple, city: str) -> pd.DataFrame:
    return store().meetings(actor(), city)


def meetings(city: str) -> pd.DataFrame:
    return _meetings(_data_version(city), city)


def _district_opts(city: str) -> dict[str, str]:
    return {str(k): v for k, v in
            districts(city).set_index("district_id")["name"].sort_values().items()}


def measure_options(city: str) -> dict[str, dict]:
    """Option dicts (key → label) for the filters and the form of the Maßnahmen page."""
    from lagebild.measures import STATUSES
    return {"status": {s: t(f"measures.status.{s}") for s in STATUSES},
            "body": {k: b.label(lang()) for k, b in bodies().items()},
            "district": _district_opts(city), "indicator": indicator_options(),
            "meeting": meeting_options(city), "alert": measure_alert_options(city)}


def meeting_options(city: str) -> dict:
    from lagebild.measure_views import fmt_date
    return {int(r.meeting_id): f"{fmt_date(r.held_on, lang())} – {r.title}"
            for r in meetings(city).itertuples(index=False)}


def measure_alert_options(city: str) -> dict:
    """Alerts a measure may answer: id → short label (crisis team and admin only; the
    other roles cannot edit measures anyway)."""
    from lagebild import alert_text, alert_views
    current = actor()
    if current is None or current.role not in ALERT_ROLES:
        return {}
    eps = _episodes(city)
    eps = eps[eps["state"] != "retracted"]
    names = alert_views.names_with_city(districts(city), lang())
    labels = indicator_options()
    return {int(r.alert_id): f"{int(r.alert_id)} – {labels.get(r.indicator, r.indicator)} "
            f"{alert_text.place(r.district_id, names, lang())} ({week_label(r.last_week)}, "
            f"{alert_text.colour_word(r.peak_colour, lang())})"
            for r in eps.itertuples(index=False)}


def measures_table(city: str, statuses=(), body_keys=(), district_keys=(),
                   indicators=()) -> pd.DataFrame:
    from datetime import date

    from lagebild import measure_views
    sel = measure_views.filter_measures(measures(city), statuses, body_keys,
                                        [int(d) for d in district_keys], indicators)
    return measure_views.measures_table(sel, districts(city), bodies(), catalog(), lang(),
                                        date.today())


def measure_choices(city: str) -> dict[int, str]:
    return {int(r.measure_id): f"{int(r.measure_id)} – {r.title}"
            for r in measures(city).itertuples(index=False)}


def measure_record(city: str, measure_id: int) -> dict:
    """The stored fields of one measure (form defaults)."""
    m = measures(city)
    return m[m["measure_id"] == int(measure_id)].iloc[0].to_dict()


def measure_history(city: str, measure_id: int) -> pd.DataFrame:
    from lagebild import measure_views
    return measure_views.history_table(store().measure_history(actor(), city, measure_id),
                                       lang())


def save_measure(city: str, measure_id: int | None, fields: dict, comment: str) -> str | None:
    """Create (``measure_id`` None) or change a measure; German error text or None."""
    from lagebild.access import AccessDenied
    try:
        if measure_id is None:
            store().add_measure(actor(), city, comment=comment, **fields)
        else:
            store().update_measure(actor(), city, int(measure_id), comment=comment, **fields)
    except (ValueError, KeyError, AccessDenied) as exc:
        return str(exc.args[0] if exc.args else exc)
    return None


def measure_effects(city: str, measure_id: int, weeks: int):
    """(table, note) of the before/after comparison, or a German explanation (str) when it
    cannot be made (no implementation date, no indicators)."""
    from lagebild import measure_views
    from lagebild.analytics import effects
    m = measure_record(city, measure_id)
    if pd.isna(m["implemented_on"]):
        return t("measures.effect.no_date")
    inds = list(m["indicators"])
    if not inds:
        return t("measures.effect.no_indicators")
    table = effects.effect_table(grid(city), inds, list(m["districts"]),
                                 pd.Timestamp(m["implemented_on"]), weeks)
    hidden = tuple(i for i in inds if catalog()[i].person_related) if small_count_k() else ()
    return measure_views.effect_view(table, catalog(), lang(), hidden)


def meetings_table(city: str) -> pd.DataFrame:
    from datetime import date

    from lagebild import measure_views
    return measure_views.meetings_table(meetings(city), measures(city), lang(), date.today())


def meeting_record(city: str, meeting_id: int) -> dict:
    g = meetings(city)
    return g[g["meeting_id"] == int(meeting_id)].iloc[0].to_dict()


def meeting_measures(city: str, meeting_id: int) -> pd.DataFrame:
    from datetime import date

    from lagebild import measure_views
    m = measures(city)
    m = m[m["meeting_id"] == int(meeting_id)]
    return measure_views.measures_table(m, districts(city), bodies(), catalog(), lang(),
                                        date.today())


def participant_options(city: str) -> list[str]:
    """Bodies and the reporting organisations, plus everyone named in earlier meetings."""
    names = [b.label("de") for b in bodies().values()]
    for people in meetings(city)["participants"]:
        names += list(people)
    return list(dict.fromkeys(names))


def save_meeting(city: str, meeting_id: int | None, fields: dict) -> str | None:
    from lagebild.access import AccessDenied
    try:
        if meeting_id is None:
            store().add_meeting(actor(), city, **fields)
        else:
            store().update_meeting(actor(), city, int(meeting_id), **fields)
    except (ValueError, KeyError, AccessDenied) as exc:
        return str(exc.args[0] if exc.args else exc)
    return None


def since_last_meeting(city: str):
    """(start, end) of "seit der letzten Sitzung": the day of the newest meeting before today
    and today; None without a past meeting."""
    from datetime import date

    from lagebild.measures import last_meeting
    today = date.today()
    meeting = last_meeting(meetings(city), today)
    if meeting is None:
        return None
    return pd.Timestamp(meeting["held_on"]).date(), today


def with_meeting_period(city: str, latest_week, periods: dict) -> dict:
    """Map page: ``periods`` (weeks → label) plus "seit der letzten Sitzung" as its number of
    weeks up to ``latest_week`` (first Monday after the meeting → report week)."""
    from lagebild.briefing_data import period_weeks
    from lagebild.measure_views import fmt_date
    span = since_last_meeting(city)
    if span is None:
        return periods
    first, n = period_weeks(span[0], pd.Timestamp(latest_week))
    label = t("measures.period.since_meeting" if n > 1 else "measures.period.since_meeting_one",
              date=fmt_date(span[0], lang()), n=n)
    out = dict(periods)
    out[n] = f"{out[n]} = {label}" if n in out else label
    return out


def measure_markers(city: str, chosen: list[str], indicator: str) -> pd.DataFrame:
    """Trends page: measures in effect for the indicator in the chosen series."""
    from lagebild.measure_views import markers
    ids = [k if k == trends.CITY else int(k) for k in chosen]
    return markers(measures(city), indicator, ids, lang())


# district detail page (#6)
def district_page_options(city: str) -> dict[str, str]:
    return _district_opts(city)


def district_facts(city: str, district: str) -> dict:
    """Name, parent area, population and the report week of one district."""
    row = districts(city).set_index("district_id").loc[int(district)]
    weeks = week_choices(city)
    return {"name": row["name"],
            "parent": row["parent"] if pd.notna(row["parent"]) else "–",
            "population": fmt_number(row["population"], lang())
            if pd.notna(row["population"]) else "–",
            "week": weeks[0] if weeks else None}


def district_indicators(city: str, district: str, week) -> pd.DataFrame:
    from lagebild import district_view
    summary = trends.week_summary(grid(city), pd.Timestamp(week))
    return district_view.indicator_rows(summary, catalog(), int(district), lang(),
                                        small_count_k())


def district_trends(city: str, district: str, weeks: int = 52) -> list[tuple[str, object]]:
    """(indicator label, plotly figure or restriction note) for every indicator."""
    did, out = int(district), []
    for ind in catalog():
        if small_count_k() and ind.person_related:
            out.append((ind.label(lang()), t("measures.district.trend_restricted",
                                             k_minus=small_count_k() - 1)))
            continue
        series = views.trend_series(grid(city), districts(city), ind.key, [did], weeks, lang())
        band = alert_band(city, ind.key, [did], weeks)
        fig = charts.weekly_lines(series, title=ind.label(lang()), y_title=ind.unit(lang()),
                                  lang=lang(), band=band,
                                  markers=measure_markers(city, [str(did)], ind.key))
        fig.update_layout(height=280, showlegend=False, margin={"t": 40, "b": 30})
        out.append((ind.label(lang()), fig))
    return out


def district_alerts(city: str, district: str, week) -> tuple[list[str], pd.DataFrame | None]:
    """Reasons of the district's yellow/red lights in ``week`` (suppressed wording for
    restricted roles) and, for the roles that see the alert list, its alerts of 26 weeks."""
    from lagebild import alert_text, briefing
    sig = alert_signals(city)
    cells = sig[(sig["week"] == pd.Timestamp(week)) & (sig["district_id"] == int(district))]
    lines = [f"{alert_text.SYMBOLS[c]} {alert_text.colour_word(c, lang())}: {_md(text)}"
             for c, text in briefing.reasons(cells, districts(city), catalog(), lang(),
                                             small_count_k())]
    current = actor()
    if current.restricted or current.role not in ALERT_ROLES:
        return lines, None
    return lines, alert_list(city, ("open", "acknowledged", "ended"), [], [str(district)], 26)


def district_measures(city: str, district: str) -> pd.DataFrame:
    return measures_table(city, district_keys=[district])


def district_places(city: str, district: str) -> pd.DataFrame:
    """Sensitive places in the district or at most 250 m outside it (maps #5 data)."""
    from lagebild import district_view
    near = district_view.places_near(places(city), districts(city), int(district), 250)
    kinds = place_kind_labels()
    return pd.DataFrame({t("measures.district.col.place"): near["name"],
                         t("measures.district.col.kind"): near["kind"].map(
                             lambda k: kinds.get(k, k)),
                         t("measures.district.col.distance"): near["distance_m"].map(
                             lambda m: t("measures.district.inside") if m == 0
                             else f"{m} m")})


# briefing page (#6)
def briefing_period_options(city: str) -> dict[str, str]:
    """'meeting' (since the last meeting) or 'default' (8 weeks), and 'custom'."""
    from lagebild.measure_views import fmt_date
    span = since_last_meeting(city)
    first = {"meeting": t("briefing.page.since_meeting", date=fmt_date(span[0], lang()))} \
        if span else {"default": t("briefing.page.default_period")}
    return first | {"custom": t("briefing.page.custom")}


def briefing_restricted_note() -> str | None:
    k = small_count_k()
    return t("briefing.page.restricted", k=k, k_minus=k - 1) if k else None


def make_briefing(city: str, since=None, progress=None):
    """The briefing documents for the current user (restricted roles get the suppressed
    version automatically); kept in the session for the download buttons. Returns the
    ``briefing_make.Documents`` or a German error text."""
    from lagebild.briefing_data import BriefingError
    from lagebild.briefing_make import make
    step = progress or (lambda f, s: None)
    try:
        docs = make(store(), actor(), city, catalog=catalog(), config=alert_config(),
                    lang=lang(), k=small_count_k(), since=since, grid=grid(city),
                    signals=alert_signals(city),
                    progress=lambda f, key: step(f, t(f"briefing.progress.{key}")))
    except BriefingError as exc:
        return str(exc)
    st.session_state[BRIEFING_KEY] = {"city": city, "lang": lang(), "docs": docs}
    return docs


def briefing_result(city: str):
    """The documents made earlier in this session for ``city`` (and language), or None."""
    kept = st.session_state.get(BRIEFING_KEY)
    if kept and kept["city"] == city and kept["lang"] == lang():
        return kept["docs"]
    return None


def measure_values(record: dict) -> dict:
    """A stored measure as form defaults (dates as ``date`` or None, ids as int or None)."""
    def day(v):
        return None if v is None or pd.isna(v) else pd.Timestamp(v).date()

    def num(v):
        return None if v is None or pd.isna(v) else int(v)
    return {"title": record["title"], "description": record["description"],
            "body": record["body"], "status": record["status"],
            "districts": list(record["districts"]), "indicators": list(record["indicators"]),
            "due_on": day(record["due_on"]), "implemented_on": day(record["implemented_on"]),
            "meeting_id": num(record["meeting_id"]), "alert_id": num(record["alert_id"])}


def meeting_values(record: dict) -> dict:
    return {"held_on": pd.Timestamp(record["held_on"]).date(), "title": record["title"],
            "participants": list(record["participants"]), "decisions": record["decisions"]}


def since_meeting_text(city: str) -> str | None:
    from lagebild.measure_views import fmt_date
    span = since_last_meeting(city)
    return t("measures.meetings.since", date=fmt_date(span[0], lang())) if span else None


def briefing_done_text(docs) -> str:
    return t("briefing.page.done", seconds=fmt_number(docs.seconds, lang(), 1),
             name=docs.filename)


def meeting_default_index(city: str) -> int:
    """Position of the last meeting before today in ``meeting_options`` (else the first)."""
    from datetime import date

    from lagebild.measures import last_meeting
    meeting = last_meeting(meetings(city), date.today())
    ids = list(meeting_options(city))
    return ids.index(int(meeting["meeting_id"])) if meeting is not None else 0
