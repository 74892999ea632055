"""Read models over the observations: sums per week/day, coverage, points, rows."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild.access import Actor
from lagebild.store._db import query
from lagebild.store.errors import Forbidden
from lagebild.store.uploads import ORG_ROWS


def _filters(sql: str, params: dict, indicators, start, end) -> tuple[str, dict]:
    """``sql`` and ``params`` narrowed to the indicators and the date range (new objects;
    the caller's are left as they are)."""
    params = dict(params)
    if indicators:
        names = [f"indicator_{i}" for i in range(len(indicators))]
        sql += f" AND indicator IN ({', '.join('$' + n for n in names)})"
        params.update(zip(names, indicators))
    if start is not None:
        sql += " AND date >= $start"
        params["start"] = start
    if end is not None:
        sql += " AND date <= $end"
        params["end"] = end
    return sql, params


class ObservationsMixin:
    """Read models over the observations (sums, coverage, points, rows)."""

    def weekly_counts(self, actor: Actor, city: str, indicators: list[str] | None = None,
                      start: date | None = None, end: date | None = None) -> pd.DataFrame:
        """Sum of counts per district × indicator × ISO week (``week`` = its Monday)."""
        return self._sums(actor, city, "CAST(date_trunc('week', date) AS DATE) AS week",
                          "week", indicators, start, end)

    def daily_counts(self, actor: Actor, city: str, indicators: list[str] | None = None,
                     start: date | None = None, end: date | None = None) -> pd.DataFrame:
        """Sum of counts per district × indicator × day (``day``) – the daily signals (#17)."""
        return self._sums(actor, city, "date AS day", "day", indicators, start, end)

    def _sums(self, actor, city, period_sql: str, period: str, indicators, start, end):
        sql = (f"SELECT district_id, indicator, {period_sql}, CAST(sum(count) AS BIGINT) AS "
               f"count FROM observations WHERE city_id = $city_id")
        sql, params = _filters(sql, {"city_id": self.city_id(actor, city)}, indicators,
                               start, end)
        return self._df(sql + f" GROUP BY ALL ORDER BY {period}, district_id, indicator",
                        params)

    def coverage(self, actor: Actor, city: str) -> pd.DataFrame:
        """Reported days per indicator × ISO week (0..7) from the reporting periods."""
        return self._df(query("coverage"), {"city_id": self.city_id(actor, city)})

    def points(self, actor: Actor, city: str, indicator: str, start: date, end: date,
               catalog) -> pd.DataFrame:
        """Point rows (lat, lon, date, district_id, count) for an indicator whose catalogue
        entry allows points. Person-related indicators are refused for every role."""
        ind = catalog[indicator]
        if not ind.points_allowed or ind.person_related:
            raise Forbidden(f"'{ind.label_de}' wird nie als Punkte gezeigt.")
        if actor.restricted:
            raise Forbidden("Punktdaten sind für diese Rolle nicht freigegeben.")
        params = {"city_id": self.city_id(actor, city), "indicator": indicator,
                  "start": start, "end": end}
        sql = ("SELECT lat, lon, date, district_id, count, note FROM observations o "
               "WHERE city_id = $city_id AND indicator = $indicator AND date BETWEEN $start "
               "AND $end AND lat IS NOT NULL AND lon IS NOT NULL")
        if actor.bound_to_organisation:       # row-level data: own organisation only
            sql += f" AND {ORG_ROWS}"
            params["organisation"] = actor.organisation
        return self._df(sql + " ORDER BY date", params)

    def date_range(self, actor: Actor, city: str) -> tuple[date | None, date | None]:
        return tuple(self._one("SELECT min(date), max(date) FROM observations WHERE "
                               "city_id = $city_id", {"city_id": self.city_id(actor, city)}))

    def observations(self, actor: Actor, city: str) -> pd.DataFrame:
        """Observation rows of a city in a stable order (exports, comparisons).

        Row-level data: ``outreach`` gets only its own organisation's rows, ``gast`` none.
        """
        params = {"city_id": self.city_id(actor, city)}
        if actor.restricted:
            raise Forbidden("Einzelmeldungen sind für diese Rolle nicht freigegeben.")
        sql = ("SELECT d.code AS district_code, o.indicator, o.date, o.count, o.lat, o.lon, "
               "u.organisation, o.note FROM observations o JOIN uploads u USING (upload_id) "
               "LEFT JOIN districts d USING (district_id) WHERE o.city_id = $city_id")
        if actor.bound_to_organisation:
            sql += " AND u.organisation = $organisation"
            params["organisation"] = actor.organisation
        return self._df(sql + " ORDER BY ALL", params)

    def reporting_summary(self, actor: Actor, city: str, start: date,
                          end: date) -> pd.DataFrame:
        """Per organisation × indicator: days in [start, end] covered by its imported
        reporting periods, and its last upload (completeness for the briefing). Aggregate
        metadata, no counts: readable by every role that may see the city."""
        return self._df(query("reporting_summary"),
                        {"city_id": self.city_id(actor, city), "start": start, "end": end})
