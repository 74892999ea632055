"""The database gateway: the only module that imports duckdb.

One ``Store`` per database file and process holds one DuckDB connection; every thread gets
its own cursor. Every method takes the acting user (:class:`lagebild.access.Actor`) and
filters by the cities that user may see. Every write is one transaction.

Methods return pandas DataFrames (GeoDataFrames for districts) with named columns.
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely

from lagebild import clock
from lagebild.access import AccessDenied, Actor
from lagebild.drugcheck.store_mixin import DrugCheckMixin  # (#18)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
WRITE_ROLES = {"city": ("admin",), "upload": ("admin", "outreach")}


class StoreError(RuntimeError):
    """A database problem explained for users (German)."""


# DuckDB's file: three 4 KiB headers, then the blocks (``pragma_database_size``).
HEADER_BYTES = 3 * 4096
_LOCK_WORDS = ("could not set lock", "conflicting lock")


def damaged_error(path: str) -> StoreError:
    """The German message for a damaged database file, naming the way out."""
    return StoreError(
        f"Die Datenbank {path} ist beschädigt und kann nicht geöffnet werden (z. B. "
        "unvollständig kopiert oder beim Schreiben abgebrochen). Stellen Sie die letzte "
        f"Sicherung wieder her: lagebild restore SICHERUNGSVERZEICHNIS --db {path} --force "
        "(die beschädigte Datei wird dabei beiseitegelegt). Ohne brauchbare Sicherung: "
        "leere Datenbank anlegen, Grenzen importieren, dann lagebild rebuild (README, "
        "„Sicherung und Wiederherstellung“).")


def open_error(path: str, exc: BaseException) -> StoreError:
    """German message for a database that cannot be opened: another process holds it
    (DuckDB's lock; nothing is damaged, no restore), else a damaged file. DuckDB's English
    text is not passed on to users."""
    text = str(exc).lower()
    if any(w in text for w in _LOCK_WORDS):
        pid = re.search(r"pid (\d+)", text)
        who = f" (Prozess {pid.group(1)})" if pid else ""
        return StoreError(
            f"Die Datenbank {path} wird gerade von einem anderen Lagebild-Prozess{who} "
            "benutzt; DuckDB lässt nur einen Prozess an eine Datei. Die Daten sind nicht "
            "beschädigt. Beenden Sie den anderen Prozess (z. B. den Dienst: systemctl stop "
            "lagebild) und versuchen Sie es erneut.")
    if isinstance(exc, duckdb.IOException) and "no such file" not in text \
            and "permission" not in text:
        return damaged_error(path)
    if "permission" in text:
        return StoreError(f"Lagebild darf die Datenbank {path} nicht öffnen (fehlende "
                          "Dateirechte). Bitte die Rechte der Datei und ihres Verzeichnisses "
                          "prüfen.")
    return damaged_error(path)


def is_damage(exc: BaseException) -> bool:
    """Is ``exc`` DuckDB failing to read its file (a damaged database found at run time)?"""
    return isinstance(exc, (duckdb.IOException, duckdb.InternalException)) or (
        isinstance(exc, duckdb.Error) and "corrupt" in str(exc).lower())


# Rows ``o`` of one organisation in one city (parameters: city_id, organisation). The
# organisation is a property of the upload (migration 006), not repeated on every row.
ORG_ROWS = ("o.upload_id IN (SELECT upload_id FROM uploads WHERE city_id = ? "
            "AND organisation = ?)")

# An observation row that belongs in observation_details rather than observation_counts.
DETAIL = "lat IS NOT NULL OR lon IS NOT NULL OR note IS NOT NULL"

# what ``colliding_rows`` returns: the earlier rows an upload would overwrite
COLLISION_COLUMNS = ["upload_id", "district_id", "district", "indicator", "date", "count",
                     "lat", "lon", "note"]


def no_collisions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLLISION_COLUMNS})


class DuplicateUpload(StoreError):
    """The same file bytes are already imported (checked inside the import transaction)."""

    def __init__(self, upload_id: int, uploaded_at):
        super().__init__(f"Diese Datei ist bereits importiert (Upload {upload_id}).")
        self.upload_id, self.uploaded_at = upload_id, uploaded_at


class CollidingRows(StoreError):
    """Rows would overwrite earlier rows of the same organisation and ``replace`` is off."""

    def __init__(self, count: int):
        super().__init__(f"{count} Zeilen überschneiden sich mit früheren Meldungen.")
        self.count = count


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every ``migrations/NNN_name.sql``, in order."""
    out = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        out.append((int(path.name[:3]), path.stem[4:], path.read_text(encoding="utf-8")))
    return out


class Store(DrugCheckMixin):
    """Open (and migrate) the DuckDB database at ``path`` (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path, read_only: bool = False,
                 memory_mb: int | None = None):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if memory_mb is None:
            from lagebild.config import get_settings
            memory_mb = get_settings().db_memory_mb
        try:
            self._con = duckdb.connect(self.path, read_only=read_only,
                                       config={"memory_limit": f"{int(memory_mb)}MB"})
        except duckdb.Error as exc:
            raise open_error(self.path, exc) from exc
        self._local = threading.local()
        self._lock = threading.Lock()
        # Imports and withdrawals of this process run one after another, so the duplicate
        # and collision checks inside their transaction cannot race each other.
        self._write_lock = threading.RLock()
        try:
            self.check_integrity()
            if not read_only:
                self._migrate()
        except duckdb.Error as exc:
            self._con.close()
            raise damaged_error(self.path) from exc
        except StoreError:
            self._con.close()
            raise

    def check_integrity(self) -> None:
        """The quick check at every open (the app's start, ``lagebild info`` and every other
        command): every table's row count, and the last checkpoint complete on disk (the
        file reaches the highest block a stored column segment uses, from
        ``pragma_storage_info``; a file cut short fails here although DuckDB opens it and
        counts rows from its metadata; free blocks at the end may be cut off by DuckDB
        itself and are not counted). Raises ``StoreError`` with
        the German ``restore`` message; milliseconds, whatever the size."""
        if self.path == ":memory:":
            return
        cur = self._con.cursor()
        last = -1                       # the highest block the stored tables use
        try:
            names = cur.execute("SELECT table_name FROM duckdb_tables() "
                                "WHERE database_name = current_database()").fetchall()
            for (name,) in names:
                cur.execute(f'SELECT count(*) FROM "{name}"').fetchall()
                used = cur.execute(
                    "SELECT max(greatest(block_id, coalesce(list_max(additional_block_ids), "
                    "-1))) FROM pragma_storage_info(?) WHERE persistent AND block_id >= 0",
                    [name]).fetchone()[0]
                last = max(last, -1 if used is None else int(used))
            block_size = cur.execute("SELECT block_size FROM pragma_database_size()"
                                     ).fetchone()[0]
        finally:
            cur.close()
        if Path(self.path).stat().st_size < HEADER_BYTES + (last + 1) * int(block_size):
            raise damaged_error(self.path)

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

    def _one(self, sql: str, params: list | tuple = (), cur=None):
        """First row or None, reading the result to its end: DuckDB 2 refuses further work
        (register, unregister) on a cursor whose last result was not fully fetched."""
        rows = (cur or self._cur()).execute(sql, list(params)).fetchall()
        return rows[0] if rows else None

    @staticmethod
    def _register(cur, name: str, frame: pd.DataFrame) -> None:
        cur.execute("SELECT NULL").fetchall()      # finish any pending result first
        cur.register(name, frame)

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
        return self._one("SELECT max(version) FROM schema_migrations")[0]

    def checkpoint(self) -> bool:
        """Write the WAL into the database file. Best effort: when other write transactions
        of this process are active DuckDB refuses, and its automatic checkpoint will do it
        later — the data is committed (and durable in the WAL) either way."""
        try:
            self._cur().execute("CHECKPOINT")
        except duckdb.TransactionException:
            return False
        return True

    # ------------------------------------------------------------------ access helpers
    @staticmethod
    def _require(actor: Actor, roles: tuple[str, ...], what: str) -> None:
        if actor.role not in roles:
            raise AccessDenied(f"Die Rolle '{actor.role}' darf nicht: {what}.")

    def city_id(self, actor: Actor, city: str) -> int:
        """The id of a city the actor may see; German errors otherwise."""
        if not actor.may_see_city(city):
            raise AccessDenied(f"Kein Zugriff auf die Stadt '{city}'.")
        row = self._one("SELECT city_id FROM cities WHERE name = ?", [city])
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

    def districts(self, actor: Actor, city: str, display: bool = False) -> gpd.GeoDataFrame:
        """Districts of a city: district_id, code, name, population, parent, geometry (WGS84).

        With ``display`` the geometry is the cached simplified map geometry (shared borders
        kept), falling back to the exact geometry where none was computed.
        """
        city_id = self.city_id(actor, city)
        column = "coalesce(display_geometry, geometry)" if display else "geometry"
        df = self._df(
            f"SELECT district_id, code, name, population, parent, {column} AS geometry "
            "FROM districts WHERE city_id = ? ORDER BY name", [city_id],
        )
        geoms = [shapely.from_wkb(bytes(g)) if g is not None else None for g in df.pop("geometry")]
        df["population"] = df["population"].astype("Int64")
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))

    def upsert_districts(self, actor: Actor, city: str, gdf: gpd.GeoDataFrame) -> dict:
        """Insert or update districts (matched by code, else by name); observations stay.

        ``gdf`` needs columns code, name, population (may be NA), parent (may be NA) and a
        geometry in EPSG:4326; an optional ``display_geometry`` column (simplified map
        geometry, see ``geo.display_geometries``) is stored alongside and does not count as a
        change. Returns ``{"added": [...], "updated": [...], "unchanged": [...],
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
            shows = _display_wkb(gdf)
            for row, show in zip(gdf.itertuples(index=False), shows):
                wkb = shapely.to_wkb(row.geometry) if row.geometry is not None else None
                pop = None if pd.isna(row.population) else int(row.population)
                parent = None if pd.isna(row.parent) else str(row.parent)
                old = by_code.get(row.code) or by_name.get(str(row.name).casefold())
                if old is None:
                    cur.execute(
                        "INSERT INTO districts (city_id, code, name, population, parent, geometry,"
                        " display_geometry) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [city_id, row.code, row.name, pop, parent, wkb, show])
                    report["added"].append(row.name)
                    continue
                seen.add(old[0])
                if show is not None:
                    cur.execute("UPDATE districts SET display_geometry = ? WHERE district_id = ?",
                                [show, old[0]])
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
                      raw: bytes | None = None, replace: bool = False,
                      before_commit: Callable[[int], None] | None = None) -> int:
        """Store one validated upload in ONE transaction; returns the upload id.

        ``rows``: district_id, indicator, date, count, lat, lon, note.
        ``periods``: indicator, start_date, end_date (the reporting period per indicator).
        With ``replace``, earlier rows of the same organisation with the same district,
        indicator, date (and coordinates) are deleted first; the audit log records how many.
        ``raw`` (file bytes in ``uploads.raw``) is left empty by the importer, which keeps
        the bytes beside the database instead (``lagebild/ingest/rawstore.py``).
        ``before_commit(upload_id)`` runs last inside the transaction (the importer writes
        the upload's description there); if it raises, nothing is committed.
        """
        self._require(actor, WRITE_ROLES["upload"], "Daten hochladen")
        if actor.role == "outreach" and organisation != actor.organisation:
            raise AccessDenied(f"Ein Konto von '{actor.organisation}' kann nicht für "
                               f"'{organisation}' hochladen.")
        city_id = self.city_id(actor, city)
        data = rows[["district_id", "indicator", "date", "count", "lat", "lon", "note"]]
        per = periods[["indicator", "start_date", "end_date"]]
        with self._write_lock, self.transaction() as cur:
            earlier = self._one("SELECT upload_id, uploaded_at FROM uploads WHERE city_id = ? "
                                "AND sha256 = ? AND status = 'imported'", [city_id, sha256], cur)
            if earlier:
                raise DuplicateUpload(*earlier)
            upload_id = cur.execute(
                "INSERT INTO uploads (city_id, organisation, filename, sha256, uploaded_by, "
                "row_count, raw) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING upload_id",
                [city_id, organisation, filename, sha256, actor.username, len(data), raw],
            ).fetchone()[0]
            # As an Arrow table: DuckDB scans it about twice as fast as the DataFrame
            # (1 M rows: 0.14 s instead of 0.31 s); dates arrive as timestamps, cast once.
            self._register(cur, "_new_rows_raw",
                           pa.Table.from_pandas(data, preserve_index=False))
            cur.execute("CREATE TEMP VIEW _new_rows AS SELECT district_id, indicator, "
                        "CAST(date AS DATE) AS date, count, lat, lon, note FROM _new_rows_raw")
            replaced = 0
            earlier_rows = self._has_rows(cur, city_id, organisation)
            if not replace and earlier_rows:
                clash = self._one(
                    f"""SELECT count(*) FROM observations o JOIN _new_rows n
                         ON o.district_id IS NOT DISTINCT FROM n.district_id
                        AND o.indicator = n.indicator AND o.date = n.date
                        AND o.lat IS NOT DISTINCT FROM n.lat AND o.lon IS NOT DISTINCT FROM n.lon
                       WHERE o.city_id = ? AND {ORG_ROWS}""",
                    [city_id, city_id, organisation], cur)[0]
                if clash:
                    raise CollidingRows(clash)
            if replace and earlier_rows:
                replaced = self._delete_replaced(cur, city_id, organisation)
            # Two tables behind the view ``observations`` (migration 007): rows with
            # coordinates or a note go to observation_details, all others (most) to
            # observation_counts, which has no lat/lon/note columns to write.
            detail = (data["lat"].notna() | data["lon"].notna()
                      | data["note"].notna()).to_numpy()
            if not detail.all():
                cur.execute(
                    f"""INSERT INTO observation_counts (city_id, district_id, indicator, date,
                           count, upload_id)
                       SELECT ?, district_id, indicator, date, count, ? FROM _new_rows
                       {"WHERE NOT (" + DETAIL + ")" if detail.any() else ""}""",
                    [city_id, upload_id])
            if detail.any():
                cur.execute(
                    f"""INSERT INTO observation_details (city_id, district_id, indicator, date,
                           count, lat, lon, upload_id, note)
                       SELECT ?, district_id, indicator, date, count, lat, lon, ?, note
                       FROM _new_rows {"" if detail.all() else "WHERE " + DETAIL}""",
                    [city_id, upload_id])
            cur.execute("DROP VIEW _new_rows")
            cur.unregister("_new_rows_raw")
            self._register(cur, "_periods", per)
            cur.execute("INSERT INTO reporting_periods SELECT ?, indicator, start_date, end_date "
                        "FROM _periods", [upload_id])
            cur.unregister("_periods")
            self._audit(cur, actor, "upload.import", city_id, upload_id=upload_id,
                        organisation=organisation, filename=filename, rows=len(data),
                        replaced=replaced)
            if before_commit is not None:
                before_commit(int(upload_id))
        self.checkpoint()
        return upload_id

    def _delete_replaced(self, cur, city_id: int, organisation: str) -> int:
        """Delete the organisation's earlier rows with the key of a row in ``_new_rows``
        (district, indicator, date and coordinates, if any) from both observation tables;
        returns how many."""
        same = """o.district_id IS NOT DISTINCT FROM n.district_id
                  AND o.indicator = n.indicator AND o.date = n.date"""
        counts = cur.execute(
            f"""DELETE FROM observation_counts o USING _new_rows n
               WHERE o.city_id = ? AND {ORG_ROWS} AND {same}
                 AND n.lat IS NULL AND n.lon IS NULL""",
            [city_id, city_id, organisation]).fetchone()[0]
        details = cur.execute(
            f"""DELETE FROM observation_details o USING _new_rows n
               WHERE o.city_id = ? AND {ORG_ROWS} AND {same}
                 AND o.lat IS NOT DISTINCT FROM n.lat AND o.lon IS NOT DISTINCT FROM n.lon""",
            [city_id, city_id, organisation]).fetchone()[0]
        return counts + details

    def _has_rows(self, cur, city_id: int, organisation: str) -> bool:
        """Does ``organisation`` have observations in this city (collisions possible)?"""
        return bool(self._one(f"SELECT EXISTS (SELECT 1 FROM observations o WHERE "
                              f"o.city_id = ? AND {ORG_ROWS})",
                              [city_id, city_id, organisation], cur)[0])

    def colliding_rows(self, actor: Actor, city: str, organisation: str,
                       rows: pd.DataFrame) -> pd.DataFrame:
        """Earlier rows of ``organisation`` with the same district, indicator, date and
        coordinates as ``rows`` — what ``insert_upload(replace=True)`` would delete."""
        city_id = self.city_id(actor, city)
        if actor.role == "outreach" and organisation != actor.organisation:
            raise AccessDenied("Nur Meldungen der eigenen Organisation.")
        cur = self._cur()
        if not self._has_rows(cur, city_id, organisation):   # nothing earlier: no join
            return no_collisions()
        self._register(cur, "_keys", rows[["district_id", "indicator", "date", "lat", "lon"]])
        try:
            return cur.execute(
                f"""WITH k AS (SELECT DISTINCT CAST(district_id AS INTEGER) AS district_id,
                                     CAST(indicator AS VARCHAR) AS indicator,
                                     CAST(date AS DATE) AS date, lat, lon FROM _keys)
                   SELECT o.upload_id, o.district_id, d.name AS district, o.indicator, o.date,
                          o.count, o.lat, o.lon, o.note
                   FROM observations o JOIN k
                     ON o.district_id IS NOT DISTINCT FROM k.district_id
                    AND o.indicator = k.indicator AND o.date = k.date
                    AND o.lat IS NOT DISTINCT FROM k.lat AND o.lon IS NOT DISTINCT FROM k.lon
                   LEFT JOIN districts d ON d.district_id = o.district_id
                   WHERE o.city_id = ? AND {ORG_ROWS}
                   ORDER BY o.date, district, o.indicator""",
                [city_id, city_id, organisation]).df()
        finally:
            cur.unregister("_keys")

    def upload_by_hash(self, actor: Actor, city: str, sha256: str) -> dict | None:
        """The imported (not withdrawn) upload with these bytes, or None."""
        city_id = self.city_id(actor, city)
        sql = ("SELECT upload_id, uploaded_at, organisation, filename FROM uploads "
               "WHERE city_id = ? AND sha256 = ? AND status = 'imported'")
        params: list = [city_id, sha256]
        if actor.role == "outreach":
            sql += " AND organisation = ?"
            params.append(actor.organisation)
        df = self._df(sql, params)
        return None if df.empty else df.iloc[0].to_dict()

    def upload_records(self, actor: Actor) -> pd.DataFrame:
        """Every upload of every city with its city name and hash (``lagebild rebuild``
        compares them with the kept originals). Admin/system only."""
        self._require(actor, ("admin",), "alle Uploads lesen")
        return self._df("SELECT u.upload_id, c.name AS city, u.organisation, u.filename, "
                        "u.sha256, u.uploaded_by, u.uploaded_at, u.status FROM uploads u "
                        "JOIN cities c USING (city_id) ORDER BY u.upload_id")

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
        with self._write_lock, self.transaction() as cur:
            row = self._one("SELECT organisation, status FROM uploads WHERE upload_id = ? "
                            "AND city_id = ?", [upload_id, city_id], cur)
            if row is None:
                raise KeyError(f"Upload {upload_id} gibt es in {city} nicht.")
            org, status = row
            if not (actor.role == "admin"
                    or (actor.role == "outreach" and actor.organisation == org)):
                raise AccessDenied("Nur die hochladende Organisation oder ein Admin darf "
                                   "einen Upload zurückziehen.")
            if status != "imported":
                raise ValueError(f"Upload {upload_id} ist bereits zurückgezogen.")
            removed = sum(cur.execute(f"DELETE FROM {table} WHERE upload_id = ?",
                                      [upload_id]).fetchone()[0]
                          for table in ("observation_counts", "observation_details"))
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

    # ------------------------------------------------------------------ section: alerts (#4)
    # Signals and episodes are computed by lagebild/alerts/service.py; district_id NULL = whole city.
    ALERT_WRITE_ROLES = ("admin", "krisenstab", "outreach")   # recompute (after uploads)
    ALERT_ACK_ROLES = ("admin", "krisenstab")                 # acknowledge

    def alert_source_version(self, actor: Actor, city: str) -> int:
        """Audit id of the latest change to the city's observations or districts (0 = none):
        stored signals computed from an older version are stale."""
        city_id = self.city_id(actor, city)
        return self._cur().execute(
            "SELECT coalesce(max(audit_id), 0) FROM audit_log WHERE city_id = ? AND "
            "(action LIKE 'upload.%' OR action LIKE 'districts.%' OR action LIKE 'ingest.%' "
            "OR action = 'city.create')", [city_id]).fetchall()[0][0]

    def alert_run(self, actor: Actor, city: str) -> dict | None:
        """The last refresh of the city's alerts (source_version, computed_at, …) or None."""
        city_id = self.city_id(actor, city)
        df = self._df("SELECT source_version, computed_at, computed_by, series, weeks "
                      "FROM alert_runs WHERE city_id = ?", [city_id])
        return None if df.empty else df.iloc[0].to_dict()

    def alert_signals(self, actor: Actor, city: str, start: date | None = None,
                      end: date | None = None) -> pd.DataFrame:
        """Stored Ampel signals (one row per district × indicator × week) of a city."""
        city_id = self.city_id(actor, city)
        sql, params = "SELECT * EXCLUDE (city_id) FROM alert_signals WHERE city_id = ?", [city_id]
        if start is not None:
            sql, params = sql + " AND week >= ?", params + [start]
        if end is not None:
            sql, params = sql + " AND week <= ?", params + [end]
        df = self._df(sql + " ORDER BY indicator, district_id NULLS FIRST, week", params)
        df["district_id"] = df["district_id"].astype("Int64")
        return df

    def alert_episodes(self, actor: Actor, city: str) -> pd.DataFrame:
        """Stored alerts (episodes) of a city, newest first; not for restricted roles."""
        if actor.restricted:
            raise AccessDenied("Die Warnliste ist für diese Rolle nicht freigegeben.")
        city_id = self.city_id(actor, city)
        df = self._df("SELECT * EXCLUDE (city_id) FROM alert_episodes WHERE city_id = ? "
                      "ORDER BY last_week DESC, alert_id DESC", [city_id])
        df["district_id"] = df["district_id"].astype("Int64")
        return df

    def _insert_frame(self, cur, table: str, frame: pd.DataFrame, city_id: int,
                      order: str = "") -> None:
        """INSERT every row of ``frame`` (its columns) into ``table`` for ``city_id``."""
        cols = ", ".join(frame.columns)
        self._register(cur, "_frame", frame)
        cur.execute(f"INSERT INTO {table} (city_id, {cols}) SELECT ?, {cols} FROM _frame{order}",
                    [city_id]).fetchall()
        cur.unregister("_frame")

    def save_alerts(self, actor: Actor, city: str, signals: pd.DataFrame, plan: dict,
                    source_version: str, daily: pd.DataFrame | None = None) -> dict:
        """Replace the city's signals (and its daily signals, #17) and apply an episode plan
        (``escalation.merge_episodes``: update / insert / retract) in ONE transaction, audited
        as ``alerts.refresh``."""
        self._require(actor, self.ALERT_WRITE_ROLES, "Warnungen neu berechnen")
        city_id = self.city_id(actor, city)
        cols = [c for c in _ALERT_SIGNAL_COLUMNS if c in signals.columns]
        ep_cols = ["district_id", "indicator", "first_week", "last_week", "peak_week",
                   "peak_colour", "peak_observed", "alert_weeks", "state", "end_week"]
        update, insert = plan["update"], plan["insert"]
        with self.transaction() as cur:
            cur.execute("DELETE FROM alert_signals WHERE city_id = ?", [city_id]).fetchall()
            self._insert_frame(cur, "alert_signals", signals[cols], city_id)
            if len(update):
                self._register(cur, "_alert_upd", update[["alert_id", *ep_cols]])
                sets = ", ".join(f"{c} = u.{c}" for c in ep_cols[2:])
                cur.execute(f"UPDATE alert_episodes AS e SET {sets}, updated_at = "
                            f"current_timestamp FROM _alert_upd u WHERE e.alert_id = u.alert_id "
                            f"AND e.city_id = ?", [city_id]).fetchall()
                cur.unregister("_alert_upd")
            if len(insert):
                self._insert_frame(cur, "alert_episodes", insert[ep_cols], city_id,
                                   " ORDER BY first_week, indicator, district_id")
            for alert_id in plan["retract"]:
                cur.execute("UPDATE alert_episodes SET state = 'retracted', updated_at = "
                            "current_timestamp WHERE alert_id = ? AND city_id = ?",
                            [alert_id, city_id]).fetchall()
            if daily is not None:
                cur.execute("DELETE FROM daily_signals WHERE city_id = ?", [city_id]).fetchall()
                if len(daily):
                    self._insert_frame(cur, "daily_signals", daily[_DAILY_COLUMNS], city_id)
            cur.execute("DELETE FROM alert_runs WHERE city_id = ?", [city_id]).fetchall()
            series = signals[["district_id", "indicator"]].drop_duplicates().shape[0]
            cur.execute("INSERT INTO alert_runs (city_id, source_version, computed_by, series, "
                        "weeks) VALUES (?, ?, ?, ?, ?)",
                        [city_id, source_version, actor.username, series,
                         int(signals["week"].nunique())]).fetchall()
            counts = {"new": len(insert), "updated": len(update),
                      "retracted": len(plan["retract"]), "signals": len(signals)}
            self._audit(cur, actor, "alerts.refresh", city_id, **counts)
        return counts

    def daily_signals(self, actor: Actor, city: str) -> pd.DataFrame:
        """The stored daily signals (spikes, clusters) of the last 7 reported days (#17)."""
        return self._df(f"SELECT {', '.join(_DAILY_COLUMNS)} FROM daily_signals WHERE "
                        f"city_id = ? ORDER BY end_day DESC, kind, indicator",
                        [self.city_id(actor, city)])

    def acknowledge_alert(self, actor: Actor, city: str, alert_id: int, comment: str) -> None:
        """A crisis-team member (krisenstab/admin) acknowledges an alert with a comment
        (audited); once per alert."""
        self._require(actor, self.ALERT_ACK_ROLES, "Warnungen quittieren")
        city_id = self.city_id(actor, city)
        comment = (comment or "").strip()
        if not comment:
            raise ValueError("Bitte einen Kommentar angeben: was wurde veranlasst, oder warum "
                             "ist die Warnung erledigt?")
        if len(comment) > 2000:
            raise ValueError(f"Der Kommentar ist zu lang ({len(comment)} Zeichen, höchstens "
                             "2000).")
        with self.transaction() as cur:
            row = cur.execute("SELECT acknowledged_by, acknowledged_at FROM alert_episodes "
                              "WHERE alert_id = ? AND city_id = ?",
                              [int(alert_id), city_id]).fetchall()
            if not row:
                raise KeyError(f"Warnung {alert_id} gibt es in {city} nicht.")
            if row[0][0] is not None:
                raise ValueError(f"Warnung {alert_id} wurde bereits am "
                                 f"{row[0][1]:%d.%m.%Y %H:%M} von {row[0][0]} quittiert.")
            cur.execute("UPDATE alert_episodes SET acknowledged_by = ?, acknowledged_at = "
                        "current_timestamp, ack_comment = ? WHERE alert_id = ?",
                        [actor.username, comment, int(alert_id)]).fetchall()
            self._audit(cur, actor, "alert.acknowledge", city_id, alert_id=int(alert_id),
                        comment=comment)

    # ------------------------------------------------------------------ section: places (#5)
    def places(self, actor: Actor, city: str) -> pd.DataFrame:
        """Sensitive places of a city (Kitas, schools, …): place_id, name, kind, lat, lon."""
        city_id = self.city_id(actor, city)
        return self._df("SELECT place_id, name, kind, lat, lon FROM places WHERE city_id = ? "
                        "ORDER BY kind, name, place_id", [city_id])

    def replace_places(self, actor: Actor, city: str, places: pd.DataFrame,
                       filename: str = "") -> dict:
        """Replace the city's sensitive places by ``places`` (name, kind, lat, lon) in one
        transaction (admin only). Returns ``{"before": n, "after": m}``."""
        self._require(actor, ("admin",), "sensible Orte hochladen")
        city_id = self.city_id(actor, city)
        data = places[["name", "kind", "lat", "lon"]].copy()
        with self.transaction() as cur:
            before = cur.execute("SELECT count(*) FROM places WHERE city_id = ?",
                                 [city_id]).fetchone()[0]
            cur.execute("DELETE FROM places WHERE city_id = ?", [city_id])
            self._register(cur, "_new_places", data)
            cur.execute("INSERT INTO places (city_id, name, kind, lat, lon, uploaded_by) "
                        "SELECT ?, name, kind, lat, lon, ? FROM _new_places",
                        [city_id, actor.username])
            cur.unregister("_new_places")
            self._audit(cur, actor, "places.replace", city_id, filename=filename,
                        before=before, after=len(data))
        self.checkpoint()
        return {"before": int(before), "after": len(data)}


    # ------------------------------------------------------------------ section: measures (#6)
    # Meetings, measures and their history (migration 005). Everyone who may see the city
    # reads them (no person-related data); only admin/krisenstab write. Validation in
    # lagebild/measures/model.py (German messages).
    MEASURE_EDIT_ROLES = ("admin", "krisenstab")

    def meetings(self, actor: Actor, city: str) -> pd.DataFrame:
        """Meetings of a city, newest first (future dates = planned meetings)."""
        city_id = self.city_id(actor, city)
        df = self._df("SELECT meeting_id, held_on, title, participants, decisions, created_by,"
                      " created_at, updated_by, updated_at FROM meetings WHERE city_id = ? "
                      "ORDER BY held_on DESC, meeting_id DESC", [city_id])
        df["participants"] = df["participants"].map(list)
        return df

    def add_meeting(self, actor: Actor, city: str, **fields) -> int:
        """Record a meeting (held_on, title, participants, decisions); returns its id."""
        from lagebild.measures import model as m
        self._require(actor, self.MEASURE_EDIT_ROLES, "Sitzungen erfassen")
        city_id = self.city_id(actor, city)
        row = m.clean_meeting(fields)
        with self.transaction() as cur:
            meeting_id = self._one(
                "INSERT INTO meetings (city_id, held_on, title, participants, decisions, "
                "created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING meeting_id",
                [city_id, row["held_on"], row["title"], row["participants"], row["decisions"],
                 actor.username], cur)[0]
            self._audit(cur, actor, "meeting.add", city_id, meeting_id=meeting_id,
                        held_on=row["held_on"], title=row["title"])
        return meeting_id

    def update_meeting(self, actor: Actor, city: str, meeting_id: int, **fields) -> None:
        from lagebild.measures import model as m
        self._require(actor, self.MEASURE_EDIT_ROLES, "Sitzungen bearbeiten")
        city_id = self.city_id(actor, city)
        row = m.clean_meeting(fields, partial=True)
        with self.transaction() as cur:
            if self._one("SELECT 1 FROM meetings WHERE meeting_id = ? AND city_id = ?",
                         [int(meeting_id), city_id], cur) is None:
                raise KeyError(f"Sitzung {meeting_id} gibt es in {city} nicht.")
            if row:
                sets = ", ".join(f"{k} = ?" for k in row)
                cur.execute(f"UPDATE meetings SET {sets}, updated_by = ?, updated_at = "
                            f"current_timestamp WHERE meeting_id = ?",
                            [*row.values(), actor.username, int(meeting_id)]).fetchall()
            self._audit(cur, actor, "meeting.update", city_id, meeting_id=int(meeting_id),
                        fields=sorted(row))

    def measures(self, actor: Actor, city: str) -> pd.DataFrame:
        """Measures of a city, newest first; ``districts``/``indicators`` as Python lists."""
        city_id = self.city_id(actor, city)
        df = self._df("SELECT m.* EXCLUDE (city_id), g.held_on AS meeting_on FROM measures m "
                      "LEFT JOIN meetings g USING (meeting_id) WHERE m.city_id = ? "
                      "ORDER BY m.measure_id DESC", [city_id])
        df["districts"] = df["districts"].map(lambda v: [int(x) for x in v])
        df["indicators"] = df["indicators"].map(list)
        for col in ("alert_id", "meeting_id"):
            df[col] = df[col].astype("Int64")
        return df

    def measure_history(self, actor: Actor, city: str,
                        measure_id: int | None = None) -> pd.DataFrame:
        """Changes of the city's measures (one measure with ``measure_id``), oldest first."""
        city_id = self.city_id(actor, city)
        sql = ("SELECT h.* FROM measure_history h JOIN measures m USING (measure_id) "
               "WHERE m.city_id = ?")
        params: list = [city_id]
        if measure_id is not None:
            sql, params = sql + " AND h.measure_id = ?", params + [int(measure_id)]
        df = self._df(sql + " ORDER BY h.event_id", params)
        df["fields"] = df["fields"].map(list)
        return df

    def add_measure(self, actor: Actor, city: str, *, comment: str = "", **fields) -> int:
        """Create a measure (fields: ``measures.MEASURE_FIELDS``) with its first history row;
        returns its id. A measure created "in Umsetzung"/"umgesetzt" without
        ``implemented_on`` gets today's date."""
        from lagebild.measures import model as m
        self._require(actor, self.MEASURE_EDIT_ROLES, "Maßnahmen anlegen")
        city_id = self.city_id(actor, city)
        row = self._clean_measure(fields, partial=False)
        comment = m.clean_comment(comment)
        if row["status"] in m.IN_EFFECT and row["implemented_on"] is None:
            row["implemented_on"] = clock.today()
        with self.transaction() as cur:
            self._check_measure_refs(cur, city_id, city, row)
            cols = list(row)
            measure_id = self._one(
                f"INSERT INTO measures (city_id, {', '.join(cols)}, created_by) VALUES "
                f"(?, {', '.join('?' * len(cols))}, ?) RETURNING measure_id",
                [city_id, *row.values(), actor.username], cur)[0]
            cur.execute("INSERT INTO measure_history (measure_id, changed_by, from_status, "
                        "to_status, fields, comment) VALUES (?, ?, NULL, ?, ?, ?)",
                        [measure_id, actor.username, row["status"], cols, comment]).fetchall()
            self._audit(cur, actor, "measure.add", city_id, measure_id=measure_id,
                        title=row["title"], status=row["status"])
        return measure_id

    def update_measure(self, actor: Actor, city: str, measure_id: int, *, comment: str = "",
                       on: date | None = None, **changes) -> list[str]:
        """Change fields and/or the status of a measure in ONE transaction with a history row
        (who, when, status from → to, changed fields, comment). Entering "in Umsetzung" or
        "umgesetzt" without an ``implemented_on`` sets it to ``on`` (default today).
        Returns the changed field names; a change without any difference and without a
        comment is refused."""
        from lagebild.measures import model as m
        self._require(actor, self.MEASURE_EDIT_ROLES, "Maßnahmen bearbeiten")
        city_id = self.city_id(actor, city)
        new = self._clean_measure(changes, partial=True)
        comment = m.clean_comment(comment)
        with self.transaction() as cur:
            old = cur.execute("SELECT * FROM measures WHERE measure_id = ? AND city_id = ?",
                              [int(measure_id), city_id]).df()
            if old.empty:
                raise KeyError(f"Maßnahme {measure_id} gibt es in {city} nicht.")
            old = _measure_values(old.iloc[0])
            diff = {k: v for k, v in new.items() if v != old[k]}
            status = diff.get("status", old["status"])
            if status in m.IN_EFFECT and old["status"] not in m.IN_EFFECT \
                    and diff.get("implemented_on", old["implemented_on"]) is None:
                diff["implemented_on"] = on or clock.today()
            if not diff and not comment:
                raise ValueError("Nichts geändert: bitte einen Wert ändern oder einen "
                                 "Kommentar angeben.")
            self._check_measure_refs(cur, city_id, city, diff)
            if diff:
                sets = ", ".join(f"{k} = ?" for k in diff)
                cur.execute(f"UPDATE measures SET {sets}, updated_by = ?, updated_at = "
                            f"current_timestamp WHERE measure_id = ?",
                            [*diff.values(), actor.username, int(measure_id)]).fetchall()
            cur.execute("INSERT INTO measure_history (measure_id, changed_by, from_status, "
                        "to_status, fields, comment) VALUES (?, ?, ?, ?, ?, ?)",
                        [int(measure_id), actor.username, old["status"], status, list(diff),
                         comment]).fetchall()
            self._audit(cur, actor, "measure.update", city_id, measure_id=int(measure_id),
                        fields=list(diff), status=status)
        return list(diff)

    def _clean_measure(self, fields: dict, partial: bool) -> dict:
        from lagebild.measures import model as m
        from lagebild.catalog import load_catalog
        return m.clean_measure(fields, bodies=m.load_bodies(), indicators=set(load_catalog().keys),
                               partial=partial)

    def _check_measure_refs(self, cur, city_id: int, city: str, row: dict) -> None:
        """Districts, meeting and alert of a measure must belong to the city."""
        if row.get("districts"):
            known = {r[0] for r in cur.execute("SELECT district_id FROM districts WHERE "
                                               "city_id = ?", [city_id]).fetchall()}
            bad = [d for d in row["districts"] if d not in known]
            if bad:
                raise ValueError(f"Stadtteil-Nummer {', '.join(map(str, bad))} gibt es in "
                                 f"{city} nicht.")
        for key, table, label in (("meeting_id", "meetings", "Sitzung"),
                                  ("alert_id", "alert_episodes", "Warnung")):
            if row.get(key) is not None and self._one(
                    f"SELECT 1 FROM {table} WHERE {key} = ? AND city_id = ?",
                    [row[key], city_id], cur) is None:
                raise ValueError(f"{label} {row[key]} gibt es in {city} nicht.")

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

    # ------------------------------------------------------------------ section: accounts (#7)
    def add_user(self, actor: Actor, username: str, role: str, *, password_hash: str | None,
                 organisation: str | None = None, cities: list[str] = (),
                 display_name: str | None = None, email: str | None = None,
                 is_demo: bool = False) -> None:
        """Create an account (admin only); cities must exist."""
        self._require(actor, ("admin",), "Konten anlegen")
        Actor(username, role, organisation=organisation)          # validates role/org
        with self.transaction() as cur:
            if cur.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise ValueError(f"Das Konto '{username}' gibt es schon.")
            known = {r[0] for r in cur.execute("SELECT name FROM cities").fetchall()}
            unknown = [c for c in cities if c not in known]
            if unknown:
                raise ValueError(f"Unbekannte Stadt: {', '.join(unknown)}.")
            cur.execute(
                "INSERT INTO users (username, display_name, email, password_hash, role, "
                "organisation, is_demo) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [username, display_name, email, password_hash, role, organisation, is_demo])
            for city in cities:
                cur.execute("INSERT INTO user_cities VALUES (?, ?)", [username, city])
            self._audit(cur, actor, "user.add", None, username=username, role=role,
                        organisation=organisation, cities=list(cities))

    def users(self, actor: Actor) -> pd.DataFrame:
        """Accounts without their hashes (admin only)."""
        self._require(actor, ("admin",), "Konten ansehen")
        return self._df(
            "SELECT u.username, u.display_name, u.email, u.role, u.organisation, u.active, "
            "u.is_demo, string_agg(c.city, ', ' ORDER BY c.city) AS cities, u.created_at "
            "FROM users u LEFT JOIN user_cities c USING (username) GROUP BY ALL "
            "ORDER BY u.username")

    def credentials(self, username: str | None = None, email: str | None = None) -> dict | None:
        """Login lookup (the only method without an actor: it runs before one exists)."""
        col, value = ("username", username) if username is not None else ("email", email)
        row = self._cur().execute(
            f"SELECT username, password_hash, role, organisation, active, is_demo, "
            f"display_name FROM users WHERE {col} = ?", [value]).fetchone()
        if row is None:
            return None
        cities = [r[0] for r in self._cur().execute(
            "SELECT city FROM user_cities WHERE username = ? ORDER BY city", [row[0]]).fetchall()]
        keys = ("username", "password_hash", "role", "organisation", "active", "is_demo",
                "display_name")
        return dict(zip(keys, row)) | {"cities": cities}

    def set_password(self, actor: Actor, username: str, password_hash: str) -> None:
        if actor.role != "admin" and actor.username != username:
            raise AccessDenied("Nur Admins oder die Person selbst dürfen das Passwort ändern.")
        self._update_user(actor, username, "password_hash", password_hash, "user.passwd")

    def set_active(self, actor: Actor, username: str, active: bool) -> None:
        self._require(actor, ("admin",), "Konten sperren")
        self._update_user(actor, username, "active", active,
                          "user.enable" if active else "user.disable")

    def _update_user(self, actor, username, column, value, action) -> None:
        with self.transaction() as cur:
            if not cur.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise KeyError(f"Das Konto '{username}' gibt es nicht.")
            cur.execute(f"UPDATE users SET {column} = ? WHERE username = ?", [value, username])
            self._audit(cur, actor, action, None, username=username)

    def log_event(self, actor: Actor, action: str, city: str | None = None, **detail) -> None:
        """Audit entry for things that are not writes (logins, exports, failed logins)."""
        with self.transaction() as cur:
            city_id = None
            if city:
                row = cur.execute("SELECT city_id FROM cities WHERE name = ?", [city]).fetchone()
                city_id = row[0] if row else None
            self._audit(cur, actor, action, city_id, **detail)

    def recent_failed_logins(self, username: str, minutes: int = 15,
                             address: str | None = None) -> int:
        """Failed logins for ``username`` in the last ``minutes``; with ``address`` only
        those from that client address (recorded in the audit detail)."""
        sql = ("SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND actor = ? "
               "AND logged_at > CAST(current_timestamp AS TIMESTAMP) - to_minutes(?)")
        params: list = [username, minutes]
        if address is not None:
            sql += " AND json_extract_string(detail, '$.address') = ?"
            params.append(address)
        return self._cur().execute(sql, params).fetchone()[0]


    # ------------------------------------------------------------------ backup (#8)
    def backup(self, actor: Actor, directory: str | Path) -> Path:
        """Write the whole database to ``directory`` (DuckDB EXPORT DATABASE, Parquet files
        plus schema.sql/load.sql); admin only. The directory must not exist or be empty."""
        self._require(actor, ("admin",), "Sicherungen erstellen")
        target = Path(directory)
        if target.exists() and any(target.iterdir()):
            raise ValueError(f"Das Sicherungsverzeichnis {target} ist nicht leer.")
        target.mkdir(parents=True, exist_ok=True)
        self.log_event(actor, "backup", None, directory=str(target))   # part of the backup
        self.checkpoint()
        path = str(target).replace("'", "''")
        self._cur().execute(f"EXPORT DATABASE '{path}' (FORMAT parquet)")
        return target

    @classmethod
    def restore(cls, directory: str | Path, path: str | Path) -> "Store":
        """Create the database file ``path`` from a backup directory (IMPORT DATABASE).
        ``path`` must not exist yet; returns the opened store."""
        source, target = Path(directory), Path(path)
        if not (source / "schema.sql").exists():
            raise ValueError(f"{source} ist keine Lagebild-Sicherung (schema.sql fehlt).")
        if target.exists():
            raise ValueError(f"Die Datenbank {target} existiert bereits.")
        target.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(target))
        try:
            con.execute(f"IMPORT DATABASE '{str(source).replace(chr(39), chr(39) * 2)}'")
        except duckdb.Error:
            con.close()
            target.unlink(missing_ok=True)
            raise
        con.close()
        return cls(target)

    def table_fingerprint(self) -> dict[str, tuple[int, str]]:
        """Row count and an order-independent hash per table (to compare two databases)."""
        out = {}
        tables = [r[0] for r in self._cur().execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY 1").fetchall()]
        for table in tables:
            n, h = self._one(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0)::VARCHAR '
                             f'FROM "{table}" t')
            out[table] = (n, h)
        return out

    # ------------------------------------------------------------------ notifications (#17)
    NOTIFY_DEFAULT_ROLES = ("admin", "krisenstab")

    def notification_recipients(self, actor: Actor, city: str) -> pd.DataFrame:
        """Active accounts with an e-mail address that may see ``city``, with their
        subscription (``enabled``, ``digest``); without a stored choice crisis-team and admin
        accounts are subscribed, the others not."""
        self._require(actor, ("admin",), "Benachrichtigungen versenden")
        self.city_id(actor, city)
        df = self._cur().execute(
            "SELECT u.username, u.email, u.role, u.organisation, s.enabled, "
            "coalesce(s.digest, false) AS digest FROM users u "
            "LEFT JOIN notification_subscriptions s ON s.username = u.username AND s.city = $city "
            "WHERE u.active AND u.email IS NOT NULL AND u.email <> '' AND (u.role = 'admin' "
            "OR EXISTS (SELECT 1 FROM user_cities c WHERE c.username = u.username "
            "AND c.city = $city)) ORDER BY u.username", {"city": city}).df()
        default = df["role"].isin(self.NOTIFY_DEFAULT_ROLES)
        df["enabled"] = df["enabled"].astype("boolean").fillna(default).astype(bool)
        df["digest"] = df["digest"].astype(bool)
        return df

    def subscription(self, actor: Actor, city: str) -> dict:
        """The actor's own subscription for ``city`` ({"enabled", "digest", "email"})."""
        self.city_id(actor, city)
        row = self._one("SELECT u.email, s.enabled, s.digest FROM users u LEFT JOIN "
                        "notification_subscriptions s ON s.username = u.username AND "
                        "s.city = ? WHERE u.username = ?", [city, actor.username])
        email, enabled, digest = row if row else (None, None, None)
        if enabled is None:
            enabled = actor.role in self.NOTIFY_DEFAULT_ROLES
        return {"email": email, "enabled": bool(enabled), "digest": bool(digest)}

    def set_subscription(self, actor: Actor, city: str, *, enabled: bool,
                         digest: bool = False) -> None:
        """Subscribe the actor to (or unsubscribe from) the e-mails of ``city``; audited."""
        city_id = self.city_id(actor, city)
        with self.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO notification_subscriptions VALUES (?, ?, ?, ?)",
                        [actor.username, city, bool(enabled), bool(digest)])
            self._audit(cur, actor, "notify.subscription", city_id, enabled=bool(enabled),
                        digest=bool(digest))

    def notifications_sent(self, actor: Actor, city: str) -> pd.DataFrame:
        """Which notice went to whom and when (admin only)."""
        self._require(actor, ("admin",), "Benachrichtigungen ansehen")
        return self._df("SELECT notice_key, username, subject, sent_at FROM notifications_sent "
                        "WHERE city_id = ? ORDER BY sent_at, notice_key, username",
                        [self.city_id(actor, city)])

    def record_notification(self, actor: Actor, city: str, username: str, keys: list[str],
                            subject: str) -> bool:
        """Note that ``keys`` went to ``username`` in one message (one transaction, with its
        audit row). False, and nothing written, when one of them was recorded already."""
        self._require(actor, ("admin",), "Benachrichtigungen versenden")
        city_id = self.city_id(actor, city)
        with self.transaction() as cur:
            seen = cur.execute(
                "SELECT count(*) FROM notifications_sent WHERE city_id = ? AND username = ? "
                "AND list_contains(?, notice_key)", [city_id, username, keys]).fetchone()[0]
            if seen:
                return False
            for key in keys:
                cur.execute("INSERT INTO notifications_sent (notice_key, username, city_id, "
                            "subject) VALUES (?, ?, ?, ?)", [key, username, city_id, subject])
            self._audit(cur, actor, "notify.sent", city_id, recipient=username, notices=keys,
                        subject=subject)
        return True

    # ------------------------------------------------------------------ share packages (#19)
    # The network instance (Städtevergleich): trusted city keys and one package per city.
    SHARE_READ_ROLES = ("admin", "krisenstab")

    def share_trust(self, actor: Actor, city: str, public_key: str, fingerprint: str,
                    now) -> bool:
        """Trust (or re-key) a city's public key; True when it replaced another key."""
        self._require(actor, ("admin",), "Schlüssel von Städten hinterlegen")
        with self.transaction() as cur:
            old = cur.execute("SELECT fingerprint FROM share_trusted_keys WHERE city = ?",
                              [city]).fetchall()
            cur.execute("INSERT OR REPLACE INTO share_trusted_keys VALUES (?, ?, ?, ?, ?)",
                        [city, public_key, fingerprint, actor.username, now])
            self._audit(cur, actor, "share.trust", None, city=city, fingerprint=fingerprint,
                        replaced=old[0][0] if old else None)
        return bool(old) and old[0][0] != fingerprint

    def share_trusted_keys(self, actor: Actor) -> pd.DataFrame:
        self._require(actor, self.SHARE_READ_ROLES, "Schlüssel von Städten ansehen")
        return self._df("SELECT city, public_key, fingerprint, added_by, added_at "
                        "FROM share_trusted_keys ORDER BY city")

    def save_share_package(self, actor: Actor, manifest: dict, data: bytes, *,
                           imported_at) -> None:
        """Store a verified package in place of the city's earlier one (one transaction).
        A package not newer than the stored one is refused (ValueError), nothing written."""
        import hashlib
        self._require(actor, ("admin",), "Pakete von Städten importieren")
        city = manifest["city"]
        created = pd.Timestamp(manifest["created_at"]).to_pydatetime()
        with self._write_lock, self.transaction() as cur:
            row = cur.execute("SELECT created_at FROM share_packages WHERE city = ?",
                              [city]).fetchall()
            if row and row[0][0] >= created:
                raise ValueError(
                    f"Das Paket von {city} ist vom {created:%d.%m.%Y %H:%M:%S}; gespeichert ist "
                    f"schon eines vom {row[0][0]:%d.%m.%Y %H:%M:%S} – ein älteres oder gleich "
                    "altes Paket ersetzt es nicht. Abgelehnt, nichts geändert.")
            cur.execute("DELETE FROM share_packages WHERE city = ?", [city])
            cur.execute(
                "INSERT INTO share_packages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [city, manifest.get("ags"), manifest.get("period_start"),
                 manifest.get("period_end"), created, int(manifest["schema_version"]),
                 manifest.get("software"), bool(manifest.get("districts")),
                 hashlib.sha256(data).hexdigest(), actor.username, imported_at, data])
            self._audit(cur, actor, "share.import", None, city=city,
                        created_at=manifest["created_at"], replaced=bool(row))

    def share_packages(self, actor: Actor) -> pd.DataFrame:
        """The stored packages without their bytes: city, period, created_at, imported_at…"""
        self._require(actor, self.SHARE_READ_ROLES, "Pakete von Städten ansehen")
        return self._df("SELECT * EXCLUDE (package) FROM share_packages ORDER BY city")

    def share_package_bytes(self, actor: Actor) -> dict[str, bytes]:
        """city -> the stored signed file."""
        self._require(actor, self.SHARE_READ_ROLES, "Pakete von Städten ansehen")
        rows = self._cur().execute("SELECT city, package FROM share_packages "
                                   "ORDER BY city").fetchall()
        return {city: bytes(blob) for city, blob in rows}

    # ------------------------------------------------------------------ audit
    def audit_log(self, actor: Actor, limit: int = 500) -> pd.DataFrame:
        self._require(actor, ("admin",), "das Audit-Log lesen")
        return self._df("SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT ?", [limit])


def _display_wkb(gdf) -> list:
    """WKB of the optional ``display_geometry`` column (None where absent)."""
    if "display_geometry" not in gdf.columns:
        return [None] * len(gdf)
    return [None if g is None or g.is_empty else shapely.to_wkb(g)
            for g in gdf["display_geometry"]]


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


# section: measures (#6) – a stored measure row as the plain values clean_measure returns
def _measure_values(row: pd.Series) -> dict:
    def opt(v, conv):
        return None if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) \
            else conv(v)
    return {"title": row["title"], "description": row["description"], "body": row["body"],
            "districts": sorted(int(d) for d in row["districts"]),
            "indicators": [str(i) for i in row["indicators"]],
            "alert_id": opt(row["alert_id"], int), "meeting_id": opt(row["meeting_id"], int),
            "due_on": opt(row["due_on"], lambda v: pd.Timestamp(v).date()),
            "status": row["status"],
            "implemented_on": opt(row["implemented_on"], lambda v: pd.Timestamp(v).date())}
