"""View models of the alerts feature: signals/episodes → what the pages show (translated).

Pure functions (no Streamlit, no database). The Ampel cells carry symbol + word ("▲ rot"),
so they read without colour, for colour-blind people and in black and white; the colours
(Okabe–Ito) are only an addition via the pandas Styler.
"""

from __future__ import annotations

import pandas as pd

from lagebild.alerts import text as alert_text
from lagebild.analytics.trends import CITY, iso_label
from lagebild.i18n import t

# background, text colour per Ampel colour (Okabe–Ito hues: vermillion, yellow, bluish green;
# red darkened and green lightened so that text contrast is ≥ 4.5:1 and red/yellow stand out)
STYLE = {"red": ("#B84A00", "#ffffff"), "yellow": ("#F0E442", "#000000"),
         "green": ("#CDEBDD", "#00513B"), "grey": ("#E4E4E4", "#333333")}
MAP_NO_DATA = "#f0f0f0"


def names_with_city(districts: pd.DataFrame, lang: str) -> dict:
    names = districts.set_index("district_id")["name"].to_dict()
    names[CITY] = t("app.city_total", lang)
    return names


def ampel_matrix(cells: pd.DataFrame, watch: pd.DataFrame, districts: pd.DataFrame, catalog,
                 lang: str = "de") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(Texte, Farbcodes): Gesamtstadt, dann Stadtteile nach Namen × Indikatoren, dazu die
    Spalte „Nachbarschaft“ (Nachbar eines roten Stadtteils)."""
    names = names_with_city(districts, lang)
    order = [CITY] + list(districts.sort_values("name")["district_id"])
    labels = {i.key: i.label(lang) for i in catalog}
    text = pd.DataFrame(index=order, columns=list(labels.values()), dtype=object)
    codes = pd.DataFrame(index=order, columns=list(labels.values()), dtype=object)
    for row in cells.to_dict("records"):
        if row["indicator"] in labels and row["district_id"] in text.index:
            col = labels[row["indicator"]]
            text.loc[row["district_id"], col] = alert_text.cell_text(row["colour"], row["cause"],
                                                                     lang, row)
            codes.loc[row["district_id"], col] = row["colour"]
    neighbour = t("alerts.overview.neighbour_column", lang)
    text[neighbour] = [_watch_cell(d, watch, names, labels, lang) for d in order]
    codes[neighbour] = None
    text = text.fillna("–")
    text.index = [names.get(d, str(d)) for d in order]
    codes.index = text.index
    text.index.name = codes.index.name = t("app.district", lang)
    return text, codes


def _watch_cell(district_id, watch: pd.DataFrame, names, labels, lang) -> str:
    mine = watch[watch["district_id"] == district_id]
    if mine.empty:
        return ""
    sources = [(src, list(part["indicator"])) for src, part in mine.groupby("source_id")]
    return alert_text.watch_text(sources, names, labels, lang)


def styled(text: pd.DataFrame, codes: pd.DataFrame):
    """pandas Styler: Hintergrund und Schriftfarbe je Ampelfarbe."""
    def css(code):
        if code not in STYLE:
            return ""
        bg, fg = STYLE[code]
        return f"background-color: {bg}; color: {fg}"
    return text.style.apply(lambda _: codes.map(css), axis=None)


def hot_cells(cells: pd.DataFrame, names: dict, catalog) -> pd.DataFrame:
    """The yellow/red cells, red first, the whole city first, then catalogue order, name."""
    hot = cells[cells["colour"].isin(["red", "yellow"])].copy()
    hot["_r"] = hot["colour"].map({"red": 0, "yellow": 1})
    hot["_c"] = hot["district_id"] != CITY
    hot["_o"] = hot["indicator"].map({i.key: n for n, i in enumerate(catalog)})
    hot["_n"] = hot["district_id"].map(lambda d: str(names.get(d, d)))
    return hot.sort_values(["_r", "_c", "_o", "_n"]).drop(columns=["_r", "_c", "_o"])


def reason_lines(cells: pd.DataFrame, districts: pd.DataFrame, catalog, lang: str = "de",
                 k: int | None = None) -> list[tuple[str, str, dict]]:
    """(Farbe, Grund in Worten, Signalzeile) für jede gelbe/rote Zelle (Ordnung wie
    :func:`hot_cells`); ``k``: eingeschränkte Ansicht (kleine Zahlen ohne Zahl)."""
    lines = []
    for row in hot_cells(cells, names_with_city(districts, lang), catalog).to_dict("records"):
        ind = catalog[row["indicator"]]
        lines.append((row["colour"], alert_text.reason(
            row, ind.label(lang), row["_n"], lang, k, ind.person_related,
            city=row["district_id"] == CITY), row))
    return lines


def map_colours(cells: pd.DataFrame, indicator: str, lang: str = "de"
                ) -> tuple[pd.Series, list[tuple[str, str]]]:
    """Karten-Farben je district_id (ohne Gesamtstadt) und die Legende (Symbol + Wort)."""
    part = cells[(cells["indicator"] == indicator) & (cells["district_id"] != CITY)]
    colours = pd.Series({d: STYLE[c][0] for d, c in zip(part["district_id"], part["colour"])},
                        dtype=object)
    legend = [(STYLE[c][0], alert_text.cell_text(c, lang=lang))
              for c in ("red", "yellow", "green", "grey")]
    return colours, legend


def band(signals: pd.DataFrame, district_id, indicator: str, weeks: int,
         hide_below: int | None = None) -> pd.DataFrame:
    """Band für ``charts.weekly_lines``: week, expected, upperbound (Gelb-Schwelle), alarm
    (gelbe oder rote Woche), observed – die letzten ``weeks`` Wochen. ``hide_below`` (k der
    eingeschränkten Ansicht, nur bei personenbezogenen Indikatoren): Zahlen 1 … k−1 werden
    nicht markiert, und Erwartung und Schwelle entfallen ganz – sie sind Mittel früherer
    Wochen, aus denen sich eine ausgeblendete Woche zurückrechnen ließe (#15)."""
    sel = signals[(signals["district_id"] == district_id) & (signals["indicator"] == indicator)]
    if sel.empty:
        return pd.DataFrame(columns=["week", "expected", "upperbound", "alarm", "observed"])
    sel = sel[sel["week"] >= sel["week"].max() - pd.Timedelta(days=7 * (weeks - 1))]
    observed = sel["observed"].astype(float)
    if hide_below:
        observed = observed.mask((observed >= 1) & (observed <= hide_below - 1))
    expected, upper = sel["expected"].astype(float), sel["upper_yellow"].astype(float)
    if hide_below:
        expected, upper = expected * float("nan"), upper * float("nan")
    return pd.DataFrame({"week": sel["week"].to_numpy(), "expected": expected.to_numpy(),
                         "upperbound": upper.to_numpy(),
                         "alarm": sel["colour"].isin(["red", "yellow"]).to_numpy()
                         & observed.notna().to_numpy(),
                         "observed": observed.to_numpy()})


def alert_status(row) -> str:
    if row["state"] == "retracted":
        return "retracted"
    if row["state"] == "ended":
        return "ended"
    return "acknowledged" if pd.notna(row["acknowledged_by"]) else "open"


def alert_table(episodes: pd.DataFrame, signals: pd.DataFrame, districts: pd.DataFrame,
                catalog, lang: str = "de") -> pd.DataFrame:
    """The Warnungen list: one row per alert with status, weeks, highest light, reason (of the
    strongest week) and acknowledgement; ``episodes`` already filtered."""
    names = names_with_city(districts, lang)
    peak = signals.set_index(["district_id", "indicator", "week"])
    rows = []
    for ep in episodes.to_dict("records"):
        ind = catalog[ep["indicator"]] if ep["indicator"] in catalog else None
        label = ind.label(lang) if ind else ep["indicator"]
        key = (ep["district_id"], ep["indicator"], pd.Timestamp(ep["peak_week"]))
        reason = ""
        if key in peak.index:
            row = peak.loc[key].to_dict() | {"week": key[2]}
            reason = alert_text.reason(row, label, str(names.get(ep["district_id"], "")), lang,
                                       city=ep["district_id"] == CITY)
        ack = ""
        if pd.notna(ep["acknowledged_by"]):
            ack = t("alerts.page.ack_by", lang, user=ep["acknowledged_by"],
                    date=pd.Timestamp(ep["acknowledged_at"]).strftime(
                        "%d.%m.%Y" if lang == "de" else "%Y-%m-%d"))
        rows.append([int(ep["alert_id"]), t(f"alerts.status.{alert_status(ep)}", lang), label,
                     names.get(ep["district_id"], str(ep["district_id"])),
                     iso_label(ep["first_week"], lang), iso_label(ep["last_week"], lang),
                     alert_text.cell_text(ep["peak_colour"], lang=lang), reason, ack,
                     ep["ack_comment"] or ""])
    cols = ["col_id", "status", "indicator", "district", "col_first", "col_last", "col_peak",
            "col_reason", "col_ack", "col_comment"]
    return pd.DataFrame(rows, columns=[t(f"alerts.page.{c}", lang) for c in cols])


def filter_episodes(episodes: pd.DataFrame, statuses=(), indicators=(), districts=(),
                    since=None) -> pd.DataFrame:
    """Filter by status (open/acknowledged/ended/retracted), indicator keys, district ids
    (``trends.CITY`` for the whole city) and last week ≥ ``since``; empty filter = all."""
    out = episodes
    if len(out) and statuses:
        out = out[out.apply(alert_status, axis=1).isin(list(statuses))]
    if indicators:
        out = out[out["indicator"].isin(list(indicators))]
    if districts:
        out = out[out["district_id"].isin(list(districts))]
    if since is not None:
        out = out[pd.to_datetime(out["last_week"]) >= pd.Timestamp(since)]
    return out
