"""Settings declared as a table: name, default, type, help.

Every setting can be overridden by an environment variable ``LAGEBILD_<NAME>`` (upper case).
``tests/test_config.py`` checks that every setting is documented in ``docs/settings.md``.

>>> get_settings({"LAGEBILD_SMALL_COUNT_K": "3"}).small_count_k
3
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: type
    help: str
    choices: tuple = ()


SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", str(DATA_DIR / "lagebild.duckdb"), str,
            "Path of the DuckDB database file."),
    Setting("language", "de", str, "UI language: de (default) or en.", ("de", "en")),
    Setting("small_count_k", 5, int,
            "Small-count threshold k: person-related counts 1..k-1 are shown as '< k' in "
            "restricted views and exports."),
    Setting("basemap_url", "", str,
            "Tile URL template of a basemap, e.g. https://tile.example/{z}/{x}/{y}.png. "
            "Empty (default) = no basemap, so no request leaves the machine."),
    Setting("basemap_attribution", "", str,
            "Attribution text shown with the basemap (required by most tile providers)."),
    Setting("proximity_m", 100, int,
            "Syringe finds at most this many metres from a sensitive place raise a notice."),
    Setting("proximity_days", 14, int,
            "Proximity notices consider syringe finds of this many days up to the latest report."),
    Setting("upload_limit_mb", 20, int, "Largest accepted upload file in megabytes."),
    Setting("db_memory_mb", 1024, int,
            "Memory DuckDB may use for its buffer pool and queries (MB); larger queries "
            "spill to temporary files beside the database."),
    Setting("demo_mode", False, bool,
            "Demo operation: the demo accounts of the demo database may log in. `make run` "
            "sets it; never set it in production."),
    Setting("session_timeout_min", 30, int,
            "Minutes without interaction after which a user is logged out."),
    Setting("smtp_host", "", str,
            "SMTP relay of the city for e-mail notifications; empty (default) = no e-mail."),
    Setting("smtp_port", 25, int, "Port of the SMTP relay."),
    Setting("smtp_from", "lagebild@localhost", str, "Sender address of the notifications."),
    Setting("smtp_starttls", False, bool, "Use STARTTLS with the SMTP relay."),
    Setting("smtp_user", "", str, "User name at the SMTP relay (empty = no login)."),
    Setting("smtp_password", "", str, "Password at the SMTP relay."),
    Setting("app_url", "http://localhost:8501", str,
            "Address of this Lagebild as its users reach it (links in e-mails)."),
    # (#20) running without downtime: inbox and backups by the server (docs/operations.md)
    Setting("inbox_dir", "", str,
            "Inbox watched by the running server (<dir>/<Stadt>/<Organisation>/); empty "
            "(default) = <database file>.inbox beside the database."),
    Setting("inbox_settle_s", 3, int,
            "Seconds an inbox file must stay unchanged before the server takes it (a file "
            "written as *.part and renamed is taken at once)."),
    Setting("inbox_wait_s", 600, int,
            "Seconds `lagebild ingest` waits for the server's receipt when the server holds "
            "the database (then exit code 4; the file stays in the inbox)."),
    Setting("backup_dir", "", str,
            "Directory of the server's scheduled backups (one folder lagebild-<date>-<time> "
            "per backup); empty (default) = no scheduled backups."),
    Setting("backup_time", "02:30", str,
            "Time of day (HH:MM) after which the server takes the day's backup."),
    Setting("backup_keep_days", 14, int,
            "Days a scheduled backup is kept; older lagebild-* folders in backup_dir are "
            "deleted after the next verified backup."),
    Setting("today", "", str,
            "Pins 'today' (ISO date, e.g. 2026-12-02) for demos, tests and reproducing a past "
            "situation; empty (default) = the system date. Read only by lagebild/clock.py."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: str) -> Any:
    if setting.type is bool:
        return raw.strip().lower() in {"1", "true", "yes", "ja", "on"}
    try:
        value = setting.type(raw)
    except ValueError as exc:
        raise ValueError(
            f"Einstellung LAGEBILD_{setting.name.upper()}: '{raw}' ist kein gültiger Wert "
            f"({setting.type.__name__})."
        ) from exc
    if setting.choices and value not in setting.choices:
        raise ValueError(
            f"Einstellung LAGEBILD_{setting.name.upper()}: '{raw}' ist nicht erlaubt "
            f"(erlaubt: {', '.join(setting.choices)})."
        )
    return value


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def get_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, overridden by ``LAGEBILD_*`` variables, overridden by keyword arguments."""
    env = os.environ if environ is None else environ
    values = {}
    for s in SETTINGS:
        raw = env.get(f"LAGEBILD_{s.name.upper()}")
        values[s.name] = s.default if raw is None or raw == "" else _coerce(s, raw)
    for name, value in overrides.items():
        if name not in _BY_NAME:
            raise KeyError(f"Unbekannte Einstellung: {name}")
        values[name] = value
    return Settings(values)
