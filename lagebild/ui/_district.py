"""The district page (#6): facts, indicators of the week, trends, alerts, measures and
sensitive places of one district."""

from __future__ import annotations

import pandas as pd

from lagebild import charts
from lagebild.views import situation as views
from lagebild.analytics import trends
from lagebild.access import allowed
from lagebild.i18n import fmt_number
from lagebild.ui._core import (actor, catalog, districts, grid, lang, md, small_count_k, t,
                               week_choices)
from lagebild.ui._maps import place_kind_labels, places
from lagebild.ui._alerts import alert_band, alert_list, alert_signals
from lagebild.ui._measures import district_choices, measure_markers, measures_table


# district detail page (#6)
def district_page_options(city: str) -> dict[str, str]:
    return district_choices(city)


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
    if current.restricted or not allowed(current, "alerts.view"):
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
