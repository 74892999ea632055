"""Städtevergleich (#19): the network instance's view of the cities' share packages.

Pure functions: verified packages (:class:`lagebild.share.package.Package`) in, frames, plotly
figures and the meeting document (HTML) out. Only what the packages contain is shown; a
suppressed week is shown as such ("< k" in tables, an ✕ on the axis in charts), never as 0.
Every text that reaches HTML or a chart label is escaped.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from lagebild.i18n import fmt_number, t

LEVEL_COLOURS = {0: "#2e7d32", 1: "#f9a825", 2: "#ef6c00", 3: "#b71c1c"}


def esc(value) -> str:
    """HTML-escaped text (also for plotly labels, which understand a few HTML tags)."""
    return html.escape("" if value is None else str(value), quote=True)


def cities(packages: dict) -> pd.DataFrame:
    """One row per city: name, AGS, period, package date, k, district level yes/no."""
    rows = [{"city": p.city, "ags": p.manifest.get("ags"),
             "period_start": p.manifest.get("period_start"),
             "period_end": p.manifest.get("period_end"),
             "created_at": p.manifest.get("created_at"), "k": p.manifest.get("small_count_k"),
             "districts": bool(p.manifest.get("districts"))}
            for p in packages.values()]
    return pd.DataFrame(rows, columns=["city", "ags", "period_start", "period_end",
                                       "created_at", "k", "districts"]).sort_values("city")


def _stack(packages: dict, table: str) -> pd.DataFrame:
    frames = [p.tables[table].assign(city=p.city, k=p.manifest.get("small_count_k"))
              for p in packages.values() if len(p.tables[table])]
    if not frames:
        return pd.DataFrame(columns=["city", "week", "k"])
    out = pd.concat(frames, ignore_index=True)
    if "week" in out:
        out["week"] = pd.to_datetime(out["week"])
    return out


def city_rates(packages: dict) -> pd.DataFrame:
    """Weekly city-level rows of every package (city, indicator, week, count, rate, status)."""
    c = _stack(packages, "counts")
    return c[c["level"] == "stadt"].reset_index(drop=True) if "level" in c else c


def _cell(row, lang: str) -> str:
    if row["status"] == "":
        return fmt_number(row["rate_per_10k"], lang, 2) if pd.notna(row["rate_per_10k"]) \
            else t("network.no_population", lang)
    if row["status"] == "nicht gemeldet":
        return t("app.not_reported", lang)
    return t("network.suppressed_cell", lang, k=int(row["k"]))


def rate_table(rates: pd.DataFrame, indicator: str, lang: str = "de") -> pd.DataFrame:
    """Week × city: rate per 10 000 as text, "unterdrückt (< k)" or "nicht gemeldet"."""
    r = rates[rates["indicator"] == indicator]
    if r.empty:
        return pd.DataFrame()
    r = r.assign(text=[_cell(row, lang) for _, row in r.iterrows()],
                 kw=r["week"].dt.strftime("%G-W%V"))
    table = r.pivot_table(index="kw", columns="city", values="text", aggfunc="first")
    table.index.name = t("app.week", lang)
    table.columns.name = None
    return table.fillna("–")


def rate_figure(rates: pd.DataFrame, indicator: str, label: str, lang: str = "de") -> go.Figure:
    """Rates per 10 000 per week, one line per city; suppressed weeks as ✕ on the axis with
    the reason on hover (a gap in the line, not a zero)."""
    fig = go.Figure()
    r = rates[rates["indicator"] == indicator].sort_values("week")
    for city, part in r.groupby("city", sort=True):
        shown = part["status"] == ""
        fig.add_trace(go.Scatter(
            x=part["week"], y=part["rate_per_10k"].where(shown), mode="lines+markers",
            name=esc(city), connectgaps=False,
            hovertemplate="%{x|%G-W%V}: %{y:.2f}<extra>" + esc(city) + "</extra>"))
        hidden = part[part["status"].isin(["klein", "komplementär"])]
        if len(hidden):
            fig.add_trace(go.Scatter(
                x=hidden["week"], y=[0] * len(hidden), mode="markers",
                marker={"symbol": "x", "size": 10, "color": "#757575"},
                name=esc(t("network.suppressed_trace", lang, city=city)),
                hovertemplate="%{x|%G-W%V}: " + esc(t("network.suppressed_cell", lang,
                                                      k=int(hidden["k"].iloc[0])))
                + "<extra>" + esc(city) + "</extra>"))
    fig.update_layout(title=esc(label), yaxis_title=esc(t("network.rate_axis", lang)),
                      xaxis_title=esc(t("app.week", lang)), height=380,
                      margin={"l": 40, "r": 10, "t": 50, "b": 40}, legend={"orientation": "h"})
    return fig


def level_table(packages: dict, lang: str = "de") -> pd.DataFrame:
    """City × ISO week: the Lagestufe (0–3) of each city's package."""
    lv = _stack(packages, "levels")
    if lv.empty:
        return pd.DataFrame()
    lv = lv.assign(kw=lv["week"].dt.strftime("%G-W%V"))
    table = lv.pivot_table(index="city", columns="kw", values="level", aggfunc="first")
    table.index.name = t("network.city", lang)
    table.columns.name = None
    return table.astype("Int64")


