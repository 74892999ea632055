"""Page helpers: drug checking (#18) — the test-results template and the Drug-Checking page."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from lagebild import clock
from lagebild.ui._core import actor, cached_read, lang, md, store, t


def test_template(city: str) -> bytes:
    """The test-results template (CSV) with the city's first test site as example."""
    from lagebild.drugcheck.importer import test_sites
    from lagebild.drugcheck.template import csv_template
    sites = test_sites(store(), actor(), city)["name"].tolist()
    return csv_template(sites, lang(), clock.today())


def drug_tests(city: str) -> pd.DataFrame:
    return cached_read("drug_tests", city)


def drugcheck_weeks(city: str) -> list:
    from lagebild.drugcheck.views import week_options
    return week_options(drug_tests(city), clock.today())


def drugcheck_view(city: str, week) -> dict:
    """Tables of the page for ``week`` (a Monday): whole city, per site, "sold as × found"
    over the four weeks up to it, and the week's signals in words (Markdown-escaped)."""
    from lagebild.drugcheck import views
    from lagebild.drugcheck.alerts import load_config, week_signals
    tests = drug_tests(city)
    end = week + timedelta(days=6)
    first = week - timedelta(weeks=3)
    upto = tests[(pd.to_datetime(tests["date"]) <= pd.Timestamp(end)).to_numpy()]
    signals = week_signals(upto, week, load_config(), lang())
    return {"city": views.city_table(tests, week, lang()),
            "sites": views.site_table(tests, week, lang()),
            "matrix": views.matrix_table(tests, first, end, lang()),
            "matrix_heading": t("drugcheck.page.matrix_heading",
                                first=views.fmt_day(first, lang()),
                                last=views.fmt_day(end, lang())),
            "signals": [md(r) for r in signals["reason"]],
            "signal_texts": list(signals["reason"])}
