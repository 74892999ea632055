"""Page helpers: Alerts: stored signals, Ampel, alert list, acknowledgement (#4)."""

from __future__ import annotations

import threading

import pandas as pd
import streamlit as st

from lagebild.access import allowed
from lagebild.analytics import trends
from lagebild.store import StoreError
from lagebild.ui._core import (
    actor,
    catalog,
    data_version,
    district_options,
    districts,
    indicator_options,
    lang,
    md,
    shared_frame,
    small_count_k,
    store,
    t,
    tm,
    week_label,
)


# Signals are computed at write time (lagebild/alerts/service.py) and stored in the database; pages
# read them (cached per data version). Stale signals (data or alerts.toml changed without a
# refresh) are recomputed once here for roles that may write, in memory for the others.
_ALERT_LOCK = threading.Lock()


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def _alert_config(path: str, mtime: float):
    from lagebild.alerts.config import load_alert_config
    return load_alert_config(path, catalog())


def alert_config():
    """The validated ``data/alerts.toml`` (reloaded when the file changes); on an invalid
    file a German explanation and a stop."""
    from lagebild.alerts.config import DEFAULT_PATH, AlertConfigError
    try:
        return _alert_config(str(DEFAULT_PATH), DEFAULT_PATH.stat().st_mtime)
    except (AlertConfigError, OSError) as exc:
        st.error(tm("alerts.config_error", error=str(exc)))
        st.stop()


def _ensure_alerts(city: str) -> bool:
    """Refresh stale stored signals when this user may; True when the stored ones are current."""
    from lagebild.alerts import service as alerting
    s, a, cfg = store(), actor(), alert_config()
    if not alerting.is_stale(s, a, city, catalog(), cfg):
        return True
    if not allowed(a, "alerts.refresh"):
        return False
    with _ALERT_LOCK, st.spinner(t("alerts.stale")):
        if alerting.is_stale(s, a, city, catalog(), cfg):
            alerting.refresh_alerts(s, a, city, catalog(), cfg)
    return True


@shared_frame(ttl=600, max_entries=8)
def _stored_signals(version: tuple, city: str) -> pd.DataFrame:
    from lagebild.alerts import service as alerting
    return alerting.load_signals(store(), actor(), city)


@shared_frame(ttl=600, max_entries=8)
def _computed_signals(version: tuple, city: str) -> pd.DataFrame:
    from lagebild.alerts import service as alerting
    return alerting.compute(store(), actor(), city, catalog(), alert_config())


def alert_signals(city: str) -> pd.DataFrame:
    """Ampel signals of every series and week (district_id ``trends.CITY`` = whole city)."""
    fresh = _ensure_alerts(city)
    return (_stored_signals if fresh else _computed_signals)(data_version(city), city)


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _daily(version: tuple, city: str) -> pd.DataFrame:
    from lagebild.alerts import service as alerting
    return alerting.load_daily(store(), actor(), city)


def daily_signals(city: str) -> pd.DataFrame:
    """Spikes and significant clusters of the last 7 reported days (#17), as stored with the
    weekly signals (refreshed first when stale and this user may)."""
    _ensure_alerts(city)
    return _daily(data_version(city), city)


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


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _drug_signals(version: tuple, city: str, week, language: str,
                  restricted: bool) -> pd.DataFrame:
    from lagebild.drugcheck import alerts as drug
    return drug.for_week(store(), actor(), city, week, language, restricted)


def drug_signals(city: str, week) -> pd.DataFrame:
    """The drug-checking signals of ``week`` (#18), computed once per data version, week and
    language instead of on every rerun of the overview. Who may not see the drug-checking
    results (guests) reads the reasons without counts."""
    return _drug_signals(data_version(city), city, week, lang(),
                         not allowed(actor(), "drugcheck.view"))


