"""The one clock of Lagebild: every "today" and "now" of the product comes from here.

Product code never asks the system for the date itself (``tests/test_clock.py`` checks
that); it calls :func:`today` / :func:`now` at its edge (a page, a CLI command, the importer)
and passes the value down into pure code as a parameter.

The setting ``LAGEBILD_TODAY`` (ISO date, e.g. ``2026-12-02``) pins the date for demos,
tests and for reproducing a past situation; the time of day still runs.

>>> today({"LAGEBILD_TODAY": "2028-02-29"})
datetime.date(2028, 2, 29)
>>> now({"LAGEBILD_TODAY": "2027-06-02"}).date()
datetime.date(2027, 6, 2)
"""

from __future__ import annotations

import os
from datetime import date, datetime
from typing import Mapping

ENV = "LAGEBILD_TODAY"


def pinned(environ: Mapping[str, str] | None = None) -> date | None:
    """The date set by ``LAGEBILD_TODAY``, or None. A malformed value is an error in German."""
    raw = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"Einstellung {ENV}: '{raw}' ist kein Datum im Format JJJJ-MM-TT "
                         "(z. B. 2026-12-02).") from None


def today(environ: Mapping[str, str] | None = None) -> date:
    """Today's date: ``LAGEBILD_TODAY`` if set, else the system's local date."""
    return pinned(environ) or date.today()


def now(environ: Mapping[str, str] | None = None) -> datetime:
    """The current local time (seconds); on the pinned date if ``LAGEBILD_TODAY`` is set."""
    current = datetime.now().replace(microsecond=0)
    day = pinned(environ)
    return current if day is None else datetime.combine(day, current.time())
