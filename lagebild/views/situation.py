"""View models: pure functions that turn analytics frames into what a page shows.

No Streamlit, no database: frames in, frames/dicts out, every label already translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from lagebild import privacy
from lagebild.analytics import trends
from lagebild.catalog import Catalog
from lagebild.i18n import fmt_change, fmt_number, fmt_percent, t
from lagebild.measures.views import fmt_date


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    value: str
    delta: str | None
    help: str
    incomplete: str | None


def _num(v, lang, decimals=0):
    return t("app.not_reported", lang) if pd.isna(v) else fmt_number(v, lang, decimals)


def city_metrics(summary: pd.DataFrame, catalog: Catalog, week: pd.Timestamp,
                 lang: str, k: int | None = None) -> list[Metric]:
    """One metric per indicator for the whole city (summary from ``trends.week_summary``).
    With ``k`` (restricted view) person-related values 1..k−1 read "< k" and carry no
    comparison (a ratio would give the hidden number away)."""
    city = summary[summary["district_id"] == trends.CITY].set_index("indicator")
    out = []
    for ind in catalog:
        if ind.key not in city.index:
            continue
        r = city.loc[ind.key]
        if k and ind.person_related:
            cells = summary[(summary["district_id"] != trends.CITY)
                            & (summary["indicator"] == ind.key)]["current"]
            out.append(_suppressed_metric(ind, r, privacy.total_status(cells, k), k, week,
                                          lang))
            continue
        delta = None
        change = fmt_change(r["current"], r["mean8"], lang)
        if change != "–":
            delta = f"{change} {t('overview.vs_mean', lang)}"
        days = int(r["reported_days"]) if pd.notna(r["reported_days"]) else 0
        out.append(Metric(
            key=ind.key, label=ind.label(lang), value=_num(r["current"], lang), delta=delta,
            help=t("overview.metric_help", lang, week=trends.iso_label(week, lang),
                   current=_num(r["current"], lang), previous=_num(r["previous"], lang),
                   mean8=_num(r["mean8"], lang, 1)),
            incomplete=t("overview.incomplete", lang, days=days) if 0 < days < 7 else None))
    return out


def _suppressed_metric(ind, r, status: str, k: int, week, lang: str) -> Metric:
    """The city's value of a person-related indicator in a restricted view; ``status`` is
    the status of the city total under the column's suppression (``privacy.total_status``)."""
    value = privacy.display(r["current"], status, k, lambda v: fmt_number(v, lang))
    return Metric(key=ind.key, label=ind.label(lang), value=value, delta=None,
                  help=t("privacy.metric_help", lang, k=k, k_minus=k - 1,
                         week=trends.iso_label(week, lang)),
                  incomplete=None)


def district_matrix(summary: pd.DataFrame, districts: pd.DataFrame, catalog: Catalog,
                    lang: str, k: int | None = None) -> pd.DataFrame:
    """Districts × indicators: 'count (±change vs 8-week mean)' as text, sorted by name.
    With ``k``, person-related columns are suppressed (primary + complementary)."""
    names = districts.set_index("district_id")["name"]
    rows = summary[summary["district_id"] != trends.CITY]
    cells = {}
    for ind in catalog:
        part = rows[rows["indicator"] == ind.key].set_index("district_id")
        if k and ind.person_related:
            status = privacy.suppress_column(part["current"], k)
            cells[ind.label(lang)] = pd.Series(
                {did: privacy.display(v, status[did], k, lambda x: fmt_number(x, lang))
                 for did, v in part["current"].items()}, dtype=object)
            continue
        text = {}
        for did, r in part.iterrows():
            value = _num(r["current"], lang)
            change = fmt_change(r["current"], r["mean8"], lang)
            text[did] = value if change == "–" else f"{value} ({change})"
        cells[ind.label(lang)] = pd.Series(text)
    table = pd.DataFrame(cells)
    table.index = [names.get(i, str(i)) for i in table.index]
    table.index.name = t("app.district", lang)
    return table.sort_index()


def indicator_detail(summary: pd.DataFrame, districts: pd.DataFrame, indicator: str,
                     lang: str, k: int | None = None) -> pd.DataFrame:
    """One indicator per district: week, previous week, 8-week mean, changes (numbers).
    With ``k`` (restricted view of a person-related indicator): only this week and the
    previous week, each suppressed, as text; no means or changes."""
    names = districts.set_index("district_id")["name"].to_dict()
    names[trends.CITY] = t("app.city_total", lang)
    part = summary[summary["indicator"] == indicator].copy()
    part["name"] = part["district_id"].map(names)
    if k:
        return _suppressed_detail(part, k, lang)
    part = part.sort_values(["current", "name"], ascending=[False, True])
    rows = part.to_dict("records")
    return pd.DataFrame({
        t("app.district", lang): part["name"].to_numpy(),
        t("overview.col_current", lang): [_num(r["current"], lang) for r in rows],
        t("overview.col_previous", lang): [_num(r["previous"], lang) for r in rows],
        t("overview.col_mean8", lang): [_num(r["mean8"], lang, 1) for r in rows],
        t("overview.col_change_prev", lang): [fmt_change(r["current"], r["previous"], lang)
                                             for r in rows],
        t("overview.col_change_mean", lang): [fmt_change(r["current"], r["mean8"], lang)
                                             for r in rows],
    }, dtype=object)


