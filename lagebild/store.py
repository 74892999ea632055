"""The database gateway: the only module that imports duckdb.

One ``Store`` per database file and process holds one DuckDB connection; every thread gets
its own cursor. Every method takes the acting user (:class:`lagebild.access.Actor`) and
filters by the cities that user may see. Every write is one transaction.

Methods return pandas DataFrames (GeoDataFrames for districts) with named columns.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from lagebild.access import AccessDenied, Actor

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WRITE_ROLES = {"city": ("admin",), "upload": ("admin", "outreach", "krisenstab")}


class StoreError(RuntimeError):
    """A database problem explained for users (German)."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every ``migrations/NNN_name.sql``, in order."""
    out = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        out.append((int(path.name[:3]), path.stem[4:], path.read_text(encoding="utf-8")))
    return out


class Store:
    """Open (and migrate) the DuckDB database at ``path`` (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(
                f"Die Datenbank {self.path} kann nicht geöffnet werden: {exc}. "
                "Läuft Lagebild bereits in einem anderen Prozess? Ist die Datei beschädigt, "
                "stellen Sie eine Sicherung wieder her."
            ) from exc
        self._local = threading.local()
        self._lock = threading.Lock()
        if not read_only:
            self._migrate()

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        self._con.close()

    def _cur(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cur", None)
        if cur is None:
            with self._lock:
                cur = self._con.cursor()
            self._local.cur = cur
        return cur

    def _df(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        return self._cur().execute(sql, list(params)).df()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: commit at the end, roll back on any exception."""
        cur = self._cur()
        cur.begin()
        try:
            yield cur
        except BaseException:
            cur.rollback()
            raise
        cur.commit()

    def _migrate(self) -> None:
        cur = self._cur()
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
        done = {r[0] for r in cur.execute("SELECT version FROM schema_migrations").fetchall()}
        for version, name, sql in migrations():
            if version in done:
                continue
            with self.transaction() as tx:
                tx.execute(sql)
                tx.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                           [version, name])

    def schema_version(self) -> int:
        return self._cur().execute("SELECT max(version) FROM schema_migrations").fetchone()[0]

    def checkpoint(self) -> None:
        self._cur().execute("CHECKPOINT")

    # ------------------------------------------------------------------ access helpers
    @staticmethod
    def _require(actor: Actor, roles: tuple[str, ...], what: str) -> None:
        if actor.role not in roles:
            raise AccessDenied(f"Die Rolle '{actor.role}' darf nicht: {what}.")

    def city_id(self, actor: Actor, city: str) -> int:
        """The id of a city the actor may see; German errors otherwise."""
        if not actor.may_see_city(city):
            raise AccessDenied(f"Kein Zugriff auf die Stadt '{city}'.")
        row = self._cur().execute("SELECT city_id FROM cities WHERE name = ?", [city]).fetchone()
        if row is None:
            raise KeyError(f"Stadt '{city}' ist nicht angelegt.")
        return row[0]

    def _audit(self, cur, actor: Actor, action: str, city_id: int | None, **detail) -> None:
        cur.execute(
            "INSERT INTO audit_log (actor, action, city_id, detail) VALUES (?, ?, ?, ?)",
            [actor.username, action, city_id, json.dumps(detail, ensure_ascii=False, default=str)],
        )

    # ------------------------------------------------------------------ cities, districts
    def cities(self, actor: Actor) -> pd.DataFrame:
        """Cities the actor may see with their district and observation-row counts."""
        df = self._df(
            """
            SELECT c.city_id, c.name, c.ags, c.is_demo,
                   (SELECT count(*) FROM districts d WHERE d.city_id = c.city_id) AS districts,
                   (SELECT count(*) FROM observations o WHERE o.city_id = c.city_id)
                       AS observations
            FROM cities c ORDER BY c.name
            """
        )
        visible = pd.Series([actor.may_see_city(n) for n in df["name"]], index=df.index,
                            dtype=bool)
        return df.loc[visible].reset_index(drop=True)

    def ensure_city(self, actor: Actor, name: str, ags: str | None = None,
                    is_demo: bool = False) -> int:
        """Create the city if missing (admin only); returns its id."""
        self._require(actor, WRITE_ROLES["city"], "Städte anlegen")
        name = name.strip()
        if not name:
            raise ValueError("Der Name der Stadt darf nicht leer sein.")
        with self.transaction() as cur:
            row = cur.execute("SELECT city_id FROM cities WHERE name = ?", [name]).fetchone()
            if row:
                if ags:
                    cur.execute("UPDATE cities SET ags = ? WHERE city_id = ?", [ags, row[0]])
                return row[0]
            city_id = cur.execute(
                "INSERT INTO cities (name, ags, is_demo) VALUES (?, ?, ?) RETURNING city_id",
                [name, ags, is_demo],
            ).fetchone()[0]
            self._audit(cur, actor, "city.create", city_id, name=name, ags=ags)
        return city_id

    def districts(self, actor: Actor, city: str) -> gpd.GeoDataFrame:
        """Districts of a city: district_id, code, name, population, parent, geometry (WGS84)."""
        city_id = self.city_id(actor, city)
        df = self._df(
            "SELECT district_id, code, name, population, parent, geometry FROM districts "
            "WHERE city_id = ? ORDER BY name", [city_id],
        )
        geoms = [shapely.from_wkb(bytes(g)) if g is not None else None for g in df.pop("geometry")]
        df["population"] = df["population"].astype("Int64")
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))

    def upsert_districts(self, actor: Actor, city: str, gdf: gpd.GeoDataFrame) -> dict:
        """Insert or update districts (matched by code, else by name); observations stay.

        ``gdf`` needs columns code, name, population (may be NA), parent (may be NA) and a
        geometry in EPSG:4326. Returns ``{"added": [...], "updated": [...], "unchanged": [...],
        "missing": [...]}`` with district names; "missing" are stored districts absent from the
        file (kept, because observations may refer to them).
        """
        self._require(actor, WRITE_ROLES["city"], "Stadtteile importieren")
        city_id = self.city_id(actor, city)
        report = {"added": [], "updated": [], "unchanged": [], "missing": []}
        with self.transaction() as cur:
            existing = cur.execute(
                "SELECT district_id, code, name, population, parent, geometry FROM districts "
                "WHERE city_id = ?", [city_id]).fetchall()
            by_code = {r[1]: r for r in existing}
            by_name = {r[2].casefold(): r for r in existing}
            seen = set()
            for row in gdf.itertuples(index=False):
                wkb = shapely.to_wkb(row.geometry) if row.geometry is not None else None
                pop = None if pd.isna(row.population) else int(row.population)
                parent = None if pd.isna(row.parent) else str(row.parent)
                old = by_code.get(row.code) or by_name.get(str(row.name).casefold())
                if old is None:
                    cur.execute(
                        "INSERT INTO districts (city_id, code, name, population, parent, geometry)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        [city_id, row.code, row.name, pop, parent, wkb])
                    report["added"].append(row.name)
                    continue
                seen.add(old[0])
                new = (row.code, row.name, pop, parent, wkb)
                if new == (old[1], old[2], old[3], old[4], bytes(old[5]) if old[5] else None):
                    report["unchanged"].append(row.name)
                    continue
                cur.execute(
                    "UPDATE districts SET code = ?, name = ?, population = ?, parent = ?, "
                    "geometry = ? WHERE district_id = ?", [*new, old[0]])
                report["updated"].append(row.name)
            report["missing"] = sorted(r[2] for r in existing if r[0] not in seen
                                       and r[2] not in report["added"])
            self._audit(cur, actor, "districts.import", city_id,
                        **{k: len(v) for k, v in report.items()})
        return report

    # ------------------------------------------------------------------ uploads
    def insert_upload(self, actor: Actor, city: str, organisation: str, filename: str,
                      sha256: str, rows: pd.DataFrame, periods: pd.DataFrame,
                      raw: bytes | None = None, replace: bool = False) -> int:
        """Store one validated upload in ONE transaction; returns the upload id.

        ``rows``: district_id, indicator, date, count, lat, lon, note.
        ``periods``: indicator, start_date, end_date (the reporting period per indicator).
        With ``replace``, earlier rows of the same organisation with the same district,
        indicator, date (and coordinates) are deleted first; the audit log records how many.
        """
        self._require(actor, WRITE_ROLES["upload"], "Daten hochladen")
        if actor.role == "outreach" and organisation != actor.organisation:
            raise AccessDenied(f"Ein Konto von '{actor.organisation}' kann nicht für "
                               f"'{organisation}' hochladen.")
        city_id = self.city_id(actor, city)
        data = rows[["district_id", "indicator", "date", "count", "lat", "lon", "note"]].copy()
        data["date"] = pd.to_datetime(data["date"]).dt.date
        per = periods[["indicator", "start_date", "end_date"]].copy()
        with self.transaction() as cur:
            upload_id = cur.execute(
                "INSERT INTO uploads (city_id, organisation, filename, sha256, uploaded_by, "
                "row_count, raw) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING upload_id",
                [city_id, organisation, filename, sha256, actor.username, len(data), raw],
            ).fetchone()[0]
            cur.register("_new_rows", data)
            replaced = 0
            if replace:
                replaced = cur.execute(
                    """DELETE FROM observations o USING _new_rows n
                       WHERE o.city_id = ? AND o.organisation = ?
                         AND o.district_id IS NOT DISTINCT FROM n.district_id
                         AND o.indicator = n.indicator AND o.date = n.date
                         AND o.lat IS NOT DISTINCT FROM n.lat
                         AND o.lon IS NOT DISTINCT FROM n.lon""",
                    [city_id, organisation]).fetchone()[0]
            cur.execute(
                """INSERT INTO observations (city_id, district_id, indicator, date, count, lat,
                       lon, organisation, upload_id, note)
                   SELECT ?, district_id, indicator, date, count, lat, lon, ?, ?, note
                   FROM _new_rows""", [city_id, organisation, upload_id])
            cur.unregister("_new_rows")
            cur.register("_periods", per)
            cur.execute("INSERT INTO reporting_periods SELECT ?, indicator, start_date, end_date "
                        "FROM _periods", [upload_id])
            cur.unregister("_periods")
            self._audit(cur, actor, "upload.import", city_id, upload_id=upload_id,
                        organisation=organisation, filename=filename, rows=len(data),
                        replaced=replaced)
        self.checkpoint()
        return upload_id

    def upload_by_hash(self, actor: Actor, city: str, sha256: str) -> dict | None:
        """The imported (not withdrawn) upload with these bytes, or None."""
        city_id = self.city_id(actor, city)
        df = self._df("SELECT upload_id, uploaded_at, organisation, filename FROM uploads "
                      "WHERE city_id = ? AND sha256 = ? AND status = 'imported'",
                      [city_id, sha256])
        return None if df.empty else df.iloc[0].to_dict()

    def uploads(self, actor: Actor, city: str) -> pd.DataFrame:
        """Upload list; an outreach user sees only its own organisation's uploads."""
        city_id = self.city_id(actor, city)
        sql = ("SELECT upload_id, organisation, filename, uploaded_by, uploaded_at, row_count, "
               "status, withdrawn_by, withdrawn_at FROM uploads WHERE city_id = ?")
        params: list = [city_id]
        if actor.role in ("outreach", "gast"):
            sql += " AND organisation = ?"
            params.append(actor.organisation or "\x00")
        return self._df(sql + " ORDER BY upload_id DESC", params)

    def withdraw_upload(self, actor: Actor, city: str, upload_id: int) -> int:
        """Withdraw an upload: its rows leave every view. Returns the number of rows removed."""
        city_id = self.city_id(actor, city)
        with self.transaction() as cur:
            row = cur.execute("SELECT organisation, status FROM uploads WHERE upload_id = ? "
                              "AND city_id = ?", [upload_id, city_id]).fetchone()
            if row is None:
                raise KeyError(f"Upload {upload_id} gibt es in {city} nicht.")
            org, status = row
            if not (actor.role == "admin"
                    or (actor.role == "outreach" and actor.organisation == org)):
                raise AccessDenied("Nur die hochladende Organisation oder ein Admin darf "
                                   "einen Upload zurückziehen.")
            if status != "imported":
                raise ValueError(f"Upload {upload_id} ist bereits zurückgezogen.")
            removed = cur.execute("DELETE FROM observations WHERE upload_id = ?",
                                  [upload_id]).fetchone()[0]
            cur.execute("DELETE FROM reporting_periods WHERE upload_id = ?", [upload_id])
            cur.execute("UPDATE uploads SET status = 'withdrawn', withdrawn_by = ?, "
                        "withdrawn_at = current_timestamp WHERE upload_id = ?",
                        [actor.username, upload_id])
            self._audit(cur, actor, "upload.withdraw", city_id, upload_id=upload_id,
                        organisation=org, rows=removed)
        self.checkpoint()
        return removed

    # ------------------------------------------------------------------ read models
    def weekly_counts(self, actor: Actor, city: str, indicators: list[str] | None = None,
                      start: date | None = None, end: date | None = None) -> pd.DataFrame:
        """Sum of counts per district × indicator × ISO week (``week`` = its Monday)."""
        city_id = self.city_id(actor, city)
        sql = ("SELECT district_id, indicator, CAST(date_trunc('week', date) AS DATE) AS week, "
               "CAST(sum(count) AS BIGINT) AS count FROM observations WHERE city_id = ?")
        params: list = [city_id]
        sql, params = _filters(sql, params, indicators, start, end)
        return self._df(sql + " GROUP BY ALL ORDER BY week, district_id, indicator", params)

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
        return self._df(
            "SELECT lat, lon, date, district_id, count, note FROM observations "
            "WHERE city_id = ? AND indicator = ? AND date BETWEEN ? AND ? "
            "AND lat IS NOT NULL AND lon IS NOT NULL ORDER BY date",
            [city_id, indicator, start, end])

    def date_range(self, actor: Actor, city: str) -> tuple[date | None, date | None]:
        city_id = self.city_id(actor, city)
        return tuple(self._cur().execute(
            "SELECT min(date), max(date) FROM observations WHERE city_id = ?",
            [city_id]).fetchone())

    def data_version(self, actor: Actor, city: str) -> int:
        """Changes whenever anything is written (cache key for aggregates)."""
        self.city_id(actor, city)
        return self._cur().execute("SELECT coalesce(max(audit_id), 0) FROM audit_log").fetchone()[0]

    def info(self, actor: Actor) -> dict:
        """Summary used by ``lagebild info``."""
        cities = self.cities(actor)
        return {
            "cities": [{"name": r.name, "districts": int(r.districts),
                        "observations": int(r.observations)} for r in cities.itertuples()],
            "observations": int(cities["observations"].sum()) if len(cities) else 0,
        }

    def observations(self, actor: Actor, city: str) -> pd.DataFrame:
        """All observation rows of a city in a stable order (for comparisons and exports)."""
        city_id = self.city_id(actor, city)
        return self._df(
            "SELECT d.code AS district_code, o.indicator, o.date, o.count, o.lat, o.lon, "
            "o.organisation, o.note FROM observations o LEFT JOIN districts d USING "
            "(district_id) WHERE o.city_id = ? ORDER BY ALL", [city_id])

    # ------------------------------------------------------------------ section: alerts (#4)

    # ------------------------------------------------------------------ section: places (#5)

    # ------------------------------------------------------------------ section: measures (#6)

    # ------------------------------------------------------------------ section: accounts (#7)

    # ------------------------------------------------------------------ audit
    def audit_log(self, actor: Actor, limit: int = 500) -> pd.DataFrame:
        self._require(actor, ("admin",), "das Audit-Log lesen")
        return self._df("SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT ?", [limit])


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
