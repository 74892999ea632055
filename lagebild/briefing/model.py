"""The briefing for the Drogenrapport as a document model (pure: inputs → :class:`Briefing`).

:func:`build` turns :class:`lagebild.briefing.inputs.BriefingInputs` into translated sections
(paragraphs, bullet lines, tables, PNG images); ``briefing_pdf`` and ``briefing_html`` only
lay them out. Small-count suppression for restricted roles (``inputs.k``) happens here:

* key numbers: person-related indicators only as the report week's city total, 1 … k−1 as
  "< k", no change and no multi-week total (differences of periods would reveal hidden
  weeks; the same rule as the guest view of the app);
* alert reasons: the suppressed wording of ``alert_text`` ("auffällig erhöht");
* trends: person-related indicators only for the whole city, weeks with 1 … k−1 left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from lagebild import privacy
from lagebild.alerts import text as alert_text, views as alert_views
from lagebild.analytics.signals import RANK
from lagebild.analytics.trends import CITY, iso_label, period_totals
from lagebild.alerts.level import level
from lagebild.briefing.inputs import BriefingInputs
from lagebild.i18n import fmt_change, fmt_number, t
from lagebild.measures.views import fmt_date
from lagebild.views.situation import data_status


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None          # relative column widths


@dataclass
class Section:
    key: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: Table | None = None
    images: list[tuple[str, bytes]] = field(default_factory=list)   # (alt text, PNG)
    notes: list[str] = field(default_factory=list)
    new_page: bool = False


@dataclass
class Briefing:
    title: str
    facts: list[tuple[str, str]]
    level: int
    level_heading: str
    level_reason: str
    sections: list[Section]
    footer: str
    lang: str
    filename: str


def tr(inp: BriefingInputs, key: str, **kw) -> str:
    return t(key, inp.lang, **kw)


def week_span(first, last, lang: str) -> str:
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    if first == last:
        return iso_label(first, lang)
    return f"{iso_label(first, lang)} – {iso_label(last, lang)}"


def names(inp: BriefingInputs) -> dict:
    return alert_views.names_with_city(inp.districts, inp.lang)


def slug(text: str) -> str:
    import re
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "stadt"


def facts(inp: BriefingInputs) -> list[tuple[str, str]]:
    """Head of the first page: city, period, report week, next meeting, version, made at."""
    since = fmt_date(inp.since, inp.lang)
    basis = tr(inp, f"briefing.period.{inp.since_kind}", date=since)
    period = week_span(inp.first_week, inp.report_week, inp.lang)
    out = [(tr(inp, "briefing.fact.city"), inp.city + (tr(inp, "briefing.fact.demo")
                                                       if inp.is_demo else "")),
           (tr(inp, "briefing.fact.period"),
            f"{period} ({fmt_date(inp.first_week, inp.lang)} – "
            f"{fmt_date(inp.period_end, inp.lang)}; {basis})"),
           (tr(inp, "briefing.fact.report_week"), iso_label(inp.report_week, inp.lang))]
    if inp.last_report is not None:                                   # (#14) Datenstand
        line, stale = data_status(inp.last_report, inp.report_week, inp.today, inp.lang)
        out.append((tr(inp, "briefing.fact.data_status"),
                    line.split(": ", 1)[-1] + (f" {stale}" if stale else "")))
    if inp.next_meeting is not None:
        out.append((tr(inp, "briefing.fact.next_meeting"),
                    f"{fmt_date(inp.next_meeting['held_on'], inp.lang)} – "
                    f"{inp.next_meeting['title']}"))
    version = tr(inp, "briefing.fact.restricted", k=inp.k, k_minus=inp.k - 1) if inp.k \
        else tr(inp, "briefing.fact.full")
    out += [(tr(inp, "briefing.fact.version"),
             f"{version} – {t(f'roles.{inp.role}', inp.lang)}"),
            (tr(inp, "briefing.fact.generated"),
             inp.generated_at.strftime("%d.%m.%Y %H:%M" if inp.lang == "de"
                                       else "%Y-%m-%d %H:%M"))]
    return out


def escalation_of(inp: BriefingInputs):
    return level(inp.signals, inp.report_week, inp.config, inp.daily)


def daily_section(inp: BriefingInputs) -> Section:
    """Daily spikes and space-time clusters of the last 7 reported days (#17), in words;
    restricted versions in the restricted wording."""
    from lagebild.alerts.daily_text import daily_lines
    day = fmt_date(inp.last_report, inp.lang) if inp.last_report is not None else "–"
    lines = [] if inp.daily is None else daily_lines(inp.daily, inp.districts, inp.catalog,
                                                     inp.lang, inp.k)
    return Section("daily", tr(inp, "daily.briefing_heading"),
                   paragraphs=[tr(inp, "daily.caption", day=day)],
                   bullets=[text for _, text in lines] or [tr(inp, "daily.none", day=day)])


def level_texts(inp: BriefingInputs) -> tuple[str, str]:
    labels = {i.key: i.label(inp.lang) for i in inp.catalog}
    return alert_text.level_texts(escalation_of(inp), inp.report_week, names(inp), labels,
                                  inp.lang)


def reasons(cells: pd.DataFrame, districts, catalog, lang: str,
            k: int | None) -> list[tuple[str, str]]:
    """(colour, reason in words) of every yellow/red cell (``alert_views.reason_lines``; only
    its first two fields are used)."""
    return [(line[0], line[1])
            for line in alert_views.reason_lines(cells, districts, catalog, lang, k)]


def week_cells(inp: BriefingInputs) -> pd.DataFrame:
    return inp.signals[inp.signals["week"] == inp.report_week]


def district_colours(inp: BriefingInputs) -> pd.Series:
    """Highest Ampel colour per district over all indicators in the report week."""
    cells = week_cells(inp)
    cells = cells[cells["district_id"] != CITY]
    if cells.empty:
        return pd.Series(dtype=object)
    rank = cells.assign(_r=cells["colour"].map(RANK))
    top = rank.sort_values("_r").groupby("district_id")["colour"].last()
    return top


def map_section(inp: BriefingInputs) -> Section:
    from lagebild.briefing.charts import alert_map_png
    week = iso_label(inp.report_week, inp.lang)
    legend = {c: alert_text.colour_word(c, inp.lang) for c in ("red", "yellow", "green", "grey")}
    legend["grey"] = tr(inp, "briefing.map.grey")
    png = alert_map_png(inp.districts, district_colours(inp), legend,
                        tr(inp, "briefing.map.title", week=week))
    return Section("map", tr(inp, "briefing.map.heading", week=week),
                   images=[(tr(inp, "briefing.map.alt", city=inp.city, week=week), png)],
                   notes=[tr(inp, "briefing.map.caption")])


def numbers_section(inp: BriefingInputs) -> Section:
    """Key numbers of the whole city: period total, the period before, change, reported
    weeks, report week; suppressed for restricted roles (see the module docstring)."""
    n, lang, g = inp.n_weeks, inp.lang, inp.grid
    prev_first = inp.first_week - pd.Timedelta(days=7 * n)
    prev_last = inp.first_week - pd.Timedelta(days=7)
    rows = []
    for ind in inp.catalog:
        city = g[(g["indicator"] == ind.key) & (g["district_id"] == CITY)]
        if city.empty:
            continue
        now = period_totals(g, ind.key, inp.first_week, inp.report_week).get(CITY)
        before = period_totals(g, ind.key, prev_first, prev_last).get(CITY)
        in_period = city[(city["week"] >= inp.first_week) & (city["week"] <= inp.report_week)]
        reported = f"{int(in_period['count'].notna().sum())}/{n}"
        week_value = city.loc[city["week"] == inp.report_week, "count"]
        week_value = week_value.iloc[0] if len(week_value) else None
        if inp.k and ind.person_related:
            cells = g[(g["indicator"] == ind.key) & (g["district_id"] != CITY)
                      & (g["week"] == inp.report_week)]["count"]
            status = privacy.total_status(cells, inp.k)
            rows.append([ind.label(lang), tr(inp, "briefing.numbers.weekly_only"), "–", "–",
                         reported, privacy.display(week_value, status, inp.k,
                                                   lambda v: fmt_number(v, lang))])
            continue
        rows.append([ind.label(lang), fmt_number(now, lang), fmt_number(before, lang),
                     fmt_change(now, before, lang), reported, fmt_number(week_value, lang)])
    cols = [tr(inp, "briefing.numbers.col_indicator"),
            week_span(inp.first_week, inp.report_week, lang),
            tr(inp, "briefing.numbers.col_before", span=week_span(prev_first, prev_last, lang)),
            tr(inp, "briefing.numbers.col_change"), tr(inp, "briefing.numbers.col_reported"),
            iso_label(inp.report_week, lang)]
    notes = [tr(inp, "briefing.numbers.caption")]
    if inp.k:
        notes.append(tr(inp, "briefing.numbers.restricted", k=inp.k, k_minus=inp.k - 1))
    return Section("numbers", tr(inp, "briefing.numbers.heading"),
                   table=Table(cols, rows, [2.2, 1.5, 1.7, 1.1, 1.0, 1.0]), notes=notes)


def alerts_sections(inp: BriefingInputs) -> list[Section]:
    """The report week's yellow/red cells with their reasons; for full roles also the alerts
    (episodes) active since the period began, with status and acknowledgement."""
    lang = inp.lang
    lines = reasons(week_cells(inp), inp.districts, inp.catalog, lang, inp.k)
    bullets = [f"{alert_text.SYMBOLS[c]} {alert_text.colour_word(c, lang)}: {text}"
               for c, text in lines]
    week = Section("alerts", tr(inp, "briefing.alerts.heading",
                                week=iso_label(inp.report_week, lang)), bullets=bullets)
    if not bullets:
        week.paragraphs.append(tr(inp, "briefing.alerts.none"))
    if inp.k:
        week.notes.append(tr(inp, "briefing.alerts.restricted", k_minus=inp.k - 1))
        return [week]
    span = week_span(inp.first_week, inp.report_week, lang)
    listing = Section("alert_list", tr(inp, "briefing.alerts.list_heading", span=span))
    eps = inp.episodes
    if eps is not None and len(eps):
        eps = eps[(pd.to_datetime(eps["last_week"]) >= inp.first_week)
                  & (eps["state"] != "retracted")]
    if eps is None or eps.empty:
        listing.paragraphs.append(tr(inp, "briefing.alerts.no_episodes"))
        return [week, listing]
    table = alert_views.alert_table(eps.head(30), inp.signals, inp.districts, inp.catalog, lang)
    listing.paragraphs.append(tr(inp, "briefing.alerts.episodes", n=len(eps)))
    listing.bullets = [" · ".join(str(v) for v in row if str(v).strip())
                       for row in table.itertuples(index=False)]
    if len(eps) > 30:
        listing.notes.append(tr(inp, "briefing.alerts.more", n=len(eps) - 30))
    return [week, listing]
