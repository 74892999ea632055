"""Accounts (#7): users, their cities, passwords, login lookups."""

from __future__ import annotations

import pandas as pd

from lagebild.access import Actor, allowed
from lagebild.store.errors import Forbidden, Invalid, NotFound


class AccountsMixin:
    """Accounts: create, list, lock, passwords, login look-ups."""

    def add_user(self, actor: Actor, username: str, role: str, *, password_hash: str | None,
                 organisation: str | None = None, cities: list[str] = (),
                 display_name: str | None = None, email: str | None = None,
                 is_demo: bool = False) -> None:
        """Create an account (admin only); cities must exist."""
        self._require(actor, "users.add")
        try:
            Actor(username, role, organisation=organisation)      # validates role/org
        except ValueError as exc:
            raise Invalid(str(exc)) from exc
        with self.transaction() as cur:
            if cur.execute("SELECT 1 FROM users WHERE username = $username",
                           {"username": username}).fetchone():
                raise Invalid(f"Das Konto '{username}' gibt es schon.")
            known = {r[0] for r in cur.execute("SELECT name FROM cities").fetchall()}
            unknown = [c for c in cities if c not in known]
            if unknown:
                raise Invalid(f"Unbekannte Stadt: {', '.join(unknown)}.")
            cur.execute(
                "INSERT INTO users (username, display_name, email, password_hash, role, "
                "organisation, is_demo) VALUES ($username, $display_name, $email, "
                "$password_hash, $role, $organisation, $is_demo)",
                {"username": username, "display_name": display_name, "email": email,
                 "password_hash": password_hash, "role": role, "organisation": organisation,
                 "is_demo": is_demo})
            for city in cities:
                cur.execute("INSERT INTO user_cities VALUES ($username, $city)",
                            {"username": username, "city": city})
            self._audit(cur, actor, "user.add", None, username=username, role=role,
                        organisation=organisation, cities=list(cities))

    def users(self, actor: Actor) -> pd.DataFrame:
        """Accounts without their hashes (admin only)."""
        self._require(actor, "users.list")
        return self._df(
            "SELECT u.username, u.display_name, u.email, u.role, u.organisation, u.active, "
            "u.is_demo, string_agg(c.city, ', ' ORDER BY c.city) AS cities, u.created_at "
            "FROM users u LEFT JOIN user_cities c USING (username) GROUP BY ALL "
            "ORDER BY u.username")

    def credentials(self, username: str | None = None, email: str | None = None) -> dict | None:
        """Login lookup (the only method without an actor: it runs before one exists)."""
        col, value = ("username", username) if username is not None else ("email", email)
        row = self._cur().execute(
            f"SELECT username, password_hash, role, organisation, active, is_demo, "
            f"display_name FROM users WHERE {col} = $value", {"value": value}).fetchone()
        if row is None:
            return None
        cities = [r[0] for r in self._cur().execute(
            "SELECT city FROM user_cities WHERE username = $username ORDER BY city",
            {"username": row[0]}).fetchall()]
        keys = ("username", "password_hash", "role", "organisation", "active", "is_demo",
                "display_name")
        return dict(zip(keys, row)) | {"cities": cities}

    def set_password(self, actor: Actor, username: str, password_hash: str) -> None:
        if not allowed(actor, "users.password_of_others") and actor.username != username:
            raise Forbidden("Nur Admins oder die Person selbst dürfen das Passwort ändern.")
        self._update_user(actor, username, "password_hash", password_hash, "user.passwd")

    def set_active(self, actor: Actor, username: str, active: bool) -> None:
        self._require(actor, "users.lock")
        self._update_user(actor, username, "active", active,
                          "user.enable" if active else "user.disable")

    def _update_user(self, actor, username, column, value, action) -> None:
        with self.transaction() as cur:
            if not cur.execute("SELECT 1 FROM users WHERE username = $username",
                               {"username": username}).fetchone():
                raise NotFound(f"Das Konto '{username}' gibt es nicht.")
            cur.execute(f"UPDATE users SET {column} = $value WHERE username = $username",
                        {"value": value, "username": username})
            self._audit(cur, actor, action, None, username=username)

    def recent_failed_logins(self, username: str, minutes: int = 15,
                             address: str | None = None) -> int:
        """Failed logins for ``username`` in the last ``minutes``; with ``address`` only
        those from that client address (recorded in the audit detail)."""
        sql = ("SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND "
               "actor = $username AND logged_at > CAST(current_timestamp AS TIMESTAMP) - "
               "to_minutes($minutes)")
        params = {"username": username, "minutes": minutes}
        if address is not None:
            sql += " AND json_extract_string(detail, '$.address') = $address"
            params["address"] = address
        return self._cur().execute(sql, params).fetchone()[0]

