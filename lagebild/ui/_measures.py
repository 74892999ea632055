"""Page helpers: Measures, meetings, district page and briefing (#6)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lagebild import charts, clock
from lagebild.views import situation as views
from lagebild.analytics import trends
from lagebild.i18n import fmt_number, md_escape
from lagebild.ui._core import (
    actor,
    cached_read,
    catalog,
    districts,
    grid,
    indicator_options,
    lang,
    md,
    small_count_k,
    store,
    t,
    week_choices,
    week_label,
)
from lagebild.ui._maps import place_kind_labels, places
from lagebild.ui._alerts import (
    alert_band,
    alert_config,
    alert_list,
    ALERT_ROLES,
    alert_signals,
    alert_episodes,
)


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
    from lagebild.measures.model import load_bodies
    return load_bodies()


def bodies() -> dict:
    """Responsible bodies from data/bodies.toml (reloaded when the file changes)."""
    from lagebild.measures.model import BODIES_PATH
    try:
        return _bodies(BODIES_PATH.stat().st_mtime)
    except (OSError, ValueError) as exc:
        st.error(md_escape(str(exc)))
        st.stop()


def measures(city: str) -> pd.DataFrame:
    return cached_read("measures", city)


def meetings(city: str) -> pd.DataFrame:
    return cached_read("meetings", city)


def _district_opts(city: str) -> dict[str, str]:
    return {str(k): v for k, v in
            districts(city).set_index("district_id")["name"].sort_values().items()}


def measure_options(city: str) -> dict[str, dict]:
    """Option dicts (key → label) for the filters and the form of the Maßnahmen page."""
    from lagebild.measures.model import STATUSES
    return {"status": {s: t(f"measures.status.{s}") for s in STATUSES},
            "body": {k: b.label(lang()) for k, b in bodies().items()},
            "district": _district_opts(city), "indicator": indicator_options(),
            "meeting": meeting_options(city), "alert": measure_alert_options(city)}


def meeting_options(city: str) -> dict:
    from lagebild.measures.views import fmt_date
    return {int(r.meeting_id): f"{fmt_date(r.held_on, lang())} – {r.title}"
            for r in meetings(city).itertuples(index=False)}


def measure_alert_options(city: str) -> dict:
    """Alerts a measure may answer: id → short label (crisis team and admin only; the
    other roles cannot edit measures anyway)."""
    from lagebild.alerts import text as alert_text, views as alert_views
    current = actor()
    if current is None or current.role not in ALERT_ROLES:
        return {}
    eps = alert_episodes(city)
    eps = eps[eps["state"] != "retracted"]
    names = alert_views.names_with_city(districts(city), lang())
    labels = indicator_options()
    return {int(r.alert_id): f"{int(r.alert_id)} – {labels.get(r.indicator, r.indicator)} "
            f"{alert_text.place(r.district_id, names, lang())} ({week_label(r.last_week)}, "
            f"{alert_text.colour_word(r.peak_colour, lang())})"
            for r in eps.itertuples(index=False)}


def measures_table(city: str, statuses=(), body_keys=(), district_keys=(),
                   indicators=()) -> pd.DataFrame:

    from lagebild.measures import views as measure_views
    sel = measure_views.filter_measures(measures(city), statuses, body_keys,
                                        [int(d) for d in district_keys], indicators)
    return measure_views.measures_table(sel, districts(city), bodies(), catalog(), lang(),
                                        clock.today())


def measure_choices(city: str) -> dict[int, str]:
    return {int(r.measure_id): f"{int(r.measure_id)} – {r.title}"
            for r in measures(city).itertuples(index=False)}


def measure_record(city: str, measure_id: int) -> dict:
    """The stored fields of one measure (form defaults)."""
    m = measures(city)
    return m[m["measure_id"] == int(measure_id)].iloc[0].to_dict()


def measure_history(city: str, measure_id: int) -> pd.DataFrame:
    from lagebild.measures import views as measure_views
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
    from lagebild.measures import views as measure_views
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

    from lagebild.measures import views as measure_views
    return measure_views.meetings_table(meetings(city), measures(city), lang(), clock.today())


def meeting_record(city: str, meeting_id: int) -> dict:
    g = meetings(city)
    return g[g["meeting_id"] == int(meeting_id)].iloc[0].to_dict()


def meeting_measures(city: str, meeting_id: int) -> pd.DataFrame:

    from lagebild.measures import views as measure_views
    m = measures(city)
    m = m[m["meeting_id"] == int(meeting_id)]
    return measure_views.measures_table(m, districts(city), bodies(), catalog(), lang(),
                                        clock.today())


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

    from lagebild.measures.model import last_meeting
    today = clock.today()
    meeting = last_meeting(meetings(city), today)
    if meeting is None:
        return None
    return pd.Timestamp(meeting["held_on"]).date(), today


def with_meeting_period(city: str, latest_week, periods: dict) -> dict:
    """Map page: ``periods`` (weeks → label) plus "seit der letzten Sitzung" as its number of
    weeks up to ``latest_week`` (first Monday after the meeting → report week)."""
    from lagebild.briefing.inputs import period_weeks
    from lagebild.measures.views import fmt_date
    span = since_last_meeting(city)
    if span is None:
        return periods
    first, n = period_weeks(span[0], pd.Timestamp(latest_week))
    if n == 0:          # no complete week since the meeting: not a period (#14)
        return periods
    label = t("measures.period.since_meeting" if n > 1 else "measures.period.since_meeting_one",
              date=fmt_date(span[0], lang()), n=n)
    out = dict(periods)
    out[n] = f"{out[n]} = {label}" if n in out else label
    return out


def meeting_period_note(city: str, latest_week) -> str | None:
    """Map page: "Seit der Sitzung am … liegen noch keine vollständig gemeldeten Wochen vor"
    when the last meeting lies after the newest reported week, else None."""
    from lagebild.briefing.inputs import period_weeks
    from lagebild.measures.views import fmt_date
    span = since_last_meeting(city)
    if span is None or period_weeks(span[0], pd.Timestamp(latest_week))[1] > 0:
        return None
    return t("measures.period.no_data_since", date=fmt_date(span[0], lang()),
             week=week_label(latest_week))


def measure_markers(city: str, chosen: list[str], indicator: str) -> pd.DataFrame:
    """Trends page: measures in effect for the indicator in the chosen series."""
    from lagebild.measures.views import markers
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
    from lagebild.views import district as district_view
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
    from lagebild.alerts import text as alert_text
    from lagebild.briefing import model as briefing
    sig = alert_signals(city)
    cells = sig[(sig["week"] == pd.Timestamp(week)) & (sig["district_id"] == int(district))]
    lines = [f"{alert_text.SYMBOLS[c]} {alert_text.colour_word(c, lang())}: {md(text)}"
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
    from lagebild.views import district as district_view
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
    from lagebild.measures.views import fmt_date
    from lagebild.briefing.inputs import period_weeks
    span = since_last_meeting(city)
    weeks = week_choices(city)
    if span and weeks and period_weeks(span[0], weeks[0])[1] == 0:
        first = {"meeting": t("briefing.page.latest_week", week=week_label(weeks[0]),
                              date=fmt_date(span[0], lang()))}
    elif span:
        first = {"meeting": t("briefing.page.since_meeting", date=fmt_date(span[0], lang()))}
    else:
        first = {"default": t("briefing.page.default_period")}
    return first | {"custom": t("briefing.page.custom")}


def briefing_restricted_note() -> str | None:
    k = small_count_k()
    return t("briefing.page.restricted", k=k, k_minus=k - 1) if k else None


def make_briefing(city: str, since=None, progress=None):
    """The briefing documents for the current user (restricted roles get the suppressed
    version automatically); kept in the session for the download buttons. Returns the
    ``briefing_make.Documents`` or a German error text."""
    from lagebild.briefing.inputs import BriefingError
    from lagebild.briefing.build import make
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
    from lagebild.measures.views import fmt_date
    span = since_last_meeting(city)
    return t("measures.meetings.since", date=fmt_date(span[0], lang())) if span else None


def briefing_done_text(docs) -> str:
    return t("briefing.page.done", seconds=fmt_number(docs.seconds, lang(), 1),
             name=docs.filename)


def meeting_default_index(city: str) -> int:
    """Position of the last meeting before today in ``meeting_options`` (else the first)."""

    from lagebild.measures.model import last_meeting
    meeting = last_meeting(meetings(city), clock.today())
    ids = list(meeting_options(city))
    return ids.index(int(meeting["meeting_id"])) if meeting is not None else 0
