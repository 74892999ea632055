"""What the Drug-Checking page shows, as translated tables (pure: results frame in).

Shares never stand alone: "1 von 3 (33 %, 95-%-Intervall 6–79 %), n = 3".
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from lagebild.analytics.drugcheck import first_detections, positivity, sold_as_matrix
from lagebild.i18n import t
from lagebild.drugcheck.substances import load_substances
from lagebild.drugcheck.text import share_text


def fmt_day(d, lang: str) -> str:
    if d is None or pd.isna(d):
        return "–"
    d = pd.Timestamp(d)
    return d.strftime("%d.%m.%Y") if lang == "de" else d.date().isoformat()


def week_options(tests: pd.DataFrame, today: date) -> list[date]:
    """Mondays of the weeks with results up to ``today``, newest first."""
    if tests.empty:
        return []
    days = pd.to_datetime(tests["date"])
    mondays = (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date
    return sorted({m for m in mondays if m <= today}, reverse=True)


def _until(tests: pd.DataFrame, end: date) -> pd.DataFrame:
    return tests[(pd.to_datetime(tests["date"]) <= pd.Timestamp(end)).to_numpy()]


def _week(tests: pd.DataFrame, monday: date) -> pd.DataFrame:
    days = pd.to_datetime(tests["date"])
    return tests[((days >= pd.Timestamp(monday))
                  & (days <= pd.Timestamp(monday + timedelta(days=6)))).to_numpy()]


def city_table(tests: pd.DataFrame, monday: date, lang: str = "de") -> pd.DataFrame:
    """Per substance: valid tests, positives, share with interval (this week), first
    detection in the city (up to the week's end)."""
    return _table(tests, monday, (), lang)


def site_table(tests: pd.DataFrame, monday: date, lang: str = "de") -> pd.DataFrame:
    return _table(tests, monday, ("site",), lang)


def _table(tests, monday, by: tuple[str, ...], lang) -> pd.DataFrame:
    cat = load_substances()
    upto = _until(tests, monday + timedelta(days=6))
    share = positivity(_week(upto, monday), by=(*by, "substance"))
    first = first_detections(upto, by=by)
    keys = [*by, "substance"]
    merged = share.merge(first, on=keys, how="left")
    order = {k: i for i, k in enumerate(cat.substances)}
    merged = merged.sort_values([*by, "substance"], key=lambda s: s.map(order)
                                if s.name == "substance" else s)
    out = {}
    if by:
        out[t("drugcheck.page.col_site", lang)] = merged["site"].to_numpy()
    out[t("drugcheck.page.col_substance", lang)] = [cat.name(k, lang)
                                                    for k in merged["substance"]]
    out[t("drugcheck.page.col_tests", lang)] = merged["tests"].astype(int).to_numpy()
    out[t("drugcheck.page.col_positive", lang)] = merged["positive"].astype(int).to_numpy()
    out[t("drugcheck.page.col_share", lang)] = [
        share_text(int(k), int(n), lang) for k, n in zip(merged["positive"], merged["tests"])]
    col = "drugcheck.page.col_first_site" if by else "drugcheck.page.col_first_city"
    out[t(col, lang)] = [fmt_day(d, lang) for d in merged["first_detected"]]
    return pd.DataFrame(out)


def matrix_table(tests: pd.DataFrame, start: date, end: date, lang: str = "de"
                 ) -> pd.DataFrame:
    """"Verkauft als × gefunden" for ``start`` … ``end`` with translated names."""
    cat = load_substances()
    m = sold_as_matrix(tests, start, end)
    if m.empty:
        return pd.DataFrame()
    names = {k: (t("drugcheck.page.unknown", lang) if k == "unbekannt" else cat.name(k, lang))
             for k in m.index}
    found = [c for c in cat.substances if c in m.columns]
    out = pd.DataFrame({t("drugcheck.page.col_sold_as", lang): [names[k] for k in m.index],
                        t("drugcheck.page.col_samples", lang): m["samples"].to_numpy()})
    for c in found:
        out[cat.name(c, lang)] = m[c].to_numpy()
    return out
