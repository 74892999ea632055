"""Stored Ampel signals, alert episodes and daily signals (#4, #17); computed by
lagebild/alerts/service.py, district_id NULL = whole city."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild.access import Actor
from lagebild.store.errors import Forbidden, Invalid, NotFound

# section: alerts (#4) – columns of alert_signals written by Store.save_alerts
_ALERT_SIGNAL_COLUMNS = [
    "district_id", "indicator", "week", "observed", "reported_days", "rate", "expected",
    "upper_yellow", "upper_red", "alarm_yellow", "alarm_red", "method", "alpha_yellow",
    "alpha_red", "history_have", "history_need", "static_yellow", "static_red",
    "static_yellow_rate", "static_red_rate", "colour", "cause"]


# section: daily signals (#17) – columns of daily_signals written by Store.save_alerts
_DAILY_COLUMNS = ["kind", "indicator", "district_ids", "start_day", "end_day", "observed",
                  "expected", "p_value", "llr", "min_count", "hours", "centre_id", "radius_m",
                  "upper"]


class AlertsMixin:
    """Stored Ampel signals, alert episodes, daily signals; acknowledgements."""

    def alert_source_version(self, actor: Actor, city: str) -> int:
        """Audit id of the latest change to the city's observations or districts (0 = none):
        stored signals computed from an older version are stale."""
        city_id = self.city_id(actor, city)
        return self._cur().execute(
            "SELECT coalesce(max(audit_id), 0) FROM audit_log WHERE city_id = $city_id AND "
            "(action LIKE 'upload.%' OR action LIKE 'districts.%' OR action LIKE 'ingest.%' "
            "OR action = 'city.create')", {"city_id": city_id}).fetchall()[0][0]

    def alert_run(self, actor: Actor, city: str) -> dict | None:
        """The last refresh of the city's alerts (source_version, computed_at, …) or None."""
        city_id = self.city_id(actor, city)
        df = self._df("SELECT source_version, computed_at, computed_by, series, weeks "
                      "FROM alert_runs WHERE city_id = $city_id", {"city_id": city_id})
        return None if df.empty else df.iloc[0].to_dict()

    def alert_signals(self, actor: Actor, city: str, start: date | None = None,
                      end: date | None = None) -> pd.DataFrame:
        """Stored Ampel signals (one row per district × indicator × week) of a city."""
        params = {"city_id": self.city_id(actor, city)}
        sql = "SELECT * EXCLUDE (city_id) FROM alert_signals WHERE city_id = $city_id"
        if start is not None:
            sql, params["start"] = sql + " AND week >= $start", start
        if end is not None:
            sql, params["end"] = sql + " AND week <= $end", end
        df = self._df(sql + " ORDER BY indicator, district_id NULLS FIRST, week", params)
        df["district_id"] = df["district_id"].astype("Int64")
        return df

    def alert_episodes(self, actor: Actor, city: str) -> pd.DataFrame:
        """Stored alerts (episodes) of a city, newest first; not for restricted roles."""
        if actor.restricted:
            raise Forbidden("Die Warnliste ist für diese Rolle nicht freigegeben.")
        city_id = self.city_id(actor, city)
        df = self._df("SELECT * EXCLUDE (city_id) FROM alert_episodes WHERE "
                      "city_id = $city_id ORDER BY last_week DESC, alert_id DESC",
                      {"city_id": city_id})
        df["district_id"] = df["district_id"].astype("Int64")
        return df

    def _insert_frame(self, cur, table: str, frame: pd.DataFrame, city_id: int,
                      order: str = "") -> None:
        """INSERT every row of ``frame`` (its columns) into ``table`` for ``city_id``."""
        cols = ", ".join(frame.columns)
        self._register(cur, "_frame", frame)
        cur.execute(f"INSERT INTO {table} (city_id, {cols}) SELECT $city_id, {cols} "
                    f"FROM _frame{order}", {"city_id": city_id}).fetchall()
        cur.unregister("_frame")

    def save_alerts(self, actor: Actor, city: str, signals: pd.DataFrame, plan: dict,
                    source_version: str, daily: pd.DataFrame | None = None) -> dict:
        """Replace the city's signals (and its daily signals, #17) and apply an episode plan
        (``escalation.merge_episodes``: update / insert / retract) in ONE transaction, audited
        as ``alerts.refresh``."""
        self._require(actor, "alerts.refresh")
        city_id = self.city_id(actor, city)
        cols = [c for c in _ALERT_SIGNAL_COLUMNS if c in signals.columns]
        ep_cols = ["district_id", "indicator", "first_week", "last_week", "peak_week",
                   "peak_colour", "peak_observed", "alert_weeks", "state", "end_week"]
        update, insert = plan["update"], plan["insert"]
        ids = {"city_id": city_id}
        with self.transaction() as cur:
            cur.execute("DELETE FROM alert_signals WHERE city_id = $city_id", ids).fetchall()
            self._insert_frame(cur, "alert_signals", signals[cols], city_id)
            if len(update):
                self._register(cur, "_alert_upd", update[["alert_id", *ep_cols]])
                sets = ", ".join(f"{c} = u.{c}" for c in ep_cols[2:])
                cur.execute(f"UPDATE alert_episodes AS e SET {sets}, updated_at = "
                            f"current_timestamp FROM _alert_upd u WHERE e.alert_id = u.alert_id "
                            f"AND e.city_id = $city_id", ids).fetchall()
                cur.unregister("_alert_upd")
            if len(insert):
                self._insert_frame(cur, "alert_episodes", insert[ep_cols], city_id,
                                   " ORDER BY first_week, indicator, district_id")
            for alert_id in plan["retract"]:
                cur.execute("UPDATE alert_episodes SET state = 'retracted', updated_at = "
                            "current_timestamp WHERE alert_id = $alert_id AND city_id = $city_id",
                            ids | {"alert_id": alert_id}).fetchall()
            if daily is not None:
                cur.execute("DELETE FROM daily_signals WHERE city_id = $city_id", ids).fetchall()
                if len(daily):
                    self._insert_frame(cur, "daily_signals", daily[_DAILY_COLUMNS], city_id)
            cur.execute("DELETE FROM alert_runs WHERE city_id = $city_id", ids).fetchall()
            series = signals[["district_id", "indicator"]].drop_duplicates().shape[0]
            cur.execute("INSERT INTO alert_runs (city_id, source_version, computed_by, series, "
                        "weeks) VALUES ($city_id, $version, $by, $series, $weeks)",
                        ids | {"version": source_version, "by": actor.username,
                               "series": series, "weeks": int(signals["week"].nunique())}
                        ).fetchall()
            counts = {"new": len(insert), "updated": len(update),
                      "retracted": len(plan["retract"]), "signals": len(signals)}
            self._audit(cur, actor, "alerts.refresh", city_id, **counts)
        return counts

    def daily_signals(self, actor: Actor, city: str) -> pd.DataFrame:
        """The stored daily signals (spikes, clusters) of the last 7 reported days (#17)."""
        return self._df(f"SELECT {', '.join(_DAILY_COLUMNS)} FROM daily_signals WHERE "
                        f"city_id = $city_id ORDER BY end_day DESC, kind, indicator",
                        {"city_id": self.city_id(actor, city)})

    def acknowledge_alert(self, actor: Actor, city: str, alert_id: int, comment: str) -> None:
        """A crisis-team member (krisenstab/admin) acknowledges an alert with a comment
        (audited); once per alert."""
        self._require(actor, "alerts.acknowledge")
        city_id = self.city_id(actor, city)
        comment = (comment or "").strip()
        if not comment:
            raise Invalid("Bitte einen Kommentar angeben: was wurde veranlasst, oder warum "
                          "ist die Warnung erledigt?")
        if len(comment) > 2000:
            raise Invalid(f"Der Kommentar ist zu lang ({len(comment)} Zeichen, höchstens "
                          "2000).")
        ids = {"alert_id": int(alert_id), "city_id": city_id}
        with self.transaction() as cur:
            row = cur.execute("SELECT acknowledged_by, acknowledged_at FROM alert_episodes "
                              "WHERE alert_id = $alert_id AND city_id = $city_id",
                              ids).fetchall()
            if not row:
                raise NotFound(f"Warnung {alert_id} gibt es in {city} nicht.")
            if row[0][0] is not None:
                raise Invalid(f"Warnung {alert_id} wurde bereits am "
                              f"{row[0][1]:%d.%m.%Y %H:%M} von {row[0][0]} quittiert.")
            cur.execute("UPDATE alert_episodes SET acknowledged_by = $by, acknowledged_at = "
                        "current_timestamp, ack_comment = $comment WHERE alert_id = $alert_id",
                        {"by": actor.username, "comment": comment,
                         "alert_id": int(alert_id)}).fetchall()
            self._audit(cur, actor, "alert.acknowledge", city_id, alert_id=int(alert_id),
                        comment=comment)
