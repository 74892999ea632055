"""Page helpers: backups by the running server (#20) — the "Sicherung jetzt" button and
what the admin sees about the scheduled backups. The work is ``lagebild.inbox.backup``."""

from __future__ import annotations

from pathlib import Path

from lagebild.i18n import fmt_number
from lagebild.ui._core import actor, lang, settings, store, t


def backup_configured() -> bool:
    return bool(settings().backup_dir)


def backup_status() -> str:
    """One or two sentences: the schedule (or that there is none) and the last backup."""
    from lagebild.inbox import backup
    s = settings()
    if not s.backup_dir:
        return t("backup.no_dir")
    out = [t("backup.schedule", time=s.backup_time, dir=s.backup_dir, days=s.backup_keep_days)]
    found = backup.backups(Path(s.backup_dir))
    if not found:
        out.append(t("backup.none_yet"))
    else:
        last = found[0]
        size = fmt_number(last["size_bytes"] / 1024 / 1024, lang(), 1) + " MB"
        out.append(t("backup.last", name=last["name"], size=size,
                     status=t("backup.verified") if last["verified"] else "–"))
    return " ".join(out)


def backup_now() -> tuple[bool, str]:
    """Take a verified backup now, inside this server process (between imports); returns
    (success, the German message)."""
    from lagebild.inbox import backup
    if not backup_configured():
        return False, t("backup.no_dir")
    result = backup.take(store(), actor(), Path(settings().backup_dir), lang())
    return result.ok, result.message
