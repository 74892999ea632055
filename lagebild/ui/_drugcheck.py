"""Page helpers: drug checking (#18) — the test-results template."""

from __future__ import annotations

from lagebild import clock
from lagebild.ui._core import actor, lang, store


def test_template(city: str) -> bytes:
    """The test-results template (CSV) with the city's first test site as example."""
    from lagebild.drugcheck.importer import test_sites
    from lagebild.drugcheck.template import csv_template
    sites = test_sites(store(), actor(), city)["name"].tolist()
    return csv_template(sites, lang(), clock.today())
