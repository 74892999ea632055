"""``lagebild alerts``: Lagestufe and alerts of a city for one ISO week, as text or JSON.

Examples::

    lagebild alerts --city Musterstadt                  # latest complete week
    lagebild alerts --city Musterstadt --week 2026-W46 --json
    lagebild alerts --city Musterstadt --refresh        # recompute and store first

Stored signals that no longer match the data or ``data/alerts.toml`` are recomputed and
stored automatically (a note goes to stderr). Exit code 0; 2 for unknown city/week or an
invalid ``alerts.toml``.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from lagebild.access import SYSTEM
from lagebild.config import get_settings
from lagebild.i18n import t
from lagebild.cli._common import fail, open_store

if TYPE_CHECKING:
    import pandas as pd

COUNT_KEYS = ("red", "yellow", "green", "grey")


def add_parser(sub) -> None:
    p = sub.add_parser("alerts", help="Lagestufe und Warnungen einer Stadt (Ampel, Gründe)")
    p.add_argument("--city", required=True, help="Name der Stadt")
    p.add_argument("--week", help="ISO-Woche, z. B. 2026-W46 (Standard: die jüngste "
                                  "vollständig gemeldete Woche)")
    p.add_argument("--json", action="store_true", help="Ausgabe als JSON")
    p.add_argument("--refresh", action="store_true",
                   help="Warnungen vorher neu berechnen und speichern")
    p.add_argument("--lang", choices=("de", "en"), help="Sprache der Texte (Standard: "
                                                       "Einstellung language)")
    p.add_argument("--db", help="Datenbankdatei (Standard: LAGEBILD_DB_PATH bzw. "
                                "data/lagebild.duckdb)")
    p.set_defaults(func=cmd_alerts)



def cmd_alerts(args) -> int:
    from lagebild.alerts import service as alerting
    from lagebild.alerts.config import AlertConfigError, load_alert_config
    from lagebild.catalog import load_catalog
    from lagebild.store import StoreError
    catalog = load_catalog()
    try:
        config = load_alert_config(catalog=catalog)
    except AlertConfigError as exc:
        return fail(str(exc), 2)
    store = open_store(args)
    try:
        try:
            stale = alerting.is_stale(store, SYSTEM, args.city, catalog, config)
        except StoreError as exc:
            return fail(str(exc), 2)
        if args.refresh or stale:
            counts = alerting.refresh_alerts(store, SYSTEM, args.city, catalog, config)
            print(f"Warnungen neu berechnet: {counts['new']} neu, {counts['updated']} "
                  f"aktualisiert, {counts['retracted']} zurückgenommen.", file=sys.stderr)
        report = build_report(store, args.city, args.week, catalog, config,
                              args.lang or get_settings().language)
    except (StoreError, ValueError) as exc:     # unknown city / week
        return fail(str(exc), 2)
    finally:
        store.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render_text(report, args.lang or get_settings().language))
    return 0


def _iso(week) -> str:
    import pandas as pd
    iso = pd.Timestamp(week).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _num(value):
    import pandas as pd
    return None if value is None or pd.isna(value) else round(float(value), 3)


def build_report(store, city: str, week_text: str | None, catalog, config, lang: str) -> dict:
    """The report printed by ``lagebild alerts`` (also the ``--json`` shape)."""
    from lagebild.alerts import text as alert_text, views as alert_views, service as alerting
    from lagebild.analytics.neighbours import neighbour_pairs
    from lagebild.analytics.trends import CITY, iso_label, parse_iso_week
    signals = alerting.load_signals(store, SYSTEM, city)
    if signals.empty:
        raise ValueError(f"Für {city} liegen keine Meldungen vor.")
    week = parse_iso_week(week_text) if week_text else alerting.latest_week(signals)
    if week is None or week not in set(signals["week"]):
        first, last = signals["week"].min(), signals["week"].max()
        raise ValueError(f"{week_text} liegt nicht in den Daten von {city} "
                         f"({iso_label(first)} bis {iso_label(last)}).")
    dist = store.districts(SYSTEM, city)
    pairs = neighbour_pairs(dist, config.general["neighbour_tolerance_m"])
    daily = alerting.load_daily(store, SYSTEM, city)                     # (#17)
    esc, cells, watch = alerting.week_picture(signals, week, config, pairs, daily)
    names = alert_views.names_with_city(dist, lang)
    codes = dist.set_index("district_id")["code"].to_dict()
    labels = {i.key: i.label(lang) for i in catalog}
    heading, reason = alert_text.level_texts(esc, week, names, labels, lang)
    from lagebild.drugcheck import alerts as drug                                  # (#18)
    esc, heading, reason, drugs = drug.apply(store, SYSTEM, city, week, esc, heading, reason,
                                             lang)
    episodes = alerting.load_episodes(store, SYSTEM, city)
    alerts = []
    for colour, text, row in alert_views.reason_lines(cells, dist, catalog, lang):
        ep = _episode_for(episodes, row["district_id"], row["indicator"], week)
        key = "upper_red" if colour == "red" else "upper_yellow"
        alerts.append({
            "alert_id": ep["alert_id"] if ep else None,
            "status": alert_views.alert_status(ep) if ep else None,
            "first_week": _iso(ep["first_week"]) if ep else None,
            "district": names.get(row["district_id"]),
            "district_code": None if row["district_id"] == CITY else codes.get(row["district_id"]),
            "indicator": row["indicator"], "indicator_label": labels[row["indicator"]],
            "colour": colour, "cause": row["cause"], "observed": _num(row["observed"]),
            "expected": _num(row["expected"]), "threshold": _num(row[key]),
            "method": row["method"], "reason": text})
    return {
        "city": city, "week": _iso(week), "week_label": iso_label(week, lang),
        "level": esc.level, "level_name": t(f"alerts.level.{esc.level}", lang),
        "level_heading": heading, "level_reason": reason,
        "rule": esc.rule.label(lang) if esc.rule else None,
        "counts": {c: int((cells["colour"] == c).sum()) for c in COUNT_KEYS},
        "alerts": alerts,
        "daily": _daily(daily, dist, catalog, lang),
        "drugcheck": [{"kind": r["kind"], "substance": r["substance"], "level": r["level"],
                       "reason": r["reason"]} for r in drugs.to_dict("records")],
        "neighbours": [{"district": names.get(r.district_id),
                        "district_code": codes.get(r.district_id), "indicator": r.indicator,
                        "indicator_label": labels.get(r.indicator, r.indicator),
                        "red_neighbour": names.get(r.source_id)}
                       for r in watch.itertuples(index=False)],
    }


def _daily(daily: pd.DataFrame, dist: pd.DataFrame, catalog, lang: str) -> list[dict]:
    """Spikes and clusters of the last 7 reported days (#17) with their reasons."""
    import pandas as pd
    from lagebild.analytics.daily import district_ids
    from lagebild.alerts.daily_text import daily_lines
    names = dist.set_index("district_id")["name"].to_dict()
    out = []
    for row, (kind, text) in zip(daily.to_dict("records"),
                                 daily_lines(daily, dist, catalog, lang)):
        out.append({"kind": kind, "indicator": row["indicator"],
                    "districts": [names.get(i) for i in district_ids(row["district_ids"])],
                    "start": str(pd.Timestamp(row["start_day"]).date()),
                    "end": str(pd.Timestamp(row["end_day"]).date()),
                    "observed": _num(row["observed"]), "expected": _num(row["expected"]),
                    "p_value": _num(row["p_value"]), "reason": text})
    return out


def _episode_for(episodes: pd.DataFrame, district_id, indicator: str, week) -> dict | None:
    mine = episodes[(episodes["district_id"] == district_id)
                    & (episodes["indicator"] == indicator)
                    & (episodes["first_week"] <= week) & (episodes["last_week"] >= week)
                    & (episodes["state"] != "retracted")]
    if mine.empty:
        return None
    row = mine.iloc[0].to_dict()
    row["alert_id"] = int(row["alert_id"])
    return row


def render_text(report: dict, lang: str = "de") -> str:
    from lagebild.alerts.text import SYMBOLS, watch_text
    lines = [f"{report['city']} – {report['week_label']}",
             f"{report['level_heading']} – {report['level_reason']}", ""]
    if not report["alerts"]:
        lines.append(t("alerts.overview.no_reasons", lang, week=report["week_label"]))
    for a in report["alerts"]:
        status = t(f"alerts.status.{a['status']}", lang) if a["status"] else ""
        ref = f" [Nr. {a['alert_id']}, {status}]" if a["alert_id"] else ""
        lines.append(f"{SYMBOLS[a['colour']]} {a['reason']}{ref}")
    by_district: dict = {}
    for n in report["neighbours"]:
        by_district.setdefault(n["district"], {}).setdefault(n["red_neighbour"], []).append(
            n["indicator_label"])
    for district, sources in by_district.items():
        lines.append(f"{district}: " + watch_text(list(sources.items()), {}, {}, lang))
    lines += ["▲ " + d["reason"] for d in report.get("drugcheck", [])]          # (#18)
    if report["daily"]:
        lines += ["", t("daily.heading", lang) + ":"]
        lines += [("▲ " if d["kind"] == "cluster" else "↑ ") + d["reason"]
                  for d in report["daily"]]
    return "\n".join(lines)