def alert_overview(city: str, week) -> dict:
    """Lagestufe (heading, reason, kind), Ampel matrix (Styler), reasons for the overview."""
    from lagebild.alerts import text as alert_text, views as alert_views, service as alerting
    cfg, dist = alert_config(), districts(city)
    esc, cells, watch = alerting.week_picture(alert_signals(city), week, cfg,
                                              neighbour_pairs(city), daily_signals(city))
    names = alert_views.names_with_city(dist, lang())
    labels = {i.key: i.label(lang()) for i in catalog()}
    heading, reason = alert_text.level_texts(esc, pd.Timestamp(week), names, labels, lang())
    from lagebild.drugcheck import alerts as drug                                  # (#18)
    drugs = drug_signals(city, week)
    esc, heading, reason = drug.lift(esc, heading, reason, drugs, week, lang())
    text, codes = alert_views.ampel_matrix(cells, watch, dist, catalog(), lang())
    k = small_count_k()
    return {"level": esc.level, "kind": alert_text.LEVEL_KINDS[esc.level], "heading": heading,
            "height": 35 * (len(text) + 1) + 3,              # every district without scrolling
            "reason": md(reason), "matrix": alert_views.styled(text, codes),
            "reasons": [("red", md(r)) for r in drugs["reason"]]           # (#18) first
            + [(c, md(text)) for c, text, _ in
               alert_views.reason_lines(cells, dist, catalog(), lang(), k)],
            "privacy": t("alerts.overview.privacy", k_minus=k - 1) if k else None}


def show_level(info: dict) -> None:
    """The Lagestufe box: colour by level, heading and the rule that set it (in words)."""
    box = {"success": st.success, "info": st.info, "warning": st.warning, "error": st.error}
    box[info["kind"]](f"**{md(info['heading'])}** – {info['reason']}",
                      icon=":material/crisis_alert:" if info["level"] >= 2 else None)


def alert_band(city: str, indicator: str, district_ids: list, weeks: int):
    """Expected value, threshold and yellow/red weeks of the first chosen series (trends)."""
    from lagebild.alerts import views as alert_views
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
    if restricted:              # no band in this view (see alert_views.band)
        return t("alerts.trends.band_caption_restricted")
    first = chosen[0]
    return t("alerts.trends.band_caption",
             series=district_options(city).get(str(first), t("app.city_total")))


def alert_map_colours(city: str, indicator: str, week):
    """Hook of the map page: (colour per district, legend) of the Ampel in ``week``."""
    from lagebild.alerts import views as alert_views
    sig = alert_signals(city)
    return alert_views.map_colours(sig[sig["week"] == pd.Timestamp(week)], indicator, lang())


def alert_episodes(city: str) -> pd.DataFrame:
    _ensure_alerts(city)
    return _cached_episodes(data_version(city), city)


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def _cached_episodes(version: tuple, city: str) -> pd.DataFrame:
    from lagebild.alerts import service as alerting
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
    from lagebild.alerts import views as alert_views
    eps = alert_episodes(city)
    since = None
    if weeks and len(eps):
        since = pd.to_datetime(alert_signals(city)["week"]).max() - pd.Timedelta(
            days=7 * (weeks - 1))
    ids = [k if k == trends.CITY else int(k) for k in district_keys]
    return alert_views.filter_episodes(eps, statuses, indicators, ids, since)


def alert_list(city: str, statuses, indicators, district_keys, weeks: int) -> pd.DataFrame:
    """The Warnungen list: the daily signals of the last 7 days (#17) first, then the
    alert episodes of the filter."""
    from lagebild.alerts import views as alert_views
    from lagebild.alerts.daily_text import alert_rows
    eps = _filtered(city, statuses, indicators, district_keys, weeks)
    table = alert_views.alert_table(eps, alert_signals(city), districts(city), catalog(), lang())
    if statuses and "open" not in statuses:          # daily signals are current ("offen")
        return table
    ids = [trends.CITY if k == trends.CITY else int(k) for k in district_keys]
    daily = alert_rows(daily_signals(city), districts(city), catalog(), lang(), indicators, ids)
    if not daily:
        return table
    table[table.columns[0]] = table[table.columns[0]].astype(str)
    return pd.concat([pd.DataFrame(daily, columns=table.columns), table], ignore_index=True)


def alert_ack_options(city: str, statuses, indicators, district_keys, weeks: int) -> dict:
    """Unacknowledged alerts of the current filter: alert_id → short label."""
    from lagebild.alerts import text as alert_text, views as alert_views
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
    try:
        store().acknowledge_alert(actor(), city, int(alert_id), comment)
    except StoreError as exc:
        return str(exc)
    return None
