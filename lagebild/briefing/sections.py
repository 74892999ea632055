"""Briefing sections after the alerts: trends of yellow/red districts, measures, reporting
completeness per organisation, data sources – and :func:`build`, which puts every section
(these and the first ones of :mod:`lagebild.briefing.model`) into one document (pure)."""

from __future__ import annotations

import pandas as pd

from lagebild import privacy
from lagebild.alerts import text as alert_text
from lagebild.analytics.signals import RANK
from lagebild.analytics.trends import CITY, iso_label
from lagebild.briefing.model import (Briefing, Section, Table, alerts_sections, daily_section,
                                     escalation_of, facts, level_texts, map_section, names,
                                     numbers_section, slug, tr, week_cells, week_span)
from lagebild.briefing.inputs import BriefingInputs
from lagebild.i18n import fmt_number
from lagebild.measures.views import district_names, fmt_date, markers, status_label
from lagebild.measures.model import due_state

MAX_CHARTS = 8
TREND_WEEKS = 26
DUE_ORDER = {"overdue": 0, "due": 1, "open": 2, "done": 3, "dropped": 4}


def _hot_pairs(inp: BriefingInputs) -> list[tuple]:
    """(district_id, indicator, colour) of yellow/red districts: red first, then catalogue
    order, then district name."""
    cells = week_cells(inp)
    hot = cells[cells["colour"].isin(["red", "yellow"]) & (cells["district_id"] != CITY)]
    order = {i.key: n for n, i in enumerate(inp.catalog)}
    nm = names(inp)
    rows = sorted(hot[["district_id", "indicator", "colour"]].itertuples(index=False),
                  key=lambda r: (-RANK[r.colour], order.get(r.indicator, 99),
                                 str(nm.get(r.district_id, ""))))
    return [tuple(r) for r in rows]


def _shown_weeks(grid: pd.DataFrame, indicator: str, district_id, k: int) -> set:
    """Weeks in which the restricted tables show this district's (or the city's) count
    under the column's suppression (primary, complementary, hidden total)."""
    body = grid[(grid["indicator"] == indicator) & (grid["district_id"] != CITY)]
    shown = set()
    for week, part in body.groupby("week"):
        cells = part.set_index("district_id")["count"]
        status, total = privacy.suppress_cells(cells, k)
        if (total if district_id == CITY else status.get(district_id, "")) == privacy.SHOWN:
            shown.add(week)
    return shown


def _chart(inp: BriefingInputs, district_id, indicator: str, colour: str) -> tuple[str, bytes]:
    from lagebild.briefing.charts import trend_png
    g, ind, lang = inp.grid, inp.catalog[indicator], inp.lang
    first = inp.report_week - pd.Timedelta(days=7 * (TREND_WEEKS - 1))
    sel = g[(g["district_id"] == district_id) & (g["indicator"] == indicator)
            & (g["week"] >= first) & (g["week"] <= inp.report_week)][["week", "count"]]
    if inp.k and ind.person_related:     # a week is drawn only where the tables show it
        sel = sel.assign(count=sel["count"].mask(~sel["week"].isin(
            _shown_weeks(g, indicator, district_id, inp.k)).to_numpy()))
    sig = inp.signals
    sig = sig[(sig["district_id"] == district_id) & (sig["indicator"] == indicator)
              & (sig["week"] >= first) & (sig["week"] <= inp.report_week)]
    place = names(inp).get(district_id, str(district_id))
    title = tr(inp, "briefing.trends.chart_title", indicator=ind.label(lang), place=place,
               symbol=alert_text.SYMBOLS[colour], colour=alert_text.colour_word(colour, lang),
               week=iso_label(inp.report_week, lang))
    ids = [CITY] if district_id == CITY else [district_id]
    # restricted, person-related: no threshold; it is an average of earlier weeks, from which
    # a hidden week could be computed back (#15)
    threshold = None if inp.k and ind.person_related else \
        sig.rename(columns={"upper_yellow": "upper"})[["week", "upper"]]
    png = trend_png(sel, title=title, y_title=ind.unit(lang), lang=lang, threshold=threshold,
                    markers=markers(inp.measures, indicator, ids, lang),
                    observed_label=tr(inp, "briefing.trends.observed"),
                    threshold_label=tr(inp, "briefing.trends.threshold"))
    return title, png


