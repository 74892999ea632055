"""Drug-checking signals in the alert list and the Lagestufe (#18).

The rules live in ``data/alerts.toml`` under ``[drugcheck]`` (checked here, German messages
naming the key; ``alerts.config`` accepts the table and includes it in its digest)::

    [drugcheck]
    alpha = 0.05            # rising positivity: one-sided Fisher exact test, level α
    baseline_weeks = 8      # … against this many weeks before
    min_tests = 1           # weeks with fewer valid tests are not tested for a rise
    first_history_weeks = 8 # a first detection counts after this many weeks of valid tests
    first_level = 1         # a first detection in the city raises the Lagestufe to ≥ 1
    rising_level = 1        # rising positivity: ≥ 1
    sold_as_level = 1       # dangerous substance in something sold as another: ≥ 1

A level of 0 switches the rule's effect on the Lagestufe off (the signal is still listed).
The signals are computed from the stored results when asked (a city has a few thousand
results a year); nothing is stored.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pandas as pd

from lagebild.alerts.config import DEFAULT_PATH, AlertConfigError, LevelRule
from lagebild.analytics import drugcheck as stats
from lagebild.analytics.escalation import Escalation
from lagebild.i18n import t
from lagebild.drugcheck.substances import load_substances
from lagebild.drugcheck.text import reason

DEFAULTS = {"alpha": 0.05, "baseline_weeks": 8, "min_tests": 1, "first_history_weeks": 8,
            "first_level": 1, "rising_level": 1, "sold_as_level": 1}
KINDS = ("first", "rising", "sold_as")


def parse_config(raw: dict, source: str = "alerts.toml") -> dict:
    """The ``[drugcheck]`` table of a parsed alerts.toml with defaults filled in."""
    table = raw.get("drugcheck", {})
    if not isinstance(table, dict):
        raise AlertConfigError(f"{source}: 'drugcheck' muss eine Tabelle sein.")
    unknown = sorted(set(table) - set(DEFAULTS))
    if unknown:
        raise AlertConfigError(f"{source}: 'drugcheck.{unknown[0]}' ist unbekannt (erlaubt: "
                               f"{', '.join(DEFAULTS)}).")
    cfg = {**DEFAULTS, **table}
    alpha = cfg["alpha"]
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 0.5:
        raise AlertConfigError(f"{source}: 'drugcheck.alpha' muss zwischen 0 und 0,5 liegen, "
                               f"angegeben: {alpha!r}.")
    for key, lo, hi in (("baseline_weeks", 1, 104), ("min_tests", 1, 10_000),
                        ("first_history_weeks", 0, 520),
                        ("first_level", 0, 3), ("rising_level", 0, 3),
                        ("sold_as_level", 0, 3)):
        v = cfg[key]
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise AlertConfigError(f"{source}: 'drugcheck.{key}' muss eine ganze Zahl von "
                                   f"{lo} bis {hi} sein, angegeben: {v!r}.")
    return cfg


def load_config(path: str | Path = DEFAULT_PATH) -> dict:
    path = Path(path)
    with path.open("rb") as fh:
        return parse_config(tomllib.load(fh), path.name)


def week_signals(tests: pd.DataFrame, week, cfg: dict, lang: str = "de",
                 restricted: bool = False) -> pd.DataFrame:
    """The signals of the ISO week containing ``week`` with ``reason`` (in words) and the
    ``level`` their rule sets."""
    monday = pd.Timestamp(week) - pd.Timedelta(days=pd.Timestamp(week).weekday())
    if tests.empty:
        return pd.DataFrame(columns=stats.SIGNAL_COLUMNS + ["reason", "level"])
    sig = stats.signals(tests, monday.date(), baseline_weeks=cfg["baseline_weeks"],
                        alpha=cfg["alpha"], min_tests=cfg["min_tests"],
                        history_weeks=cfg["first_history_weeks"],
                        dangerous=tuple(load_substances().dangerous()))
    sig["reason"] = [reason(r, lang, baseline_weeks=cfg["baseline_weeks"], alpha=cfg["alpha"],
                            restricted=restricted)
                     for r in sig.to_dict("records")]
    sig["level"] = [cfg[f"{k}_level"] for k in sig["kind"]]
    sig["_order"] = sig["kind"].map({k: i for i, k in enumerate(KINDS)})
    return sig.sort_values(["level", "_order", "substance"], ascending=[False, True, True]
                           ).drop(columns="_order").reset_index(drop=True)


def lift(esc: Escalation, heading: str, text: str, signals: pd.DataFrame, week,
         lang: str = "de") -> tuple[Escalation, str, str]:
    """The Lagestufe raised by the drug-checking rules, if one of them sets a higher level
    than the weekly and daily rules; heading and reason in words."""
    if signals.empty or int(signals["level"].max()) <= esc.level:
        return esc, heading, text
    level = int(signals["level"].max())
    top = signals[signals["level"] == level]
    kind = top["kind"].iloc[0]
    rule = LevelRule(level, t("drugcheck.level_rule", "de", kind=t(
        f"drugcheck.signal.kind_{kind}", "de"), level=level), t(
        "drugcheck.level_rule", "en", kind=t(f"drugcheck.signal.kind_{kind}", "en"),
        level=level), "red", ("schnelltests_positiv",))
    cells = "; ".join(top["reason"].head(3))
    heading = t("alerts.level_heading", lang, level=level, name=t(f"alerts.level.{level}", lang))
    return (Escalation(level, rule, pd.DataFrame()), heading,
            t("alerts.level_reason", lang, rule=rule.label(lang), cells=cells))


def for_week(store, actor, city: str, week, lang: str = "de",
             restricted: bool = False) -> pd.DataFrame:
    """Load the results up to the end of ``week`` and compute its signals (the config from
    data/alerts.toml)."""
    monday = pd.Timestamp(week) - pd.Timedelta(days=pd.Timestamp(week).weekday())
    tests = store.drug_tests(actor, city, end=(monday + timedelta(days=6)).date())
    return week_signals(tests, monday, load_config(), lang, restricted)


def apply(store, actor, city: str, week, esc: Escalation, heading: str, text: str,
          lang: str = "de") -> tuple[Escalation, str, str, pd.DataFrame]:
    """The hook of the overview and ``lagebild alerts``: (Lagestufe, heading, reason,
    drug-checking signals of the week)."""
    signals = for_week(store, actor, city, week, lang)
    return (*lift(esc, heading, text, signals, week, lang), signals)
