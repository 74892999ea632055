"""Warnungen berechnen und speichern: Wochenraster → Signale → Episoden → Datenbank.

Wann wird gerechnet? Nach jeder Datenänderung, einmal je Stadt, nicht beim Seitenaufruf:
``lagebild demo`` (am Ende von ``seed.create_demo``), ``lagebild alerts --refresh``, der
Import/Rückzug eines Uploads (``importer``) – und als Sicherheitsnetz, wenn die gespeicherten
Signale nicht mehr zur Datenversion passen (:func:`is_stale`: neuere Upload-/Grenzänderung im
Audit-Log oder geänderte ``alerts.toml``). Seiten lesen nur die gespeicherten Signale.

Die Stadt wird intern mit ``trends.CITY`` als district_id geführt, in der Datenbank als NULL.
"""

from __future__ import annotations

import hashlib
import logging

import pandas as pd

from lagebild import geo
from lagebild.access import AccessDenied, Actor
from lagebild.alerts.config import AlertConfig, load_alert_config
from lagebild.alerts.level import level
from lagebild.analytics import trends
from lagebild.analytics.daily import COLUMNS as DAILY_COLUMNS
from lagebild.analytics.daily import daily_signals
from lagebild.analytics.escalation import Escalation, episodes, merge_episodes
from lagebild.analytics.neighbours import watch_list
from lagebild.analytics.signals import compute_signals
from lagebild.catalog import Catalog, load_catalog
from lagebild.store import Store

CITY = trends.CITY


def source_version(store: Store, actor: Actor, city: str, catalog: Catalog,
                   config: AlertConfig) -> str:
    """Datenstand | Regeln | Katalog: ändert sich einer, sind gespeicherte Signale veraltet."""
    cat = hashlib.sha256(repr([(i.key, i.person_related) for i in catalog]).encode())
    return (f"{store.alert_source_version(actor, city)}|{config.digest}|"
            f"{cat.hexdigest()[:12]}")


def is_stale(store: Store, actor: Actor, city: str, catalog: Catalog,
             config: AlertConfig) -> bool:
    run = store.alert_run(actor, city)
    return run is None or run["source_version"] != source_version(store, actor, city, catalog,
                                                                  config)


def compute(store: Store, actor: Actor, city: str, catalog: Catalog,
            config: AlertConfig) -> pd.DataFrame:
    """Signale aller Reihen der Stadt aus den aktuellen Meldungen (nichts wird geschrieben)."""
    dist = store.districts(actor, city)
    grid = trends.weekly_grid(store.weekly_counts(actor, city), list(dist["district_id"]),
                              catalog.keys, store.coverage(actor, city))
    codes = dist.set_index("district_id")["code"].to_dict()

    def rules_for(indicator, district_id):
        if district_id == CITY:
            return config.rules(indicator, city=True)
        return config.rules(indicator, codes.get(district_id))

    return compute_signals(grid, rules_for, dist.set_index("district_id")["population"])


def refresh_alerts(store: Store, actor: Actor, city: str, catalog: Catalog | None = None,
                   config: AlertConfig | None = None) -> dict:
    """Signale neu berechnen und mit den Warnungs-Episoden speichern (eine Transaktion).

    Gespeicherte Warnungen behalten ID und Quittierung (Abgleich über die Wochen, siehe
    ``escalation.merge_episodes``). Rückgabe: Zähler (new, updated, retracted, signals) und
    ``source_version``. Rollen: admin, krisenstab, outreach (wer Daten ändert).
    """
    if actor.role not in Store.ALERT_WRITE_ROLES:
        raise AccessDenied(f"Die Rolle '{actor.role}' darf nicht: Warnungen neu berechnen.")
    catalog = catalog or load_catalog()
    config = config or load_alert_config(catalog=catalog)
    version = source_version(store, actor, city, catalog, config)
    signals = compute(store, actor, city, catalog, config)
    fresh = episodes(signals, config.general["end_after_green_weeks"])
    stored = _from_db(store.alert_episodes(actor, city))
    plan = merge_episodes(stored, fresh)
    plan = {"update": _to_db(plan["update"]), "insert": _to_db(plan["insert"]),
            "retract": plan["retract"]}
    daily = compute_daily(store, actor, city, config)                    # (#17)
    counts = store.save_alerts(actor, city, _to_db(signals), plan, version, daily=daily)
    return {**counts, "source_version": version}


