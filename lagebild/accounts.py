"""Local accounts: argon2 password hashes, login checks, demo accounts.

Production logins go through the city's identity provider (OIDC via ``st.login``); accounts
then carry only an e-mail and a role. The embedded default is local accounts with argon2id
hashes (argon2-cffi). Demo accounts exist only in the demo database and are refused unless
``LAGEBILD_DEMO_MODE`` is on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from lagebild.access import SYSTEM, Actor, bound_to_organisation, role_allows
from lagebild.store import Store

MIN_PASSWORD = 10
MAX_FAILED = 5          # failed logins within 15 minutes from one address: that address waits
MAX_DELAY = 8.0         # seconds: the longest wait before a check once an account is attacked
LOCAL = "lokal"         # the address of a login without one (CLI, same machine)
_hasher = PasswordHasher()

# Documented in the README; refused outside demo mode.
DEMO_ACCOUNTS = (
    ("admin", "demo-admin", "admin", None),
    ("krisenstab", "demo-krisenstab", "krisenstab", None),
    ("streetwork", "demo-streetwork", "outreach", None),   # organisation: the demo streetwork
    ("gast", "demo-gast", "gast", None),
)


class LoginError(Exception):
    """Why a login failed, in German (deliberately vague about which part was wrong)."""


def hash_password(password: str) -> str:
    """argon2id hash of a password that passes :func:`check_password_rules`."""
    check_password_rules(password)
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen "
                         f"(hat {len(password)}).")
    if password.strip() != password:
        raise ValueError("Das Passwort darf nicht mit Leerzeichen beginnen oder enden.")


@dataclass(frozen=True)
class Account:
    actor: Actor
    display_name: str


def _actor(record: dict) -> Actor:
    cities = None if role_allows(record["role"], "cities.all") else frozenset(record["cities"])
    return Actor(record["username"], record["role"], cities=cities,
                 organisation=record["organisation"])


def authenticate(store: Store, username: str, password: str, demo_mode: bool,
                 address: str | None = None, sleep=time.sleep) -> Account:
    """The account for a correct local login; :class:`LoginError` otherwise (audited).

    Throttling (nobody can lock a known account by guessing its name): after
    ``MAX_FAILED`` failures within 15 minutes *from one address* (``address``, the client's
    IP; ``LOCAL`` without one) that address is refused for 15 minutes — other addresses,
    the real user's among them, are not. Failures from all addresses together slow every
    further check of that account down: 1, 2, 4 … up to ``MAX_DELAY`` seconds (``sleep``),
    which slows an attacker with many addresses but still lets the user in."""
    username = username.strip()
    address = address or LOCAL
    record = store.credentials(username=username)
    if store.recent_failed_logins(username, address=address) >= MAX_FAILED:
        raise LoginError("Zu viele Fehlversuche von dieser Adresse. Bitte in 15 Minuten "
                         "erneut versuchen.")
    failed = store.recent_failed_logins(username)
    if failed >= MAX_FAILED:
        sleep(min(2.0 ** (failed - MAX_FAILED), MAX_DELAY))
    ok = False
    if record and record["password_hash"]:
        try:
            ok = _hasher.verify(record["password_hash"], password)
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok or not record["active"]:
        store.log_event(Actor(username or "?", "gast"), "login.failed", address=address)
        raise LoginError("Anmeldung fehlgeschlagen: Benutzername oder Passwort falsch, "
                         "oder das Konto ist gesperrt.")
    if record["is_demo"] and not demo_mode:
        store.log_event(Actor(username, "gast"), "login.failed", reason="demo account",
                        address=address)
        raise LoginError("Demo-Konten sind nur im Demo-Betrieb erlaubt "
                         "(LAGEBILD_DEMO_MODE=true).")
    actor = _actor(record)
    store.log_event(actor, "login", method="local", address=address)
    return Account(actor, record["display_name"] or username)


def account_for_email(store: Store, email: str) -> Account:
    """The account an identity-provider login maps to (by e-mail); LoginError if none."""
    record = store.credentials(email=email.strip().lower()) if email else None
    if record is None or not record["active"]:
        raise LoginError(f"Für {email} gibt es kein aktives Lagebild-Konto. "
                         "Bitte wenden Sie sich an die Administration.")
    return Account(_actor(record), record["display_name"] or record["username"])


def create_demo_accounts(store: Store, city: str, outreach_org: str) -> None:
    """The four documented demo accounts, bound to the demo city; the outreach account
    belongs to ``outreach_org``."""
    for username, password, role, _ in DEMO_ACCOUNTS:
        org = outreach_org if bound_to_organisation(role) else None
        store.add_user(SYSTEM, username, role, password_hash=_hasher.hash(password),
                       organisation=org, cities=[] if role_allows(role, "cities.all") else [city],
                       display_name=f"Demo {role}", is_demo=True)
