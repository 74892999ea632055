"""Page helpers: daily signals of the last 7 reported days (#17) – the "Letzte 7 Tage" strip
(overview, alert page) and the cluster circles on the map."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lagebild import maps
from lagebild.analytics.daily import district_of
from lagebild.alerts.daily_text import daily_lines
from lagebild.measures.views import fmt_date
from lagebild.ui._alerts import daily_signals
from lagebild.ui._core import cached_read, catalog, districts, lang, md, small_count_k, t
from lagebild.ui._maps import display_districts


def last_7_days(city: str) -> dict:
    """Heading, caption and the reasons in words (restricted wording for restricted roles)."""
    daily = daily_signals(city)
    _, last = cached_read("date_range", city)
    day = fmt_date(last, lang())
    lines = daily_lines(daily, districts(city), catalog(), lang(), small_count_k())
    return {"heading": t("daily.heading"), "caption": t("daily.caption", day=day),
            "lines": [(kind, md(text)) for kind, text in lines],
            "none": t("daily.none", day=day)}


def show_last_7_days(city: str) -> None:
    """The strip: a red line per cluster, an orange one per spike, or "keine Auffälligkeit"."""
    info = last_7_days(city)
    st.subheader(info["heading"])
    st.caption(info["caption"])
    if not info["lines"]:
        st.success(info["none"], icon=":material/check_circle:")
        return
    for kind, text in info["lines"]:
        (st.error if kind == "cluster" else st.warning)(
            text, icon=":material/hub:" if kind == "cluster" else ":material/trending_up:")


def add_daily_clusters(m, city: str, indicator: str) -> int:
    """Draw the clusters of ``indicator`` as circles on the map; returns how many."""
    daily = daily_signals(city)
    daily = daily[(daily["kind"] == "cluster") & (daily["indicator"] == indicator)]
    if daily.empty:
        return 0
    dist = display_districts(city).set_index("district_id")
    centres = dist.geometry.representative_point()
    texts = [text for _, text in daily_lines(daily, districts(city), catalog(), lang(),
                                             small_count_k())]
    rows = []
    for i, r in enumerate(daily.itertuples(index=False)):
        centre = centres.get(int(r.centre_id)) if not pd.isna(r.centre_id) else \
            centres.get(district_of(r.district_ids))
        if centre is None:
            continue
        rows.append({"lat": centre.y, "lon": centre.x, "radius_m": r.radius_m or 0.0,
                     "label": texts[i]})
    maps.add_clusters(m, pd.DataFrame(rows, columns=["lat", "lon", "radius_m", "label"]))
    if rows:
        st.caption(t("daily.map_caption"))
    return len(rows)