def refresh_after_change(store: Store, actor: Actor, city: str,
                         catalog: Catalog | None = None) -> dict | None:
    """:func:`refresh_alerts` for the import/withdraw paths: never raises (the data change
    is already committed). On a problem (e.g. an invalid ``alerts.toml``) the signals stay
    stale and the next page view or ``lagebild alerts`` recomputes and shows the error."""
    try:
        return refresh_alerts(store, actor, city, catalog)
    except Exception as exc:  # noqa: BLE001 – logged, the import itself succeeded
        logging.getLogger(__name__).warning("Warnungen für %s nicht neu berechnet: %s",
                                            city, exc)
        return None


def load_signals(store: Store, actor: Actor, city: str) -> pd.DataFrame:
    """Die gespeicherten Signale (district_id der Gesamtstadt = ``trends.CITY``)."""
    df = _from_db(store.alert_signals(actor, city))
    df["week"] = pd.to_datetime(df["week"])
    return df


def load_episodes(store: Store, actor: Actor, city: str) -> pd.DataFrame:
    df = _from_db(store.alert_episodes(actor, city))
    for col in ("first_week", "last_week", "peak_week", "end_week"):
        df[col] = pd.to_datetime(df[col])
    return df


def _to_db(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    ids = out["district_id"].astype(object)
    out["district_id"] = pd.array([None if d == CITY else int(d) for d in ids], dtype="Int64")
    return out


def _from_db(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["district_id"] = [CITY if pd.isna(d) else int(d) for d in out["district_id"]]
    return out.astype({"district_id": object})


def latest_week(signals: pd.DataFrame) -> pd.Timestamp | None:
    """Die jüngste vollständig gemeldete Woche (wie die Übersicht sie vorwählt)."""
    full = signals[(signals["reported_days"] >= 7) & signals["observed"].notna()]
    return None if full.empty else pd.Timestamp(full["week"].max())


def week_picture(signals: pd.DataFrame, week, config: AlertConfig,
                 pairs: pd.DataFrame, daily: pd.DataFrame | None = None
                 ) -> tuple[Escalation, pd.DataFrame, pd.DataFrame]:
    """(Lagestufe, Signale der Woche, Nachbarschaftswarnungen) für ``week``."""
    week = pd.Timestamp(week)
    cells = signals[signals["week"] == week]
    return level(signals, week, config, daily), cells, watch_list(cells, pairs)


# ------------------------------------------------------------------ daily signals (#17)
def compute_daily(store: Store, actor: Actor, city: str, config: AlertConfig) -> pd.DataFrame:
    """Spikes and significant space-time clusters of the last 7 reported days
    (:func:`analytics.daily.daily_signals`) on district centroids in the city's metric CRS;
    nothing is written."""
    _, last = store.date_range(actor, city)
    dist = store.districts(actor, city)
    if last is None or dist.empty:
        return pd.DataFrame(columns=DAILY_COLUMNS)
    indicators = sorted({r.indicator for r in config.spikes}
                        | set(config.daily["scan_indicators"]))
    start = pd.Timestamp(last) - pd.Timedelta(days=max(config.daily["study_days"], 14) - 1)
    daily = store.daily_counts(actor, city, indicators, start.date(), last)
    centres = dist.to_crs(geo.metric_crs(dist)).geometry.representative_point()
    centroids = pd.DataFrame({"district_id": dist["district_id"].astype(int).to_numpy(),
                              "x": centres.x.to_numpy(), "y": centres.y.to_numpy()})
    return daily_signals(daily, centroids, config.spikes, config.daily)


def load_daily(store: Store, actor: Actor, city: str) -> pd.DataFrame:
    """The stored daily signals (``start_day``/``end_day`` as timestamps)."""
    df = store.daily_signals(actor, city)
    for col in ("start_day", "end_day"):
        df[col] = pd.to_datetime(df[col])
    return df
