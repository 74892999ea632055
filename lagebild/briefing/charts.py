"""Static images of the briefing, rendered locally with matplotlib (no network, no browser).

Readable in black and white: the map carries a hatch pattern and a symbol per Ampel colour
(▲ red, ◆ yellow, ● green, ○ grey), the trend lines differ by line style and marker.
Only the object-oriented matplotlib API is used (thread-safe enough for Streamlit).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from lagebild.analytics.trends import iso_label  # noqa: E402

# colour, hatch, symbol per Ampel colour (Okabe–Ito like lagebild.alerts.views)
STYLE = {"red": ("#D55E00", "xxx", "▲"), "yellow": ("#F0E442", "///", "◆"),
         "green": ("#009E73", "", "●"), "grey": ("#DDDDDD", "...", "○")}
ORDER = ("red", "yellow", "green", "grey")


def _png(fig: Figure, dpi: int = 130) -> bytes:
    """PNG without alpha channel (fpdf2 embeds RGB faster); margins are set by the caller
    (``bbox_inches="tight"`` would draw the figure twice)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white",
                pil_kwargs={"optimize": False})
    from PIL import Image
    buf.seek(0)
    with Image.open(buf) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, format="PNG", compress_level=6)
    return out.getvalue()


def alert_map_png(districts, colours: pd.Series, legend: dict[str, str], title: str) -> bytes:
    """Districts filled by Ampel colour with hatch and symbol; ``colours``: district_id →
    'red'/'yellow'/'green'/'grey' (missing = grey); ``legend``: colour → label."""
    fig = Figure(figsize=(6.4, 6.4))
    ax = fig.add_subplot()
    gdf = districts.copy()
    gdf["ampel"] = [colours.get(d, "grey") for d in gdf["district_id"]]
    if gdf.crs is not None and gdf.crs.is_geographic:
        from lagebild.geo import metric_crs
        gdf = gdf.to_crs(metric_crs(gdf))
    for colour in ORDER:
        part = gdf[gdf["ampel"] == colour]
        if len(part):
            face, hatch, _ = STYLE[colour]
            part.plot(ax=ax, color=face, hatch=hatch, edgecolor="black", linewidth=0.8)
    for row in gdf.itertuples(index=False):
        if row.geometry is None or row.geometry.is_empty:
            continue
        p = row.geometry.representative_point()
        ax.annotate(f"{STYLE[row.ampel][2]} {row.name}", (p.x, p.y), ha="center", va="center",
                    fontsize=6.5, bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                        "ec": "none", "alpha": 0.85})
    handles = [Patch(facecolor=STYLE[c][0], hatch=STYLE[c][1], edgecolor="black",
                     label=f"{STYLE[c][2]} {legend.get(c, c)}") for c in ORDER]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2,
              fontsize=8, frameon=False, handleheight=1.6, handlelength=2.4)
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.subplots_adjust(left=0.01, right=0.99, top=0.94, bottom=0.13)
    return _png(fig)


def trend_png(series: pd.DataFrame, *, title: str, y_title: str, lang: str = "de",
              threshold: pd.DataFrame | None = None, markers: pd.DataFrame | None = None,
              threshold_label: str = "", observed_label: str = "") -> bytes:
    """Weekly counts (columns week, count; NaN = not reported, a gap) as a black line with
    dots, the yellow threshold (columns week, upper) dashed, measure markers (date, label)
    as dotted vertical lines with their short title."""
    fig = Figure(figsize=(7.2, 2.6))
    ax = fig.add_subplot()
    s = series.sort_values("week")
    ax.plot(pd.to_datetime(s["week"]), s["count"], color="black", linestyle="-", marker="o",
            markersize=2.5, linewidth=1.2, label=observed_label or None)
    if threshold is not None and len(threshold):
        th = threshold.sort_values("week")
        ax.plot(pd.to_datetime(th["week"]), th["upper"], color="#555555", linestyle="--",
                linewidth=1.0, label=threshold_label or None)
    if markers is not None and len(markers):
        lo, hi = pd.to_datetime(s["week"]).min(), pd.to_datetime(s["week"]).max()
        top = ax.get_ylim()[1]
        for m in markers.itertuples(index=False):
            when = pd.Timestamp(m.date)
            if lo <= when <= hi + pd.Timedelta(days=6):
                ax.axvline(when, color="#0072B2", linestyle=":", linewidth=1.2)
                ax.text(when, top, " " + str(m.label), rotation=90, va="top", ha="left",
                        fontsize=6, color="#0072B2")
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_ylabel(y_title, fontsize=7)
    ax.set_ylim(bottom=0)
    counts = pd.to_numeric(s["count"], errors="coerce").dropna()
    if len(counts) and (counts == counts.round()).all():      # counts: whole-number ticks
        from matplotlib.ticker import MaxNLocator
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(top=max(ax.get_ylim()[1], 1))
    ax.tick_params(labelsize=6.5)
    ticks = list(pd.to_datetime(s["week"]))[::max(1, len(s) // 6)]
    ax.set_xticks(ticks, [iso_label(w, lang) for w in ticks])
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    if observed_label or threshold_label:
        ax.legend(fontsize=6.5, loc="upper left", frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.08, right=0.99, top=0.88, bottom=0.12)
    return _png(fig)
