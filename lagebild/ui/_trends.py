"""The trends chart: weekly lines of the chosen districts with the alert band (#4) and
measure markers (#6). Its own module because it builds on the alerts section
(``_alerts.alert_band``), which builds on ``_core``."""

from __future__ import annotations

from lagebild import charts
from lagebild.analytics import trends
from lagebild.ui._alerts import alert_band
from lagebild.ui._core import catalog, districts, grid, lang, small_count_k, t
from lagebild.views import situation as views


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
