"""Which inbox files are complete: written as ``*.part`` and renamed, or unchanged for a few
seconds (setting ``inbox_settle_s``).

Layout of the inbox (``runtime.inbox_dir``)::

    <Stadt>/<Organisation>/            files to import
    <Stadt>/<Organisation>/ersetzen/   files to import with "replace earlier rows"
    <Stadt>/<Organisation>/in-arbeit/  the file being imported (and its order, ``*.auftrag``)
    <Stadt>/<Organisation>/erledigt/   imported files, each with its receipt
    <Stadt>/<Organisation>/abgelehnt/  rejected or already imported files, with receipt

A file may bring a sidecar ``<name>.ersetzen`` (empty: replace) or ``<name>.auftrag.json``
(``{"ersetzen": true, "kennung": "…", "blatt": "…"}``, written by ``lagebild ingest``).
Names starting with ``.`` or ``~`` (editors' lock files) are never taken.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

REPLACE_DIR, WORK_DIR, DONE_DIR, REJECTED_DIR = "ersetzen", "in-arbeit", "erledigt", "abgelehnt"
SPECIAL_DIRS = {REPLACE_DIR, WORK_DIR, DONE_DIR, REJECTED_DIR}
PART = ".part"
SIDECARS = (".ersetzen", ".auftrag.json")


@dataclass(frozen=True)
class Delivery:
    """One complete file waiting in the inbox."""
    path: Path
    city: str
    organisation: str
    replace: bool                      # in ``ersetzen/`` or with a sidecar saying so

    @property
    def org_dir(self) -> Path:
        return self.path.parent.parent if self.path.parent.name == REPLACE_DIR \
            else self.path.parent


def _wanted(path: Path) -> bool:
    name = path.name
    return path.is_file() and not name.startswith((".", "~")) \
        and not name.endswith((PART, *SIDECARS, ".tmp"))


def org_dirs(inbox: Path):
    """(city, organisation, folder) of every organisation folder of the inbox."""
    if not inbox.is_dir():
        return
    for city_dir in sorted(p for p in inbox.iterdir() if p.is_dir()
                           and not p.name.startswith(".")):
        for org_dir in sorted(p for p in city_dir.iterdir() if p.is_dir()
                              and not p.name.startswith(".") and p.name not in SPECIAL_DIRS):
            yield city_dir.name, org_dir.name, org_dir


class Watcher:
    """Remembers what each scan saw, to tell complete files from files still being written."""

    def __init__(self, settle_s: float):
        self.settle_s = settle_s
        self.seen: dict[Path, tuple[tuple[int, int], float]] = {}   # signature, stable since
        self.parts: set[Path] = set()

    def complete(self, inbox: Path) -> list[Delivery]:
        """The complete files, oldest first (by modification time)."""
        now = time.monotonic()
        found, parts, seen = [], set(), {}
        for city, org, org_dir in org_dirs(inbox):
            for folder in (org_dir, org_dir / REPLACE_DIR):
                if not folder.is_dir():
                    continue
                for path in folder.iterdir():
                    if path.name.endswith(PART):
                        parts.add(path)
                        continue
                    if not _wanted(path):
                        continue
                    try:
                        stat = path.stat()
                    except FileNotFoundError:
                        continue
                    signature = (stat.st_size, stat.st_mtime_ns)
                    before = self.seen.get(path)
                    since = before[1] if before and before[0] == signature else now
                    if path.with_name(path.name + PART) in self.parts:
                        since = -math.inf     # renamed from *.part: complete (no float rounding)
                    seen[path] = (signature, since)
                    if now - since >= self.settle_s:
                        found.append((stat.st_mtime_ns, path, city, org,
                                      folder.name == REPLACE_DIR and folder != org_dir))
        self.seen, self.parts = seen, parts
        return [Delivery(path, city, org, replace)
                for _, path, city, org, replace in sorted(found)]
