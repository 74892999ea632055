"""Every text key of #6 exists in German and English – also those the general scan in
test_i18n.py cannot see (``tr(inp, "…")`` in the briefing, keys built from values)."""

from __future__ import annotations

import re
from pathlib import Path

from lagebild.access import ROLES
from lagebild.i18n import strings
from lagebild.measures.model import MEASURE_FIELDS, STATUSES

ROOT = Path(__file__).resolve().parents[1]
FILES = ["lagebild/briefing/model.py", "lagebild/briefing/sections.py", "lagebild/briefing/pdf.py",
         "lagebild/measures/views.py", "lagebild/views/district.py", "lagebild/ui/_measures.py",
         "lagebild/ui/_core.py", "pages/measures.py", "pages/meetings.py", "pages/district.py",
         "pages/briefing.py"]


def test_literal_keys_of_the_briefing_exist():
    pattern = re.compile(r"\b(?:tr\(\s*inp,\s*|t\(\s*)\"((?:measures|briefing)\.[a-z0-9_.]+)\"")
    used = set()
    for name in FILES:
        used |= set(pattern.findall((ROOT / name).read_text(encoding="utf-8")))
    assert len(used) > 100, "the scan is broken"
    assert sorted(used - set(strings())) == []


def test_keys_built_from_values_exist():
    keys = [f"measures.status.{s}" for s in STATUSES]
    keys += [f"measures.due.{s}" for s in ("overdue", "due", "open", "done", "dropped")]
    keys += [f"measures.field.{f}" for f in MEASURE_FIELDS]
    keys += [f"briefing.progress.{k}" for k in ("start", "data", "alerts", "map", "numbers",
                                                "trends", "measures", "pdf", "html", "done")]
    keys += [f"briefing.period.{k}" for k in ("meeting", "custom", "default")]
    keys += [f"roles.{r}" for r in ROLES]
    keys += [f"briefing.completeness.col_{c}" for c in ("organisation", "indicators", "days",
                                                          "share")]
    missing = [k for k in keys if k not in strings()]
    assert missing == []
    assert all(strings()[k].get("en") for k in keys)
