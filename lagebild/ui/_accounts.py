"""Page helpers: Accounts, audit log and exports (#7)."""

from __future__ import annotations

import pandas as pd

from lagebild import accounts
from lagebild.ui._core import actor, catalog, settings, store, t


def users_table() -> pd.DataFrame:
    return store().users(actor())


def add_user(username: str, role: str, password: str, organisation: str | None,
             cities: list[str], email: str | None) -> str | None:
    """Create an account from the admin page; German error text or None."""
    try:
        pw_hash = accounts.hash_password(password) if password else None
        if pw_hash is None and not email:
            raise ValueError(t("admin.need_password_or_email"))
        store().add_user(actor(), username.strip(), role, password_hash=pw_hash,
                         organisation=organisation or None, cities=cities,
                         email=(email or "").strip().lower() or None)
    except (ValueError, KeyError) as exc:
        return str(exc.args[0] if exc.args else exc)
    return None


def set_active(username: str, active: bool) -> None:
    store().set_active(actor(), username, active)


def reset_password(username: str, password: str) -> str | None:
    try:
        store().set_password(actor(), username, accounts.hash_password(password))
    except (ValueError, KeyError) as exc:
        return str(exc.args[0] if exc.args else exc)
    return None


def all_city_names() -> list[str]:
    return list(store().cities(actor())["name"])


def audit_table(limit: int = 500) -> pd.DataFrame:
    return store().audit_log(actor(), limit)


def audit_csv() -> bytes:
    from lagebild.export import to_csv_bytes
    store().log_event(actor(), "export", None, what="audit_log")
    return to_csv_bytes(store().audit_log(actor(), 100_000))


def export_bytes(city: str, fmt: str) -> bytes:
    from lagebild.export import export
    return export(store(), actor(), city, catalog(), settings().small_count_k, fmt)


def export_explanation() -> str:
    current = actor()
    k = settings().small_count_k
    if current.restricted:
        return t("export.explain_gast", k=k, k_minus=k - 1)
    if current.role == "outreach":
        return t("export.explain_outreach", organisation=current.organisation)
    return t("export.explain_full")


def slug(text: str) -> str:
    import re
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "export"
