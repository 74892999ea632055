"""Who is acting: the user object every store method receives.

Roles: ``admin`` (everything), ``krisenstab`` (reads everything of its cities, acknowledges
alerts, edits measures), ``outreach`` (bound to one organisation: uploads, own uploads),
``gast`` (aggregated, suppressed view only).

>>> Actor("a", "krisenstab", cities=frozenset({"Musterstadt"})).may_see_city("Musterstadt")
True
>>> Actor("a", "krisenstab", cities=frozenset({"Musterstadt"})).may_see_city("Leipzig")
False
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "krisenstab", "outreach", "gast")


class AccessDenied(PermissionError):
    """Raised by the store when the acting user may not do or see something."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    cities: frozenset[str] | None = None   # None = every city
    organisation: str | None = None

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"Unbekannte Rolle '{self.role}' (erlaubt: {', '.join(ROLES)}).")
        if self.role == "outreach" and not self.organisation:
            raise ValueError("Ein Outreach-Konto braucht eine Organisation.")

    def may_see_city(self, city: str) -> bool:
        return self.role == "admin" or self.cities is None or city in self.cities

    @property
    def restricted(self) -> bool:
        """Restricted views get small-count suppression and no point data."""
        return self.role == "gast"


SYSTEM = Actor("system", "admin")
