"""Warnregeln aus ``data/alerts.toml``: laden, prüfen, je Indikator/Stadtteil auflösen.

Jeder Fehler ist ein :class:`AlertConfigError` mit deutscher Meldung, die Datei und
Schlüssel nennt. Aufbau und Bedeutung der Schlüssel: ``docs/alerts.md``.

>>> cfg = load_alert_config()
>>> r = cfg.rules("drogentodesfaelle")
>>> r.early_method, r.red.alpha, r.static.red
('ears_c2', 0.001, 2.0)
>>> cfg.rules("drogentodesfaelle", city=True).static.red
4.0
>>> [rule.level for rule in cfg.levels]
[1, 2, 3]
>>> [(s.indicator, s.area, s.min_count, s.hours) for s in cfg.spikes]
[('drogennotfaelle', 'district', 3, 24), ('drogennotfaelle', 'city', 5, 48), ('drogentodesfaelle', 'city', 2, 72)]
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lagebild.analytics.alerts import ears_c, farrington_flexible
from lagebild.analytics.spikes import SpikeRule
from lagebild.alerts.checks import (AlertConfigError, check_bool, check_number, check_table,
                                    fail, key_list)
from lagebild.config import DATA_DIR

DEFAULT_PATH = DATA_DIR / "alerts.toml"
EARLY = ("ears_c1", "ears_c2", "ears_c3")
LATE = {"farrington": "farrington", "noufaily": "noufaily", "keine": "none", "none": "none"}
COLOURS = {"gelb": "yellow", "rot": "red", "yellow": "yellow", "red": "red"}
EARS_KEYS = ("baseline", "min_sigma")
FARRINGTON_KEYS = ("b", "w", "reweight", "weights_threshold", "trend", "p_threshold_trend",
                   "limit54", "past_weeks_not_included")
STATIC_KEYS = ("yellow", "red", "yellow_rate", "red_rate")
SERIES_KEYS = ("early_method", "late_method", "farrington_from_weeks", "ears", "farrington",
               "red", "yellow")
AREAS = {"stadtteil": "district", "stadt": "city"}
SPIKE_KEYS = ("indicator", "area", "min_count", "hours")
# Ohne [[spike]] in der Datei gelten diese Regeln (Issue #17); `spike = []` schaltet sie ab.
DEFAULT_SPIKES = (
    {"indicator": "drogennotfaelle", "area": "stadtteil", "min_count": 3, "hours": 24},
    {"indicator": "drogennotfaelle", "area": "stadt", "min_count": 5, "hours": 48},
    {"indicator": "drogentodesfaelle", "area": "stadt", "min_count": 2, "hours": 72},
)
# [daily]: daily signals of the last 7 days (#17) – level they raise, the space-time scan.
DAILY_DEFAULTS = {"spike_level": 1, "cluster_level": 2, "cluster_p": 0.05,
                  "scan_indicators": ("drogennotfaelle",), "study_days": 365, "max_days": 7,
                  "max_radius_m": 3500.0, "replications": 999, "ears_min_count": 3}
GENERAL_DEFAULTS = {"min_reported_days": 7, "end_after_green_weeks": 2,
                    "neighbour_tolerance_m": 5.0}


@dataclass(frozen=True)
class Colour:
    alpha: float
    min_count: float


@dataclass(frozen=True)
class Static:
    """Feste Schwellen je Woche („mehr als“): Anzahl oder Rate je 10 000 Einwohner."""
    yellow: float | None = None
    red: float | None = None
    yellow_rate: float | None = None
    red_rate: float | None = None


@dataclass(frozen=True)
class SeriesRules:
    early_method: str
    late_method: str          # farrington | noufaily | none
    farrington_from_weeks: int
    ears: dict
    farrington: dict
    red: Colour
    yellow: Colour
    static: Static = Static()
    min_reported_days: int = 7


@dataclass(frozen=True)
class LevelRule:
    level: int
    label_de: str
    label_en: str
    colour: str               # yellow (= gelb oder rot) | red
    indicators: tuple[str, ...]
    min_districts: int = 1
    within_weeks: int = 1
    include_city: bool = True

    def label(self, lang: str = "de") -> str:
        return self.label_en if lang == "en" else self.label_de


@dataclass(frozen=True)
class AlertConfig:
    general: dict
    defaults: dict
    indicators: dict
    levels: tuple[LevelRule, ...]
    source: str = "alerts.toml"
    digest: str = field(default="", compare=False)
    spikes: tuple[SpikeRule, ...] = ()
    daily: dict = field(default_factory=lambda: dict(DAILY_DEFAULTS))

    def rules(self, indicator: str, district_code: str | None = None,
              city: bool = False) -> SeriesRules:
        """Die Regeln einer Reihe: Standard ← Indikator ← (Stadtteil bzw. Gesamtstadt)."""
        over = self.indicators.get(indicator, {})
        merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.defaults.items()}
        for key in SERIES_KEYS:
            if key in over:
                merged[key] = ({**merged[key], **over[key]} if isinstance(over[key], dict)
                               else over[key])
        static = over.get("static_city") if city else over.get("static")
        if not city and district_code is not None:
            static = over.get("districts", {}).get(str(district_code), {}).get("static", static)
        return SeriesRules(
            early_method=merged["early_method"], late_method=LATE[merged["late_method"]],
            farrington_from_weeks=merged["farrington_from_weeks"], ears=merged["ears"],
            farrington=merged["farrington"], red=Colour(**merged["red"]),
            yellow=Colour(**merged["yellow"]), static=Static(**(static or {})),
            min_reported_days=self.general["min_reported_days"])


def _series(raw: dict, src: str, key: str, full: bool) -> dict:
    """One ``[defaults]`` (``full``: every key required) or ``[indicators.<key>]`` table."""
    allowed = SERIES_KEYS + (() if full else ("static", "static_city", "districts"))
    check_table(raw, src, key, allowed)
    missing = [k for k in SERIES_KEYS if full and k not in raw]
    if missing:
        fail(src, f"{key}.{missing[0]}", "fehlt")
    out = _methods(raw, src, key)
    for name in ("red", "yellow"):
        if name in raw:
            out[name] = _colour(raw[name], src, f"{key}.{name}", full)
    for name in ("static", "static_city"):
        if name in raw:
            out[name] = _static(raw[name], src, f"{key}.{name}")
    if "districts" in raw:
        out["districts"] = {}
        for code, table in check_table(raw["districts"], src, f"{key}.districts",
                                  key_list(raw["districts"])).items():
            sub = check_table(table, src, f"{key}.districts.{code}", ("static",))
            out["districts"][str(code)] = (
                {"static": _static(sub["static"], src, f"{key}.districts.{code}.static")}
                if "static" in sub else {})
    return out


def _methods(raw: dict, src: str, key: str) -> dict:
    out = {}
    if "early_method" in raw and raw["early_method"] not in EARLY:
        fail(src, f"{key}.early_method", f"muss {', '.join(EARLY)} sein, angegeben: "
                                          f"{raw['early_method']!r}")
    if "late_method" in raw and raw["late_method"] not in LATE:
        fail(src, f"{key}.late_method", f"muss farrington, noufaily oder keine sein, "
                                         f"angegeben: {raw['late_method']!r}")
    for k in ("early_method", "late_method"):
        if k in raw:
            out[k] = raw[k]
    if "farrington_from_weeks" in raw:
        out["farrington_from_weeks"] = check_number(raw["farrington_from_weeks"], src,
                                               f"{key}.farrington_from_weeks", 1, integer=True)
    for name, allowed in (("ears", EARS_KEYS), ("farrington", FARRINGTON_KEYS)):
        if name in raw:
            out[name] = dict(check_table(raw[name], src, f"{key}.{name}", allowed))
    return out


def _colour(raw, src: str, key: str, full: bool) -> dict:
    table = check_table(raw, src, key, ("alpha", "min_count"))
    for need in ("alpha", "min_count") if full else ():
        if need not in table:
            fail(src, f"{key}.{need}", "fehlt")
    out = {}
    if "alpha" in table:
        out["alpha"] = check_number(table["alpha"], src, f"{key}.alpha", 0, 0.5, lo_open=True)
    if "min_count" in table:
        out["min_count"] = check_number(table["min_count"], src, f"{key}.min_count")
    return out


def _static(raw, src, key) -> dict:
    t = check_table(raw, src, key, STATIC_KEYS)
    out = {k: check_number(v, src, f"{key}.{k}") for k, v in t.items()}
    for a, b in (("yellow", "red"), ("yellow_rate", "red_rate")):
        if a in out and b in out and out[b] < out[a]:
            fail(src, f"{key}.{b}", f"muss mindestens so hoch sein wie {key}.{a} "
                                     f"({out[b]:g} < {out[a]:g})")
    return out


def _check_methods(rules: SeriesRules, src: str, key: str) -> None:
    """Parameter mit den Verfahren selbst prüfen (deren Meldungen sind schon deutsch)."""
    probe = pd.Series([0.0] * 3)
    for colour in (rules.red, rules.yellow):
        try:
            ears_c(probe, method=rules.early_method[-2:].upper(), alpha=colour.alpha,
                   **rules.ears)
        except (TypeError, ValueError) as exc:
            fail(src, f"{key}.ears", f"ist ungültig: {exc}")
        try:
            farrington_flexible(probe, alpha=colour.alpha, noufaily=rules.late_method
                                == "noufaily", **_farrington_args(rules.farrington))
        except (TypeError, ValueError) as exc:
            fail(src, f"{key}.farrington", f"ist ungültig: {exc}")


def _farrington_args(params: dict) -> dict:
    out = dict(params)
    if isinstance(out.get("limit54"), list):
        out["limit54"] = tuple(out["limit54"])
    return out


def _levels(raw, src: str, catalog) -> tuple[LevelRule, ...]:
    if not isinstance(raw, list):
        fail(src, "lagestufe", "muss eine Liste von [[lagestufe]]-Tabellen sein")
    rules = []
    allowed = ("level", "label_de", "label_en", "colour", "indicators", "min_districts",
               "within_weeks", "include_city")
    for i, item in enumerate(raw, start=1):
        key = f"lagestufe[{i}]"
        check_table(item, src, key, allowed)
        for need in ("level", "label_de", "colour", "indicators"):
            if need not in item:
                fail(src, f"{key}.{need}", "fehlt")
        if item["level"] not in (1, 2, 3) or isinstance(item["level"], bool):
            fail(src, f"{key}.level", f"muss 1, 2 oder 3 sein, angegeben: {item['level']!r}")
        if item["colour"] not in COLOURS:
            fail(src, f"{key}.colour", f"muss gelb oder rot sein, angegeben: {item['colour']!r}")
        if not isinstance(item["label_de"], str) or not item["label_de"].strip():
            fail(src, f"{key}.label_de", "muss ein nicht leerer Text sein")
        rules.append(LevelRule(
            level=item["level"], label_de=item["label_de"],
            label_en=str(item.get("label_en") or item["label_de"]),
            colour=COLOURS[item["colour"]],
            indicators=_indicator_list(item["indicators"], src, f"{key}.indicators", catalog),
            min_districts=check_number(item.get("min_districts", 1), src, f"{key}.min_districts", 1,
                                  integer=True),
            within_weeks=check_number(item.get("within_weeks", 1), src, f"{key}.within_weeks", 1,
                                 integer=True),
            include_city=check_bool(item.get("include_city", True), src, f"{key}.include_city")))
    return tuple(rules)


def _indicator_list(value, src, key, catalog) -> tuple[str, ...]:
    known = list(catalog.keys) if catalog is not None else []
    if value == "alle":
        return tuple(known)
    if value == "personenbezogen":
        return tuple(catalog.person_related_keys()) if catalog is not None else ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        fail(src, key, 'muss "alle", "personenbezogen" oder eine Liste von Indikatoren sein')
    unknown = [v for v in value if catalog is not None and v not in catalog]
    if unknown:
        fail(src, key, f"nennt den unbekannten Indikator {unknown[0]!r} "
                        f"(bekannt: {', '.join(known)})")
    return tuple(value)


def _spikes(raw, src: str, catalog) -> tuple[SpikeRule, ...]:
    """``[[spike]]``: Spitzenregeln (mindestens N Ereignisse in 24/48/72 Stunden)."""
    if not isinstance(raw, (list, tuple)):
        fail(src, "spike", "muss eine Liste von [[spike]]-Tabellen sein")
    rules, seen = [], {}
    for i, item in enumerate(raw, start=1):
        key = f"spike[{i}]"
        check_table(item, src, key, SPIKE_KEYS)
        for need in SPIKE_KEYS:
            if need not in item:
                fail(src, f"{key}.{need}", "fehlt")
        indicator = item["indicator"]
        if not isinstance(indicator, str) or (catalog is not None and indicator not in catalog):
            known = ", ".join(catalog.keys) if catalog is not None else ""
            fail(src, f"{key}.indicator", f"ist kein Indikator des Katalogs: {indicator!r} "
                                           f"(bekannt: {known})")
        if item["area"] not in AREAS:
            fail(src, f"{key}.area", f"muss stadtteil oder stadt sein, angegeben: "
                                      f"{item['area']!r}")
        min_count = check_number(item["min_count"], src, f"{key}.min_count", 1, integer=True)
        hours = item["hours"]
        if isinstance(hours, bool) or not isinstance(hours, int) or hours not in \
                range(24, 169, 24):
            fail(src, f"{key}.hours", f"muss 24, 48, 72 … 168 sein (ganze Tage: Lagebild "
                                       f"kennt Meldetage, keine Uhrzeiten), angegeben: {hours!r}")
        rule = SpikeRule(indicator, AREAS[item["area"]], min_count, hours)
        same = (rule.indicator, rule.area, rule.hours)
        if same in seen:
            fail(src, key, f"wiederholt spike[{seen[same]}] (gleicher Indikator, Bereich und "
                            f"Zeitraum)")
        seen[same] = i
        rules.append(rule)
    return tuple(rules)


def _daily(raw, src: str, catalog) -> dict:
    """``[daily]``: which Lagestufe daily spikes and clusters raise, and the scan settings."""
    table = {**DAILY_DEFAULTS, **check_table(raw, src, "daily", tuple(DAILY_DEFAULTS))}
    out = {k: check_number(table[k], src, f"daily.{k}", 0, 4, integer=True)
           for k in ("spike_level", "cluster_level")}
    out["cluster_p"] = check_number(table["cluster_p"], src, "daily.cluster_p", 0, 0.5001,
                               lo_open=True)
    out["study_days"] = check_number(table["study_days"], src, "daily.study_days", 14, 3661,
                                integer=True)
    out["max_days"] = check_number(table["max_days"], src, "daily.max_days", 1, 31, integer=True)
    out["max_radius_m"] = check_number(table["max_radius_m"], src, "daily.max_radius_m", 0,
                                  lo_open=True)
    out["replications"] = check_number(table["replications"], src, "daily.replications", 0, 100000,
                                  integer=True)
    out["ears_min_count"] = check_number(table["ears_min_count"], src, "daily.ears_min_count", 1,
                                    integer=True)
    inds = table["scan_indicators"]
    if not isinstance(inds, (list, tuple)) or not all(isinstance(v, str) for v in inds):
        fail(src, "daily.scan_indicators", "muss eine Liste von Indikatoren sein")
    unknown = [v for v in inds if catalog is not None and v not in catalog]
    if unknown:
        fail(src, "daily.scan_indicators", f"nennt den unbekannten Indikator {unknown[0]!r}")
    out["scan_indicators"] = tuple(inds)
    return out


def parse_alert_config(raw: dict, catalog=None, source: str = "alerts.toml") -> AlertConfig:
    """Prüft eine bereits gelesene Konfiguration (Tabellen wie in ``alerts.toml``)."""
    check_table(raw, source, "", ("general", "defaults", "indicators", "lagestufe", "spike",
                                  "daily", "drugcheck"))  # drugcheck: lagebild/drugcheck/alerts
    for need in ("defaults", "lagestufe"):
        if need not in raw:
            fail(source, need, "fehlt")
    general = {**GENERAL_DEFAULTS, **check_table(raw.get("general", {}), source, "general",
                                            tuple(GENERAL_DEFAULTS))}
    general = {"min_reported_days": check_number(general["min_reported_days"], source,
                                            "general.min_reported_days", 1, 8, integer=True),
               "end_after_green_weeks": check_number(general["end_after_green_weeks"], source,
                                                "general.end_after_green_weeks", 1, integer=True),
               "neighbour_tolerance_m": check_number(general["neighbour_tolerance_m"], source,
                                                "general.neighbour_tolerance_m")}
    defaults = _series(raw["defaults"], source, "defaults", full=True)
    indicators = {}
    for key, table in check_table(raw.get("indicators", {}), source, "indicators",
                             key_list(raw.get("indicators", {}))).items():
        if catalog is not None and key not in catalog:
            fail(source, f"indicators.{key}", f"ist kein Indikator des Katalogs (bekannt: "
                                               f"{', '.join(catalog.keys)})")
        indicators[key] = _series(table, source, f"indicators.{key}", full=False)
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
    cfg = AlertConfig(general, defaults, indicators, _levels(raw["lagestufe"], source, catalog),
                      source, digest[:16],
                      _spikes(raw.get("spike", DEFAULT_SPIKES), source, catalog),
                      _daily(raw.get("daily", {}), source, catalog))
    _check_methods(cfg.rules("__default__"), source, "defaults")
    for key in indicators:
        _check_methods(cfg.rules(key), source, f"indicators.{key}")
    return cfg


def load_alert_config(path: str | Path = DEFAULT_PATH, catalog=None) -> AlertConfig:
    """Liest und prüft ``alerts.toml``; ohne ``catalog`` wird der Standardkatalog benutzt."""
    path = Path(path)
    if catalog is None:
        from lagebild.catalog import load_catalog
        catalog = load_catalog()
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise AlertConfigError(f"{path.name}: Datei nicht gefunden ({path}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise AlertConfigError(f"{path.name}: kein gültiges TOML ({exc}).") from None
    return parse_alert_config(raw, catalog, path.name)