def level_figure(packages: dict, lang: str = "de") -> go.Figure:
    """Lagestufe per city as a timeline (one row per city, colour = level, rule on hover)."""
    lv = _stack(packages, "levels")
    fig = go.Figure()
    if lv.empty:
        return fig
    rule = "rule_en" if lang == "en" else "rule_de"
    for level, colour in LEVEL_COLOURS.items():
        part = lv[lv["level"] == level]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["week"], y=[esc(c) for c in part["city"]], mode="markers",
            marker={"symbol": "square", "size": 16, "color": colour},
            name=esc(t("network.level_name", lang, level=level)),
            text=[esc(r) or esc(t("network.no_rule", lang)) for r in part[rule]],
            hovertemplate="%{x|%G-W%V}: %{text}<extra>%{y}</extra>"))
    fig.update_layout(height=120 + 40 * lv["city"].nunique(),
                      margin={"l": 40, "r": 10, "t": 30, "b": 40}, legend={"orientation": "h"})
    return fig


def measure_summary(packages: dict, bodies: dict, catalog, lang: str = "de") -> pd.DataFrame:
    """Measures by type (responsible body) and indicator across cities: how often tried, in
    how many cities, and the relative before/after change per city ("–" where withheld)."""
    m = _stack(packages, "measures")
    if m.empty or "type" not in m:
        return pd.DataFrame()
    m = m[m["indicator"].notna()]
    rows = []
    for (kind, ind), part in m.groupby(["type", "indicator"], sort=True):
        body = bodies.get(kind)
        effects = []
        for city, p in part.groupby("city", sort=True):
            vals = [f"{fmt_number(v, lang, 0)} %" for v in p["change_pct"].dropna()]
            effects.append(f"{city}: {', '.join(vals) if vals else '–'}")
        rows.append({
            t("network.col_type", lang): body.label(lang) if body else kind,
            t("app.indicator", lang): catalog[ind].label(lang) if ind in catalog.keys else ind,
            t("network.col_tried", lang): len(part),
            t("network.col_cities", lang): part["city"].nunique(),
            t("network.col_effects", lang): "; ".join(effects),
            t("network.col_median", lang): (f"{fmt_number(part['change_pct'].median(), lang, 0)} %"
                                            if part["change_pct"].notna().any() else "–"),
        })
    return pd.DataFrame(rows)


def positivity_table(packages: dict, lang: str = "de") -> pd.DataFrame:
    """Week × city: share of positive rapid tests ("12 % (3/25)")."""
    p = _stack(packages, "positivity")
    if p.empty or "share_pct" not in p:
        return pd.DataFrame()
    p = p.assign(kw=p["week"].dt.strftime("%G-W%V"),
                 text=[f"{fmt_number(s, lang, 0)} % ({fmt_number(pos, lang)}/{fmt_number(n, lang)})"
                       for s, pos, n in zip(p["share_pct"], p["positive"], p["tests"])],
                 col=p["city"] + " – " + p["substance"])
    table = p.pivot_table(index="kw", columns="col", values="text", aggfunc="first")
    table.index.name = t("app.week", lang)
    table.columns.name = None
    return table.fillna("–")


