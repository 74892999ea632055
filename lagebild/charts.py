"""Pure chart builders: frames in, plotly Figures out (no Streamlit, no database)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lagebild.analytics.trends import iso_label

# Colour-blind-safe qualitative palette (Okabe–Ito), distinguishable in b/w by dash style.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]


def weekly_lines(series: pd.DataFrame, *, title: str, y_title: str, lang: str = "de",
                 band: pd.DataFrame | None = None,
                 markers: pd.DataFrame | None = None) -> go.Figure:
    """One line per ``label`` over ``week`` (columns: label, week, count).

    ``band`` (optional; columns week, expected, upperbound, alarm) adds the expected value, the
    upper bound as a shaded band and alarm markers for the first label.
    ``markers`` (optional; columns date, label, text) draws a dotted vertical line with a
    short label at each date inside the charted weeks (measures at their implementation).
    Missing weeks (nobody reported) are gaps, not zeros.
    """
    fig = go.Figure()
    for i, (label, part) in enumerate(series.groupby("label", sort=False)):
        part = part.sort_values("week")
        fig.add_trace(go.Scatter(
            x=part["week"], y=part["count"], name=str(label), mode="lines",
            line={"color": COLOURS[i % len(COLOURS)], "dash": DASHES[i % len(DASHES)]},
            customdata=[iso_label(w, lang) for w in part["week"]],
            hovertemplate="%{customdata}: %{y}<extra>%{fullData.name}</extra>",
            connectgaps=False))
    if band is not None and not band.empty:
        _add_band(fig, band, lang)
    if markers is not None and not markers.empty and not series.empty:
        _add_markers(fig, markers, pd.to_datetime(series["week"]))
    fig.update_layout(
        title=title, yaxis_title=y_title, xaxis_title="Woche" if lang == "de" else "Week",
        hovermode="x unified", legend={"orientation": "h", "y": -0.2},
        margin={"l": 40, "r": 10, "t": 50, "b": 40}, separators=",." if lang == "de" else ".,")
    fig.update_yaxes(rangemode="tozero")
    # weeks as ISO weeks, not English month names ("Mar", "May", "Oct"); d3 knows %V/%G
    fig.update_xaxes(tickformat="KW %V/%G" if lang == "de" else "W%V/%G")
    _whole_number_axis(fig, series["count"] if "count" in series else pd.Series(dtype=float))
    return fig


def _whole_number_axis(fig: go.Figure, counts: pd.Series) -> None:
    """Counts have whole-number ticks: no "0,5 Todesfälle" (#15). Small maxima get a tick at
    every whole number, larger ones plotly's own (whole) steps, printed without decimals."""
    v = pd.to_numeric(counts, errors="coerce").dropna()
    if v.empty or not (v == v.round()).all():
        return
    fig.update_yaxes(tickformat=",d")
    if v.max() <= 5:
        fig.update_yaxes(tick0=0, dtick=1)


def _add_band(fig: go.Figure, band: pd.DataFrame, lang: str) -> None:
    b = band.sort_values("week")
    de = lang == "de"
    if b["expected"].notna().any() or b["upperbound"].notna().any():
        _add_expected(fig, b, de)
    alarms = b[b["alarm"].fillna(False).astype(bool)]
    fig.add_trace(go.Scatter(x=alarms["week"], y=alarms["observed"], mode="markers",
                             marker={"symbol": "x", "size": 11, "color": "#D55E00"},
                             name="Warnung" if de else "Alert"))


def _add_expected(fig: go.Figure, b: pd.DataFrame, de: bool) -> None:
    fig.add_trace(go.Scatter(x=b["week"], y=b["upperbound"], mode="lines",
                             line={"width": 0}, name="Warnschwelle" if de else "Threshold",
                             showlegend=False, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=b["week"], y=b["expected"], mode="lines", fill="tonexty",
                             fillcolor="rgba(120,120,120,0.2)", line={"color": "#666", "dash": "dot"},
                             name="erwartet / Warnschwelle" if de else "expected / threshold"))


def _add_markers(fig: go.Figure, markers: pd.DataFrame, weeks: pd.Series) -> None:
    """(#6) Measures as dotted vertical lines; texts escaped (plotly renders some HTML)."""
    from html import escape
    lo, hi = weeks.min(), weeks.max() + pd.Timedelta(days=6)
    for m in markers.itertuples(index=False):
        when = pd.Timestamp(m.date)
        if not lo <= when <= hi:
            continue
        fig.add_shape(type="line", x0=when, x1=when, y0=0, y1=1, yref="paper",
                      line={"color": "#0072B2", "dash": "dot", "width": 1.5})
        fig.add_annotation(x=when, y=1, yref="paper", text=escape(str(m.label)),
                           hovertext=escape(str(m.text)), showarrow=False, textangle=-90,
                           xanchor="left", yanchor="top", font={"size": 10, "color": "#0072B2"})
