"""Page helpers: Accounts, audit log and exports (#7)."""

from __future__ import annotations

from typing import Callable

import pandas as pd

from lagebild import accounts
from lagebild.store import StoreError
from lagebild.ui._core import actor, catalog, lang, settings, store, t


def users_table() -> pd.DataFrame:
    return store().users(actor())


def users_display() -> pd.DataFrame:
    """The accounts as the admin page shows them (German columns and values)."""
    from lagebild.views.admin import users_frame
    return users_frame(users_table(), lang())


def user_names() -> list[str]:
    return list(users_table()["username"])


def add_user(username: str, role: str, password: str, organisation: str | None,
             cities: list[str], email: str | None) -> str | None:
    """Create an account from the admin page; German error text or None."""
    if not password and not email:
        return t("admin.need_password_or_email")
    try:
        pw_hash = accounts.hash_password(password) if password else None
    except ValueError as exc:                      # the password rules, in German
        return str(exc)
    try:
        store().add_user(actor(), username.strip(), role, password_hash=pw_hash,
                         organisation=organisation or None, cities=cities,
                         email=(email or "").strip().lower() or None)
    except StoreError as exc:
        return str(exc)
    return None


def set_active(username: str, active: bool) -> None:
    store().set_active(actor(), username, active)


def reset_password(username: str, password: str) -> str | None:
    try:
        pw_hash = accounts.hash_password(password)
    except ValueError as exc:                      # the password rules, in German
        return str(exc)
    try:
        store().set_password(actor(), username, pw_hash)
    except StoreError as exc:
        return str(exc)
    return None


def all_city_names() -> list[str]:
    return list(store().cities(actor())["name"])


def audit_table(limit: int = 500) -> pd.DataFrame:
    return store().audit_log(actor(), limit)


def audit_display(limit: int = 500) -> pd.DataFrame:
    """The audit log in words (when, who, what, city, details)."""
    from lagebild.views.admin import audit_frame
    from lagebild.access import SYSTEM
    cities = store().cities(SYSTEM).set_index("city_id")["name"].to_dict()
    return audit_frame(audit_table(limit), cities, lang())


def audit_csv() -> "Callable[[], bytes]":
    """The audit-log download as a deferred callable for ``st.download_button``.

    Streamlit runs such a callable when the button is clicked, outside the script run: there
    is no session state, so ``actor()`` would be None there (streamlit#13409). Everything the
    callable needs (user, store) is therefore bound now, while the page runs."""
    from lagebild.export import to_csv_bytes
    current, db = actor(), store()

    def make() -> bytes:
        db.log_event(current, "export", None, what="audit_log")
        return to_csv_bytes(db.audit_log(current, 100_000))
    return make


def export_bytes(city: str, fmt: str) -> "Callable[[], bytes]":
    """The export of ``city`` in ``fmt`` as a deferred callable for ``st.download_button``
    (user, store, catalogue and k bound now; see ``audit_csv``)."""
    from lagebild.export import export
    current, db, cat, k = actor(), store(), catalog(), settings().small_count_k
    return lambda: export(db, current, city, cat, k, fmt)


def export_explanation() -> str:
    current = actor()
    k = settings().small_count_k
    if current.restricted:
        return t("export.explain_gast", k=k, k_minus=k - 1)
    if current.bound_to_organisation:
        return t("export.explain_outreach", organisation=current.organisation)
    return t("export.explain_full")


def slug(text: str) -> str:
    import re
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "export"
