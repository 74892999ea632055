"""Checks of the values in ``data/alerts.toml`` with German messages naming file and key
(:class:`AlertConfigError`); used by :mod:`lagebild.alerts.config`."""

from __future__ import annotations

import numbers


class AlertConfigError(ValueError):
    """Eine ungültige Warnregel (deutsche Meldung mit Datei und Schlüssel)."""


def fail(src: str, key: str, problem: str):
    raise AlertConfigError(f"{src}: '{key}' {problem}")


def check_table(value, src, key, allowed) -> dict:
    if not isinstance(value, dict):
        fail(src, key, f"muss eine Tabelle sein, angegeben: {value!r}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        fail(src, f"{key}.{unknown[0]}" if key else unknown[0],
              f"ist unbekannt (erlaubt: {', '.join(allowed)})")
    return value


def check_number(value, src, key, lo=0.0, hi=None, integer=False, lo_open=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if integer:
        ok = ok and isinstance(value, numbers.Integral)
    bad_lo = ok and (value <= lo if lo_open else value < lo)
    if not ok or bad_lo or (hi is not None and value >= hi):
        kind = "eine ganze Zahl" if integer else "eine Zahl"
        rng = f"> {de_text(lo)}" if lo_open else f"≥ {de_text(lo)}"
        rng += f" und < {de_text(hi)}" if hi is not None else ""
        fail(src, key, f"muss {kind} {rng} sein, angegeben: {value!r}")
    return int(value) if integer else float(value)


def de_text(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def key_list(value) -> list:
    return list(value) if isinstance(value, dict) else []


def check_bool(value, src, key) -> bool:
    if not isinstance(value, bool):
        fail(src, key, f"muss true oder false sein, angegeben: {value!r}")
    return value
