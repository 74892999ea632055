"""Read models over the observations: sums per week/day, coverage, points, rows."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild.access import AccessDenied, Actor
from lagebild.store.uploads import ORG_ROWS

def _filters(sql, params, indicators, start, end):
    if indicators:
        sql += f" AND indicator IN ({', '.join('?' * len(indicators))})"
        params += list(indicators)
    if start is not None:
        sql += " AND date >= ?"
        params.append(start)
    if end is not None:
        sql += " AND date <= ?"
        params.append(end)
    return sql, params



class ObservationsMixin:

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
               f"count FROM observations WHERE city_id = ?")
        sql, params = _filters(sql, [self.city_id(actor, city)], indicators, start, end)
        return self._df(sql + f" GROUP BY ALL ORDER BY {period}, district_id, indicator",
                        params)

    def coverage(self, actor: Actor, city: str) -> pd.DataFrame:
        """Reported days per indicator × ISO week (0..7) from the reporting periods."""
        city_id = self.city_id(actor, city)
        return self._df(
            """
            WITH days AS (
                SELECT DISTINCT rp.indicator, CAST(d.day AS DATE) AS day
                FROM reporting_periods rp JOIN uploads u USING (upload_id),
                     LATERAL (SELECT unnest(generate_series(rp.start_date, rp.end_date,
                                                            INTERVAL 1 DAY)) AS day) d
                WHERE u.city_id = ? AND u.status = 'imported')
            SELECT indicator, CAST(date_trunc('week', day) AS DATE) AS week,
                   count(*) AS reported_days
            FROM days GROUP BY ALL ORDER BY indicator, week
            """, [city_id])

    def points(self, actor: Actor, city: str, indicator: str, start: date, end: date,
               catalog) -> pd.DataFrame:
        """Point rows (lat, lon, date, district_id, count) for an indicator whose catalogue
        entry allows points. Person-related indicators are refused for every role."""
        ind = catalog[indicator]
        if not ind.points_allowed or ind.person_related:
            raise AccessDenied(f"'{ind.label_de}' wird nie als Punkte gezeigt.")
        if actor.restricted:
            raise AccessDenied("Punktdaten sind für diese Rolle nicht freigegeben.")
        city_id = self.city_id(actor, city)
        sql = ("SELECT lat, lon, date, district_id, count, note FROM observations o "
               "WHERE city_id = ? AND indicator = ? AND date BETWEEN ? AND ? "
               "AND lat IS NOT NULL AND lon IS NOT NULL")
        params: list = [city_id, indicator, start, end]
        if actor.role == "outreach":          # row-level data: own organisation only
            sql += f" AND {ORG_ROWS}"
            params += [city_id, actor.organisation]
        return self._df(sql + " ORDER BY date", params)

    def date_range(self, actor: Actor, city: str) -> tuple[date | None, date | None]:
        city_id = self.city_id(actor, city)
        return tuple(self._cur().execute(
            "SELECT min(date), max(date) FROM observations WHERE city_id = ?",
            [city_id]).fetchone())


    def observations(self, actor: Actor, city: str) -> pd.DataFrame:
        """Observation rows of a city in a stable order (exports, comparisons).

        Row-level data: ``outreach`` gets only its own organisation's rows, ``gast`` none.
        """
        city_id = self.city_id(actor, city)
        if actor.restricted:
            raise AccessDenied("Einzelmeldungen sind für diese Rolle nicht freigegeben.")
        sql = ("SELECT d.code AS district_code, o.indicator, o.date, o.count, o.lat, o.lon, "
               "u.organisation, o.note FROM observations o JOIN uploads u USING (upload_id) "
               "LEFT JOIN districts d USING (district_id) WHERE o.city_id = ?")
        params: list = [city_id]
        if actor.role == "outreach":
            sql += " AND u.organisation = ?"
            params.append(actor.organisation)
        return self._df(sql + " ORDER BY ALL", params)

    def reporting_summary(self, actor: Actor, city: str, start: date,
                          end: date) -> pd.DataFrame:
        """Per organisation × indicator: days in [start, end] covered by its imported
        reporting periods, and its last upload (completeness for the briefing). Aggregate
        metadata, no counts: readable by every role that may see the city."""
        city_id = self.city_id(actor, city)
        return self._df(
            """
            WITH days AS (
                SELECT DISTINCT u.organisation, rp.indicator, CAST(d.day AS DATE) AS day
                FROM reporting_periods rp JOIN uploads u USING (upload_id),
                     LATERAL (SELECT unnest(generate_series(greatest(rp.start_date, ?),
                                            least(rp.end_date, ?), INTERVAL 1 DAY)) AS day) d
                WHERE u.city_id = ? AND u.status = 'imported')
            SELECT u.organisation, rp.indicator,
                   (SELECT count(*) FROM days d WHERE d.organisation = u.organisation
                      AND d.indicator = rp.indicator) AS reported_days,
                   max(u.uploaded_at) AS last_upload
            FROM uploads u JOIN reporting_periods rp USING (upload_id)
            WHERE u.city_id = ? AND u.status = 'imported'
            GROUP BY ALL ORDER BY u.organisation, rp.indicator
            """, [start, end, city_id, city_id])
