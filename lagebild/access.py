"""Who is acting, and what each role may do: the one permission table.

Roles: ``admin`` (everything), ``krisenstab`` (reads everything of its cities, acknowledges
alerts, edits measures), ``outreach`` (bound to one organisation: uploads, own uploads),
``gast`` (aggregated, suppressed view only).

Every role decision in Lagebild is a look-up in :data:`PERMISSIONS` through
:func:`allowed` / :func:`require` (a test forbids comparing a role with a literal anywhere
else). The store checks again what pages and services check, with the same table.

>>> Actor("a", "krisenstab", cities=frozenset({"Musterstadt"})).may_see_city("Musterstadt")
True
>>> Actor("a", "krisenstab", cities=frozenset({"Musterstadt"})).may_see_city("Leipzig")
False
>>> [allowed(Actor(r, r), "alerts.acknowledge") for r in ("krisenstab", "gast")]
[True, False]
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "krisenstab", "outreach", "gast")

_ADMIN = ("admin",)
_CRISIS = ("admin", "krisenstab")
_FULL = ("admin", "krisenstab", "outreach")
_EVERYONE = ROLES

# action -> (roles allowed, what it is in German: "Die Rolle 'x' darf nicht: <what>.")
PERMISSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # seeing
    "cities.all": (_ADMIN, "jede Stadt sehen (ohne Zuordnung)"),
    "data.rows": (_FULL, "Einzelmeldungen und Punktdaten sehen (ungeschwärzt)"),
    "data.all_organisations": (_CRISIS, "Meldungen aller Organisationen sehen"),
    "app.use": (_EVERYONE, "Lagebild benutzen"),
    "alerts.view": (_CRISIS, "die Warnliste sehen"),
    # cities, boundaries, places
    "city.create": (_ADMIN, "Städte anlegen"),
    "districts.import": (_ADMIN, "Stadtteile importieren"),
    "places.replace": (_ADMIN, "sensible Orte hochladen"),
    # uploads (outreach only for its own organisation, see ``acts_for``)
    "upload.import": (("admin", "outreach"), "Daten hochladen"),
    "upload.withdraw": (("admin", "outreach"), "Uploads zurückziehen"),
    "upload.list_all": (_ADMIN, "alle Uploads lesen"),
    # alerts
    "alerts.refresh": (_FULL, "Warnungen neu berechnen"),
    "alerts.acknowledge": (_CRISIS, "Warnungen quittieren"),
    # measures and meetings
    "meetings.add": (_CRISIS, "Sitzungen erfassen"),
    "meetings.edit": (_CRISIS, "Sitzungen bearbeiten"),
    "measures.add": (_CRISIS, "Maßnahmen anlegen"),
    "measures.edit": (_CRISIS, "Maßnahmen bearbeiten"),
    # accounts, audit, backup
    "users.add": (_ADMIN, "Konten anlegen"),
    "users.list": (_ADMIN, "Konten ansehen"),
    "users.lock": (_ADMIN, "Konten sperren"),
    "users.password_of_others": (_ADMIN, "Passwörter anderer Konten ändern"),
    "audit.read": (_ADMIN, "das Audit-Log lesen"),
    "backup.create": (_ADMIN, "Sicherungen erstellen"),
    # e-mail notifications (#17)
    "notify.send": (_ADMIN, "Benachrichtigungen versenden"),
    "notify.sent.read": (_ADMIN, "Benachrichtigungen ansehen"),
    "notify.by_default": (_CRISIS, "E-Mails ohne eigene Wahl bekommen"),
    # network of cities (#19)
    "share.trust": (_ADMIN, "Schlüssel von Städten hinterlegen"),
    "share.keys.read": (_CRISIS, "Schlüssel von Städten ansehen"),
    "share.import": (_ADMIN, "Pakete von Städten importieren"),
    "share.read": (_CRISIS, "Pakete von Städten ansehen"),
    # drug checking (#18): small numbers on purpose, so not for guests
    "drugcheck.view": (_FULL, "Drug-Checking-Ergebnisse sehen"),
    # Substanzwarnungen (#18): public-health warnings meant for the street, no personal data,
    # so every role sees them (guests included); the crisis team writes them
    "warnings.view": (_EVERYONE, "Substanzwarnungen sehen"),
    "warnings.create": (_CRISIS, "Substanzwarnungen anlegen"),
    "warnings.edit": (_CRISIS, "Substanzwarnungen ändern oder zurückziehen"),
    "warnings.languages": (_CRISIS, "Sprachen der Substanzwarnung pflegen"),
    # operations (#20)
    "completeness.read": (_CRISIS, "die Vollständigkeit der Meldungen sehen"),
    "rhythm.set": (_ADMIN, "den Lieferrhythmus festlegen"),
    "reminders.send": (_ADMIN, "Erinnerungen versenden"),
    "operations.view": (_ADMIN, "die Seite Betrieb sehen"),
}

# Roles whose accounts belong to one organisation and act only for it.
ORGANISATION_ROLES = ("outreach",)


class AccessDenied(PermissionError):
    """Raised when the acting user may not do or see something (the store raises its
    subclass ``store.Forbidden``)."""


def role_allows(role: str, action: str) -> bool:
    """May ``role`` do ``action``? Unknown actions are a programming error (KeyError)."""
    return role in PERMISSIONS[action][0]


def roles_for(action: str) -> tuple[str, ...]:
    """The roles allowed to do ``action`` (navigation, selection lists)."""
    return PERMISSIONS[action][0]


def denial(actor: Actor, action: str) -> str:
    """The German refusal for ``actor`` and ``action``."""
    return f"Die Rolle '{actor.role}' darf nicht: {PERMISSIONS[action][1]}."


def allowed(actor: Actor, action: str) -> bool:
    return role_allows(actor.role, action)


def require(actor: Actor, action: str, error: type[Exception] = AccessDenied) -> None:
    """Raise ``error`` (German text) unless the actor's role may do ``action``."""
    if not allowed(actor, action):
        raise error(denial(actor, action))


def bound_to_organisation(role: str) -> bool:
    """Does an account of ``role`` belong to one organisation (needs one, acts for it)?"""
    return role in ORGANISATION_ROLES


def acts_for(actor: Actor, action: str, organisation: str | None) -> bool:
    """May the actor do ``action`` for data of ``organisation``: the role allows it, and an
    organisation-bound account only for its own organisation."""
    return allowed(actor, action) and (not actor.bound_to_organisation
                                       or organisation == actor.organisation)


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    cities: frozenset[str] | None = None   # None = every city
    organisation: str | None = None

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"Unbekannte Rolle '{self.role}' (erlaubt: {', '.join(ROLES)}).")
        if self.bound_to_organisation and not self.organisation:
            raise ValueError("Ein Outreach-Konto braucht eine Organisation.")

    def may_see_city(self, city: str) -> bool:
        return allowed(self, "cities.all") or self.cities is None or city in self.cities

    @property
    def bound_to_organisation(self) -> bool:
        return bound_to_organisation(self.role)

    @property
    def restricted(self) -> bool:
        """Restricted views get small-count suppression and no point data."""
        return not allowed(self, "data.rows")


SYSTEM = Actor("system", "admin")
