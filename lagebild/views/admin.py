"""View models of the admin page (pure): accounts and the audit log in words, not raw columns.

>>> import pandas as pd
>>> log = pd.DataFrame({"audit_id": [3], "logged_at": [pd.Timestamp("2026-11-20 09:05")],
...     "actor": ["admin"], "action": ["measure.update"], "city_id": [1],
...     "detail": ['{"measure_id": 5, "fields": ["status"], "status": "verworfen"}']})
>>> audit_frame(log, {1: "Musterstadt"}).iloc[0].tolist()
['20.11.2026 09:05', 'admin', 'Maßnahme geändert', 'Musterstadt', 'Maßnahme 5 · Felder: status · Status: verworfen']
"""

from __future__ import annotations

import json

import pandas as pd

from lagebild.i18n import has_key, t


def _when(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%d.%m.%Y %H:%M")


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def users_frame(users: pd.DataFrame, lang: str = "de") -> pd.DataFrame:
    """Accounts with German (or English) column names and values ("ja"/"nein", roles in
    words, dates as 20.11.2026 09:05, empty instead of None)."""
    yes, no = t("admin.yesno.yes", lang), t("admin.yesno.no", lang)
    cols = {
        "username": [_text(v) for v in users["username"]],
        "display_name": [_text(v) for v in users["display_name"]],
        "email": [_text(v) for v in users["email"]],
        "role": [t(f"roles.{r}", lang) if has_key(f"roles.{r}") else _text(r)
                 for r in users["role"]],
        "organisation": [_text(v) for v in users["organisation"]],
        "cities": [_text(v) for v in users["cities"]],
        "active": [yes if v else no for v in users["active"]],
        "is_demo": [yes if v else no for v in users["is_demo"]],
        "created_at": [_when(v) for v in users["created_at"]],
    }
    return pd.DataFrame({t(f"admin.col.{k}", lang): v for k, v in cols.items()}, dtype=object)


def detail_text(detail, lang: str = "de") -> str:
    """The JSON detail of an audit entry in words: 'Maßnahme 5 · Status: verworfen'."""
    if detail is None or (not isinstance(detail, str)) or not detail.strip():
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return str(data)
    parts = []
    for key, value in data.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, bool):
            value = t("admin.yesno.yes" if value else "admin.yesno.no", lang)
        label = t(f"audit.key.{key}", lang) if has_key(f"audit.key.{key}") else key
        parts.append(f"{label} {value}" if key.endswith("_id") else f"{label}: {value}")
    return " · ".join(parts)


def audit_frame(log: pd.DataFrame, cities: dict, lang: str = "de") -> pd.DataFrame:
    """The audit log: when, who, what (in words), city, details (in words)."""
    actions = [t(f"audit.action.{a}", lang) if has_key(f"audit.action.{a}") else _text(a)
               for a in log["action"]]
    return pd.DataFrame({
        t("admin.col.logged_at", lang): [_when(v) for v in log["logged_at"]],
        t("admin.col.actor", lang): [_text(v) for v in log["actor"]],
        t("admin.col.action", lang): actions,
        t("admin.col.city", lang): [cities.get(c, "") if pd.notna(c) else ""
                                    for c in log["city_id"]],
        t("admin.col.detail", lang): [detail_text(d, lang) for d in log["detail"]],
    }, dtype=object)
