"""What the overview and the page "Betrieb" show (#20): the completeness table of a city in
words, the overdue lines, and the operations facts (rejected inbox files, last backup,
database size, version). Reads through the store and the file system; no streamlit."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from lagebild import __version__
from lagebild.access import Actor
from lagebild.i18n import fmt_number, md_escape, t
from lagebild.measures.views import fmt_date
from lagebild.ops import completeness as comp

REJECTED = "abgelehnt"          # the inbox's folder of refused files (#20, first half)


def city_completeness(store, actor: Actor, city: str, today: date) -> pd.DataFrame:
    """:func:`lagebild.ops.completeness.completeness` of ``city`` from the stored deliveries
    and the admin's rhythms."""
    return comp.completeness(store.delivery_history(actor, city),
                             store.delivery_rhythms(actor, city), today)


def indicator_label(catalog, key: str, lang: str) -> str:
    return catalog[key].label(lang) if key in catalog.keys else key


def overdue_lines(table: pd.DataFrame, catalog, lang: str = "de") -> list[str]:
    """One Markdown line per overdue delivery (names escaped), longest overdue first."""
    return [t("ops.overdue.line", lang, organisation=md_escape(r["organisation"]),
              rhythm=t(f"ops.rhythm_adj.{r['rhythm']}", lang),
              indicator=md_escape(indicator_label(catalog, r["indicator"], lang)),
              days=days_text(r["days_overdue"], lang), last_day=fmt_date(r["last_day"], lang),
              due=fmt_date(r["due"], lang), grace=comp.GRACE[r["rhythm"]])
            for r in comp.overdue(table).to_dict("records")]


def days_text(n, lang: str = "de") -> str:
    """"1 Tag" / "14 Tagen" (after "seit").

    >>> days_text(1), days_text(14), days_text(2, "en")
    ('1 Tag', '14 Tagen', '2 days')
    """
    n = int(n)
    return t("ops.overdue.one_day", lang) if n == 1 else t("ops.overdue.days", lang, n=n)


def rhythm_text(rhythm: str | None, source: str, lang: str = "de") -> str:
    if source == "unknown" or not rhythm:
        return t("ops.rhythm.unknown", lang)
    return t(f"ops.rhythm.{source}", lang, rhythm=t(f"ops.rhythm.{rhythm}", lang))


def completeness_display(table: pd.DataFrame, catalog, lang: str = "de") -> pd.DataFrame:
    """The table for the page, with German (or English) headers and words for the values."""
    def status(r) -> str:
        if r["overdue"]:
            return t("ops.table.overdue", lang, days=days_text(r["days_overdue"], lang))
        return t("ops.table.ok", lang) if r["due"] is not None else t("ops.table.open", lang)

    rows = [{t("ops.table.organisation", lang): r["organisation"],
             t("ops.table.indicator", lang): indicator_label(catalog, r["indicator"], lang),
             t("ops.table.rhythm", lang): rhythm_text(r["rhythm"], r["source"], lang),
             t("ops.table.deliveries", lang): int(r["deliveries"]),
             t("ops.table.last_upload", lang): fmt_date(r["last_upload"], lang),
             t("ops.table.last_day", lang): fmt_date(r["last_day"], lang),
             t("ops.table.due", lang): fmt_date(r["due"], lang),
             t("ops.table.status", lang): status(r)} for r in table.to_dict("records")]
    keys = ("organisation", "indicator", "rhythm", "deliveries", "last_upload", "last_day",
            "due", "status")
    return pd.DataFrame(rows, columns=[t(f"ops.table.{k}", lang) for k in keys])


# ------------------------------------------------------------------ operations facts
def inbox_dir(settings) -> Path:
    """The inbox the server watches: ``LAGEBILD_INBOX_DIR`` when that setting exists and is
    set, otherwise ``<db>.inbox`` beside the database (#20)."""
    configured = settings.values.get("inbox_dir") if hasattr(settings, "values") else None
    return Path(configured) if configured else Path(f"{settings.db_path}.inbox")


@dataclass
class RejectedFile:
    path: Path
    place: str              # "<Stadt> / <Organisation>" from the folder names
    filed: datetime
    reason: str             # the first lines of the German receipt beside it, if any


def rejected_files(inbox: Path, limit: int = 50) -> list[RejectedFile]:
    """Files in every ``abgelehnt/`` folder below ``inbox``, newest first, each with the
    start of its German text receipt. A ``.txt``/``.json`` file whose name starts with the
    name (or the stem and a dot) of another file there is that file's receipt, not a
    rejected delivery of its own."""
    if not inbox.is_dir():
        return []
    out = []
    for folder in sorted(p for p in inbox.rglob(REJECTED) if p.is_dir()):
        files = [p for p in folder.iterdir() if p.is_file()]
        receipts = {f for f in files if f.suffix in (".txt", ".json")
                    and any(_belongs(f, other) for other in files)}
        place = " / ".join(folder.relative_to(inbox).parts[:-1])
        for f in files:
            if f in receipts:
                continue
            text = next((r for r in sorted(receipts) if r.suffix == ".txt"
                         and _belongs(r, f)), None)
            reason = "" if text is None else " ".join(
                text.read_text(encoding="utf-8", errors="replace").split())[:300]
            out.append(RejectedFile(f, place, datetime.fromtimestamp(f.stat().st_mtime),
                                    reason))
    return sorted(out, key=lambda r: r.filed, reverse=True)[:limit]


def _belongs(receipt: Path, data: Path) -> bool:
    """``x.csv.txt``, ``x.csv.quittung.json``, ``x.txt`` belong to ``x.csv``."""
    return receipt != data and (receipt.name.startswith(data.name + ".")
                                or receipt.name.startswith(data.stem + ".")
                                and data.suffix not in (".txt", ".json"))


def rejected_display(files: list[RejectedFile], lang: str = "de") -> pd.DataFrame:
    cols = [t(f"ops.page.inbox_{k}", lang) for k in ("file", "place", "time", "reason")]
    return pd.DataFrame([[f.path.name, f.place, f"{f.filed:%d.%m.%Y %H:%M}", f.reason]
                         for f in files], columns=cols)


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def size_text(n: int, lang: str = "de") -> str:
    """Bytes in words.

    >>> size_text(1536, "de"), size_text(5 * 1024 ** 2, "en")
    ('1,5 KB', '5.0 MB')
    """
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= factor:
            return f"{fmt_number(n / factor, lang, 1)} {unit}"
    return f"{n} B"


def last_backup_line(events: pd.DataFrame, lang: str = "de") -> str:
    """The newest backup of the audit log with the size of its directory (or file)."""
    for r in events.to_dict("records"):
        detail = json.loads(r["detail"] or "{}")
        target = detail.get("directory") or detail.get("path") or detail.get("target")
        if not target:
            continue
        when = pd.Timestamp(r["logged_at"]).strftime("%d.%m.%Y %H:%M")
        path = Path(target)
        if not path.exists():
            return t("ops.page.backup_gone", lang, when=when, path=md_escape(path))
        return t("ops.page.backup_last", lang, when=when, path=md_escape(path),
                 size=size_text(dir_size(path), lang))
    return t("ops.page.backup_none", lang)


def database_line(store, lang: str = "de") -> str:
    """File, size (with the WAL), program and schema version."""
    db = Path(store.path)
    size = sum(p.stat().st_size for p in (db, Path(f"{db}.wal")) if p.is_file())
    return t("ops.page.database_line", lang, path=md_escape(db), size=size_text(size, lang),
             version=__version__, schema=store.schema_version())