def report_sections(packages: dict, indicators: list[str], catalog, bodies: dict,
                    lang: str = "de") -> list[tuple[str, pd.DataFrame]]:
    """(heading, table) of the meeting document; tables have a named first column."""
    rates = city_rates(packages)
    out = []
    for ind in indicators:
        label = catalog[ind].label(lang)
        out.append((t("network.rates_heading", lang, indicator=label),
                    rate_table(rates, ind, lang).reset_index() if not rates.empty
                    else pd.DataFrame()))
    levels = level_table(packages, lang)
    out.append((t("network.levels_heading", lang),
                levels.T.rename_axis(t("app.week", lang)).reset_index() if not levels.empty
                else levels))
    out.append((t("network.measures_heading", lang),
                measure_summary(packages, bodies, catalog, lang)))
    out.append((t("network.positivity_heading", lang),
                positivity_table(packages, lang).reset_index()))
    return out


def _html_frame(frame: pd.DataFrame) -> str:
    if frame is None or frame.empty:
        return "<p>–</p>"
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
                   for row in frame.astype(object).itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def city_lines(packages: dict, lang: str = "de") -> list[str]:
    return [t("network.city_line", lang, city=r.city, start=r.period_start, end=r.period_end,
              created=r.created_at) for r in cities(packages).itertuples()]


def report_html(packages: dict, indicators: list[str], catalog, bodies: dict, today,
                lang: str = "de") -> str:
    """The meeting document: cities with the date of each package, rates per indicator,
    Lagestufe, measures, drug checking. Self-contained HTML, every value escaped."""
    parts = [f"<h1>{esc(t('network.report_title', lang))}</h1>",
             f"<p>{esc(t('network.report_intro', lang, date=today.strftime('%d.%m.%Y')))}</p>",
             f"<h2>{esc(t('network.cities_heading', lang))}</h2><ul>"]
    parts += [f"<li>{esc(line)}</li>" for line in city_lines(packages, lang)]
    parts.append("</ul>")
    for heading, frame in report_sections(packages, indicators, catalog, bodies, lang):
        parts.append(f"<h2>{esc(heading)}</h2>{_html_frame(frame)}")
    parts.append(f"<p><small>{esc(t('network.report_note', lang))}</small></p>")
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
             "margin-bottom:1.5em}td,th{border:1px solid #999;padding:2px 6px;font-size:12px}")
    return (f"<!DOCTYPE html><html lang=\"{esc(lang)}\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(t('network.report_title', lang))}</title><style>{style}</style>"
            f"</head><body>{''.join(parts)}</body></html>")


def report_pdf(packages: dict, indicators: list[str], catalog, bodies: dict, today,
               lang: str = "de") -> bytes:
    """The same document as PDF (fpdf2, A4 landscape, DejaVu Sans from the briefing)."""
    from fpdf import FPDF

    from lagebild.briefing.pdf import font_files
    regular, bold = font_files()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, t("network.report_title", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, t("network.report_intro", lang, date=today.strftime("%d.%m.%Y")),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 7, t("network.cities_heading", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    for line in city_lines(packages, lang):
        pdf.multi_cell(0, 5, "• " + line, new_x="LMARGIN", new_y="NEXT")
    for heading, frame in report_sections(packages, indicators, catalog, bodies, lang):
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 7)
        if frame is None or frame.empty:
            pdf.multi_cell(0, 5, "–", new_x="LMARGIN", new_y="NEXT")
            continue
        frame = frame.astype(object).where(frame.notna(), "–")
        for start in range(0, len(frame.columns) - 1, 12):      # wide tables in slices
            cols = [frame.columns[0], *frame.columns[1 + start:13 + start]]
            with pdf.table(text_align="LEFT", line_height=4) as table:
                table.row([str(c) for c in cols])
                for row in frame[cols].itertuples(index=False):
                    table.row([str(v) for v in row])
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(0, 4, t("network.report_note", lang), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