def trends_section(inp: BriefingInputs) -> Section:
    """One chart per yellow/red district × indicator (at most 8, red first). Restricted
    roles: person-related indicators as one whole-city chart without weeks of 1 … k−1."""
    sec = Section("trends", tr(inp, "briefing.trends.heading", weeks=TREND_WEEKS))
    pairs, done, skipped = _hot_pairs(inp), set(), 0
    for district_id, indicator, colour in pairs:
        if inp.k and inp.catalog[indicator].person_related:
            if indicator in done:
                continue
            done.add(indicator)
            city_colour = week_cells(inp)
            city_colour = city_colour[(city_colour["district_id"] == CITY)
                                      & (city_colour["indicator"] == indicator)]["colour"]
            district_id = CITY
            colour = city_colour.iloc[0] if len(city_colour) else "grey"
        if len(sec.images) >= MAX_CHARTS:
            skipped += 1
            continue
        sec.images.append(_chart(inp, district_id, indicator, colour))
    if not pairs:
        sec.paragraphs.append(tr(inp, "briefing.trends.none"))
    sec.notes.append(tr(inp, "briefing.trends.caption"))
    if skipped:
        sec.notes.append(tr(inp, "briefing.trends.more", n=skipped))
    if inp.k and done:
        sec.notes.append(tr(inp, "briefing.trends.restricted", k_minus=inp.k - 1))
    return sec


def _relevant_measures(inp: BriefingInputs) -> pd.DataFrame:
    """Open measures, and measures finished or dropped since the period began."""
    m = inp.measures
    if m.empty:
        return m
    changed = pd.to_datetime(m["updated_at"].fillna(m["created_at"]))
    done_on = pd.to_datetime(m["implemented_on"]).fillna(changed)
    since = pd.Timestamp(inp.since)
    keep = (m["status"].isin(["geplant", "in_umsetzung"])
            | ((m["status"] == "umgesetzt") & (done_on >= since))
            | ((m["status"] == "verworfen") & (changed >= since)))
    out = m[keep].copy()
    out["state"] = [due_state(s, d, inp.today) for s, d in zip(out["status"], out["due_on"])]
    out["_o"] = out["state"].map(DUE_ORDER)
    return out.sort_values(["_o", "due_on", "measure_id"], na_position="last")


def measures_section(inp: BriefingInputs) -> Section:
    """Status of the measures: overdue, due, open, done/dropped since the period began."""
    lang, m = inp.lang, _relevant_measures(inp)
    sec = Section("measures", tr(inp, "briefing.measures.heading"))
    if m.empty:
        sec.paragraphs.append(tr(inp, "briefing.measures.none"))
        return sec
    count = m["state"].value_counts()
    sec.paragraphs.append(tr(inp, "briefing.measures.summary",
                             overdue=int(count.get("overdue", 0)), due=int(count.get("due", 0)),
                             open=int(count.get("open", 0)), done=int(count.get("done", 0)),
                             since=fmt_date(inp.since, lang)))
    nm = inp.districts.set_index("district_id")["name"].to_dict()
    rows = []
    for r in m.to_dict("records"):
        body = inp.bodies[r["body"]].label(lang) if r["body"] in inp.bodies else r["body"]
        rows.append([str(int(r["measure_id"])), r["title"], body,
                     district_names(r["districts"], nm, lang), status_label(r["status"], lang),
                     fmt_date(r["due_on"], lang), t_state(inp, r["state"])])
    cols = [tr(inp, f"measures.col.{c}") for c in
            ("id", "title", "body", "districts", "status", "due_on", "due_state")]
    sec.table = Table(cols, rows, [0.45, 3.0, 1.7, 1.6, 1.2, 1.1, 1.1])
    return sec


def t_state(inp: BriefingInputs, state: str) -> str:
    text = tr(inp, f"measures.due.{state}")
    return f"! {text}" if state == "overdue" else text      # readable without colour


