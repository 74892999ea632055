"""Access helpers every aggregate uses (city lookup, role check) and the audit log."""

from __future__ import annotations

import json

import pandas as pd

from lagebild.access import Actor, require
from lagebild.store.errors import Forbidden, NotFound


class AuditMixin:
    """City look-up with the access check, the permission check, the audit log."""

    @staticmethod
    def _require(actor: Actor, action: str) -> None:
        """Forbidden (German) unless ``lagebild.access.PERMISSIONS`` lets the actor's role
        do ``action``."""
        require(actor, action, Forbidden)

    def city_id(self, actor: Actor, city: str) -> int:
        """The id of a city the actor may see; German errors otherwise."""
        if not actor.may_see_city(city):
            raise Forbidden(f"Kein Zugriff auf die Stadt '{city}'.")
        row = self._one("SELECT city_id FROM cities WHERE name = $city", {"city": city})
        if row is None:
            raise NotFound(f"Stadt '{city}' ist nicht angelegt.")
        return row[0]

    def _audit(self, cur, actor: Actor, action: str, city_id: int | None, **detail) -> None:
        cur.execute(
            "INSERT INTO audit_log (actor, action, city_id, detail) VALUES ($actor, $action, "
            "$city_id, $detail)",
            {"actor": actor.username, "action": action, "city_id": city_id,
             "detail": json.dumps(detail, ensure_ascii=False, default=str)})

    def data_version(self, actor: Actor, city: str) -> int:
        """Changes whenever anything is written (cache key for aggregates)."""
        self.city_id(actor, city)
        return self._cur().execute("SELECT coalesce(max(audit_id), 0) FROM audit_log").fetchone()[0]

    def log_event(self, actor: Actor, action: str, city: str | None = None, **detail) -> None:
        """Audit entry for things that are not writes (logins, exports, failed logins)."""
        with self.transaction() as cur:
            city_id = None
            if city:
                row = cur.execute("SELECT city_id FROM cities WHERE name = $city",
                                  {"city": city}).fetchone()
                city_id = row[0] if row else None
            self._audit(cur, actor, action, city_id, **detail)

    def audit_log(self, actor: Actor, limit: int = 500) -> pd.DataFrame:
        self._require(actor, "audit.read")
        return self._df("SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT $limit",
                        {"limit": limit})