def _suppressed_detail(part: pd.DataFrame, k: int, lang: str) -> pd.DataFrame:
    city = part[part["district_id"] == trends.CITY]
    body = part[part["district_id"] != trends.CITY].sort_values("name")
    out = {t("app.district", lang): [*city["name"], *body["name"]]}
    for col, label in (("current", "overview.col_current"), ("previous", "overview.col_previous")):
        status = privacy.suppress_column(body[col], k)
        total = city[col].iloc[0] if len(city) else float("nan")
        total_text = privacy.display(total, privacy.total_status(body[col], k), k,
                                     lambda x: fmt_number(x, lang))
        out[t(label, lang)] = [total_text, *[privacy.display(v, st, k, lambda x: fmt_number(x, lang))
                                             for v, st in zip(body[col], status)]]
    return pd.DataFrame(out)


def period_bounds(latest: pd.Timestamp, weeks: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First Monday and last Sunday of the ``weeks`` weeks ending with week ``latest``."""
    start = latest - pd.Timedelta(days=7 * (weeks - 1))
    return start, latest + pd.Timedelta(days=6)


def map_values(grid: pd.DataFrame, districts: pd.DataFrame, indicator: str,
               latest: pd.Timestamp, weeks: int, per_10k: bool) -> pd.Series:
    """Value per district_id for the map: sum over the period, optionally per 10 000."""
    start, _ = period_bounds(latest, weeks)
    totals = trends.period_totals(grid, indicator, start, latest)
    totals = totals[totals.index != trends.CITY]
    if per_10k:
        pop = districts.set_index("district_id")["population"]
        return trends.rate_per_10k(totals, pop)
    return totals


def trend_series(grid: pd.DataFrame, districts: pd.DataFrame, indicator: str,
                 district_ids: list, weeks: int, lang: str,
                 k: int | None = None) -> pd.DataFrame:
    """Columns label, week, count for the chosen districts (and/or the city total).
    With ``k`` (restricted, person-related): the city total only, weeks with 1..k−1 hidden."""
    if k:
        district_ids = [trends.CITY]
        grid = privacy.mask_city_totals(grid[grid["indicator"] == indicator], k)
    names = districts.set_index("district_id")["name"].to_dict()
    names[trends.CITY] = t("app.city_total", lang)
    sel = grid[(grid["indicator"] == indicator) & grid["district_id"].isin(district_ids)]
    if sel.empty:
        return pd.DataFrame(columns=["label", "week", "count"])
    first = sel["week"].max() - pd.Timedelta(days=7 * (weeks - 1))
    sel = sel[sel["week"] >= first]
    order = {d: i for i, d in enumerate(district_ids)}
    sel = sel.assign(label=sel["district_id"].map(names), _o=sel["district_id"].map(order))
    return sel.sort_values(["_o", "week"])[["label", "week", "count"]]


def weekly_only(person_related: bool, k: int | None) -> bool:
    """True when a view may show this indicator only week by week (restricted view of a
    person-related indicator): a sum over several weeks minus the weeks shown one by one
    would give hidden weeks away (#21: 14 − 12 = 2)."""
    return bool(k and person_related)


def map_cells(grid: pd.DataFrame, districts: pd.DataFrame, indicator: str,
              latest: pd.Timestamp, weeks: int, per_10k: bool, lang: str,
              k: int | None = None) -> pd.DataFrame:
    """What the map shows per district (ordered like ``districts``): district_id, count,
    value (count or rate; NaN where hidden or not reported), label (text of the tooltip and
    table) and hidden. With ``k`` (restricted, person-related) the period must be one week
    (:func:`weekly_only`) and the column of all districts is suppressed exactly as in the
    overview (primary "< k", complementary "×"; a hidden count hides its rate too)."""
    if k and weeks != 1:
        raise ValueError(f"eingeschränkte Ansicht: nur eine Woche je Karte, nicht {weeks}")
    ids = districts["district_id"]
    counts = map_values(grid, districts, indicator, latest, weeks, False).reindex(ids)
    values = (map_values(grid, districts, indicator, latest, weeks, True).reindex(ids)
              if per_10k else counts)
    decimals = 1 if per_10k else 0
    labels = values.map(lambda v: fmt_number(v, lang, decimals))
    hidden = pd.Series(False, index=values.index)
    if k:
        status = privacy.suppress_column(counts, k)
        hidden = status != privacy.SHOWN
        labels[hidden] = [privacy.display(None, s, k) for s in status[hidden]]
        values = values.where(~hidden)
    return pd.DataFrame({"district_id": ids.to_numpy(), "count": counts.to_numpy(),
                         "value": values.to_numpy(), "label": labels.to_numpy(),
                         "hidden": hidden.to_numpy()})


def district_detail_rows(grid: pd.DataFrame, districts: pd.DataFrame, catalog: Catalog,
                         district_id, latest: pd.Timestamp, weeks: int, lang: str,
                         k: int | None = None) -> list[list[str]]:
    """Map page, one district: per indicator the period, per 10 000, the period before and
    the share of the city, as text. Restricted views: person-related indicators one week at
    a time, suppressed per column exactly as in the map table (a hidden count hides its
    rate and share too; the share times the shown city total would give it back)."""
    pop = districts.set_index("district_id")["population"]
    rows = []
    for ind in catalog:
        kk = k if ind.person_related else None
        span = 1 if weekly_only(ind.person_related, k) else weeks
        now = map_values(grid, districts, ind.key, latest, span, False)
        prev = map_values(grid, districts, ind.key, latest - pd.Timedelta(days=7 * span),
                          span, False)
        rate = trends.rate_per_10k(now, pop)
        total = now.sum()
        cells = [now.get(district_id), rate.get(district_id), prev.get(district_id),
                 now.get(district_id) / total if total else None]
        text = [("–" if v is None or pd.isna(v) else
                 fmt_percent(v, lang, signed=False) if d is None else fmt_number(v, lang, d))
                for v, d in zip(cells, [0, 1, 0, None])]
        if kk:
            for i, series in ((0, now), (2, prev)):
                status = privacy.suppress_column(series.reindex(districts["district_id"]), kk)
                text[i] = privacy.display(series.get(district_id), status.get(district_id, ""),
                                          kk, lambda v: fmt_number(v, lang))
            if text[0] in (f"< {kk}", "×"):
                text[1], text[3] = text[0], text[0]
            elif privacy.total_status(now.reindex(districts["district_id"]), kk) \
                    != privacy.SHOWN:
                text[3] = "×"        # a share would give the hidden city total back
        label = ind.label(lang)
        if span != weeks:
            label += f" ({trends.iso_label(latest, lang)})"
        rows.append([label, *text])
    return rows


ROW_PX, CHAR_PX, PAD_PX, MAX_COL_PX = 35, 8, 28, 360
MAX_ROWS_WITHOUT_SCROLL = 25
PAGE_PX = 1100          # about the width of the main column on a laptop screen


def column_widths(frame: pd.DataFrame, index: bool = False) -> dict[str, int]:
    """Pixel width per column so that no header is cut off ("Schnelltests positi…") and
    short cells show whole; long texts are capped at ``MAX_COL_PX``. Key "_index" for the
    index when ``index``."""
    def width(header, cells) -> int:
        longest = max([len(str(header))] + [len(str(c)) for c in cells])
        return min(MAX_COL_PX, PAD_PX + CHAR_PX * longest)
    out = {str(c): width(c, frame[c].head(200)) for c in frame.columns}
    if index:
        out["_index"] = width(frame.index.name or "", frame.index[:200])
    return out


def table_height(n_rows: int) -> int | str:
    """Height showing every row (up to ``MAX_ROWS_WITHOUT_SCROLL``): 15 districts must not
    read as 10 with no hint to scroll; longer tables keep Streamlit's height and a caption."""
    return ROW_PX * (n_rows + 1) + 3 if n_rows <= MAX_ROWS_WITHOUT_SCROLL else "auto"


STALE_DAYS = 14


def data_status(last_report, report_week, today: date, lang: str = "de") -> tuple[str, str | None]:
    """(line, warning): how current the data of a city is, and a warning when its newest
    report is more than ``STALE_DAYS`` days older than ``today`` (else None).

    >>> line, warn = data_status(date(2026, 11, 29), pd.Timestamp("2026-11-23"),
    ...                          date(2026, 12, 2))
    >>> line
    'Datenstand: letzte Meldung 29.11.2026; Berichtswoche KW 48/2026 (23.11.2026 – 29.11.2026).'
    >>> warn is None
    True
    >>> data_status(date(2026, 11, 15), None, date(2026, 12, 4))[1][:38]
    'Die neueste Meldung ist 19 Tage alt (h'
    """
    if last_report is None or pd.isna(last_report):
        return t("app.no_data", lang), None
    last = pd.Timestamp(last_report)
    if report_week is None or pd.isna(report_week):
        line = t("data_status.no_week", lang, last=fmt_date(last, lang))
    else:
        week = pd.Timestamp(report_week)
        line = t("data_status.text", lang, last=fmt_date(last, lang),
                 week=trends.iso_label(week, lang), start=fmt_date(week, lang),
                 end=fmt_date(week + pd.Timedelta(days=6), lang))
    age = (pd.Timestamp(today) - last.normalize()).days
    warning = t("data_status.stale", lang, days=age, today=fmt_date(today, lang)) \
        if age > STALE_DAYS else None
    return line, warning