def completeness_section(inp: BriefingInputs) -> Section:
    """Per organisation: days covered by its reporting periods / days of the period (the
    fewest over its indicators)."""
    lang, rep = inp.lang, inp.reporting
    days = inp.n_weeks * 7
    sec = Section("completeness", tr(inp, "briefing.completeness.heading"),
                  notes=[tr(inp, "briefing.completeness.caption", days=days,
                            span=week_span(inp.first_week, inp.report_week, lang))])
    if rep.empty:
        sec.paragraphs.append(tr(inp, "briefing.completeness.none"))
        return sec
    labels = {i.key: i.label(lang) for i in inp.catalog}
    per_org = rep.groupby("organisation").agg(days=("reported_days", "min"),
                                              indicators=("indicator", list))
    per_org = per_org.sort_values(["days"]).reset_index()
    rows = []
    for r in per_org.itertuples(index=False):
        share = r.days / days if days else 0
        flag = "" if share >= 1 else (" – " + tr(inp, "briefing.completeness.gaps"))
        rows.append([r.organisation, ", ".join(labels.get(i, i) for i in r.indicators),
                     f"{int(r.days)} / {days}", fmt_number(share * 100, lang) + " %" + flag])
    cols = [tr(inp, f"briefing.completeness.col_{c}") for c in
            ("organisation", "indicators", "days", "share")]
    sec.table = Table(cols, rows, [2.6, 2.4, 1.0, 1.4])
    return sec


def sources_section(inp: BriefingInputs) -> Section:
    """Where the numbers come from, which rules coloured them, when this was made."""
    lang = inp.lang
    sec = Section("sources", tr(inp, "briefing.sources.heading"))
    rep = inp.reporting
    if not rep.empty:
        last = rep.groupby("organisation")["last_upload"].max()
        sec.bullets += [tr(inp, "briefing.sources.organisation", organisation=org,
                           date=fmt_date(when, lang)) for org, when in last.items()]
    methods = week_cells(inp)["method"].dropna().unique()
    sec.bullets.append(tr(inp, "briefing.sources.rules", methods=", ".join(
        sorted(alert_text.method_label(m, lang) for m in methods if m)) or "–"))
    sec.bullets.append(tr(inp, "briefing.sources.districts", n=len(inp.districts)))
    sec.bullets.append(tr(inp, "briefing.sources.generated",
                          date=inp.generated_at.strftime("%d.%m.%Y %H:%M:%S" if lang == "de"
                                                         else "%Y-%m-%d %H:%M:%S")))
    if inp.is_demo:
        sec.notes.append(tr(inp, "briefing.sources.demo", city=inp.city))
    sec.notes.append(tr(inp, "briefing.sources.local"))
    return sec


def warnings_section(inp: BriefingInputs) -> Section:
    """The Substanzwarnungen in force on the day the briefing is made (#18): substance,
    title, where, since, valid until – the crisis team's own words."""
    from lagebild.drugcheck.substances import load_substances
    cat, lang = load_substances(), inp.lang
    sec = Section("warnings", tr(inp, "briefing.warnings.heading",
                                 date=fmt_date(inp.today, lang)))
    for w in inp.warnings:
        sec.bullets.append(tr(inp, "briefing.warnings.item", substance=cat.name(w.substance,
                                                                                lang),
                              title=w.title, location=w.location,
                              since=fmt_date(w.since, lang),
                              valid_until=fmt_date(w.valid_until, lang)))
    if not inp.warnings:
        sec.paragraphs.append(tr(inp, "briefing.warnings.none"))
    return sec


def build(inp: BriefingInputs, progress=None) -> Briefing:
    """The whole briefing; ``progress(fraction, key)`` is called between sections."""
    step = progress or (lambda f, s: None)
    heading, reason = level_texts(inp)
    sections = [warnings_section(inp), map_section(inp), daily_section(inp)]   # (#18) first
    step(0.35, "numbers")
    sections += [numbers_section(inp), *alerts_sections(inp)]
    step(0.45, "trends")
    sections.append(trends_section(inp))
    step(0.75, "measures")
    sections += [measures_section(inp), completeness_section(inp),
                 sources_section(inp)]
    esc_level = escalation_of(inp).level
    return Briefing(
        title=tr(inp, "briefing.doc.title", city=inp.city), facts=facts(inp), level=esc_level,
        level_heading=heading, level_reason=reason, sections=sections,
        footer=tr(inp, "briefing.doc.footer", city=inp.city,
                  date=inp.generated_at.strftime("%d.%m.%Y %H:%M" if inp.lang == "de"
                                                 else "%Y-%m-%d %H:%M")),
        lang=inp.lang,
        filename=f"briefing-{slug(inp.city)}-{inp.report_week:%Y-%m-%d}"
                 + (("-restricted" if inp.lang == "en" else "-eingeschraenkt") if inp.k else ""))
