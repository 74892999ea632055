"""The only Streamlit-aware helper module: cached accessors, session keys, guards.

Pages call these functions and show what they return; they never touch the store or
compute anything themselves.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lagebild import charts, maps, views
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

ALL_ROLES = ("admin", "krisenstab", "outreach", "gast")
# Navigation: (script, title key, icon, url path, roles that see it). A page added here
# appears for exactly these roles; app.py builds st.navigation from this table.
PAGES: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    ("pages/overview.py", "nav.overview", ":material/dashboard:", "lagebild", ALL_ROLES),
    ("pages/map.py", "nav.map", ":material/map:", "karte", ALL_ROLES),
    ("pages/trends.py", "nav.trends", ":material/monitoring:", "trends", ALL_ROLES),
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


def actor() -> Actor:
    """The acting user (set by the login); until accounts exist a crisis-team reader."""
    return st.session_state.get(ACTOR_KEY) or Actor("krisenstab", "krisenstab")


def navigation_pages() -> list[st.Page]:
    """The pages the current user may open, first one default."""
    role = actor().role
    pages = []
    for script, title, icon, url, roles in PAGES:
        if role in roles:
            pages.append(st.Page(script, title=t(title), icon=icon, url_path=url,
                                 default=not pages))
    return pages


def require_role(*roles: str) -> None:
    """Stop the page with a German message unless the user has one of ``roles``."""
    if actor().role not in roles:
        st.error(t("app.forbidden"))
        st.stop()


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
    return (store().path, city, store().data_version(actor(), city))


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
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


def overview(city: str, week) -> dict:
    g = grid(city)
    summary = trends.week_summary(g, week)
    dist = districts(city)
    return {
        "metrics": views.city_metrics(summary, catalog(), week, lang()),
        "matrix": views.district_matrix(summary, dist, catalog(), lang()),
        "summary": summary,
    }


def indicator_detail(city: str, summary: pd.DataFrame, indicator: str) -> pd.DataFrame:
    return views.indicator_detail(summary, districts(city), indicator, lang())


def indicator_options() -> dict[str, str]:
    return {i.key: i.label(lang()) for i in catalog()}


def has_population(city: str) -> bool:
    return bool(districts(city)["population"].notna().any())


def map_html(city: str, indicator: str, week, weeks: int, per_10k: bool) -> tuple[str, pd.DataFrame]:
    """Rendered choropleth and the table of its values."""
    dist = districts(city)
    values = views.map_values(grid(city), dist, indicator, pd.Timestamp(week), weeks, per_10k)
    decimals = 1 if per_10k else 0
    fmt = lambda v: fmt_number(v, lang(), decimals)  # noqa: E731
    title = catalog()[indicator].label(lang())
    if per_10k:
        title += " " + t("map.measure_rate")
    s = settings()
    m = maps.choropleth(dist, values, title=title, value_format=fmt,
                        basemap_url=s.basemap_url, attribution=s.basemap_attribution)
    table = pd.DataFrame({t("app.district"): dist["name"].to_numpy(),
                          title: values.reindex(dist["district_id"]).round(decimals).to_numpy()})
    return maps.to_html(m), table.sort_values(title, ascending=False, na_position="last")


def period_text(week, weeks: int) -> tuple[str, str]:
    start, end = views.period_bounds(pd.Timestamp(week), weeks)
    return start.strftime("%d.%m.%Y"), end.strftime("%d.%m.%Y")


def district_options(city: str) -> dict[str, str]:
    """Option keys (strings, widget-friendly) → names; the city total first."""
    opts = {trends.CITY: t("app.city_total")}
    opts.update({str(k): v for k, v in
                 districts(city).set_index("district_id")["name"].sort_values().items()})
    return opts


def trend_figure(city: str, indicator: str, chosen: list[str], weeks: int):
    district_ids = [k if k == trends.CITY else int(k) for k in chosen]
    series = views.trend_series(grid(city), districts(city), indicator, district_ids, weeks,
                                lang())
    label = catalog()[indicator].label(lang())
    return charts.weekly_lines(series, title=t("trends.chart_title", indicator=label),
                               y_title=catalog()[indicator].unit(lang()), lang=lang())


# --------------------------------------------------------------------- section: maps (#5)

# --------------------------------------------------------------------- section: alerts (#4)

# --------------------------------------------------------------------- section: uploads (#3)
