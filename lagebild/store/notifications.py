"""E-mail notification subscriptions and the record of what was sent (#17)."""

from __future__ import annotations

import pandas as pd

from lagebild.access import Actor, allowed, roles_for
from lagebild.store._db import query


class NotificationsMixin:
    """E-mail subscriptions and the record of sent notices."""

    def notification_recipients(self, actor: Actor, city: str) -> pd.DataFrame:
        """Active accounts with an e-mail address that may see ``city``, with their
        subscription (``enabled``, ``digest``); without a stored choice crisis-team and admin
        accounts are subscribed, the others not."""
        self._require(actor, "notify.send")
        self.city_id(actor, city)
        df = self._df(query("notification_recipients"),
                      {"city": city, "all_cities": list(roles_for("cities.all"))})
        default = df["role"].isin(roles_for("notify.by_default"))
        df["enabled"] = df["enabled"].astype("boolean").fillna(default).astype(bool)
        df["digest"] = df["digest"].astype(bool)
        return df

    def subscription(self, actor: Actor, city: str) -> dict:
        """The actor's own subscription for ``city`` ({"enabled", "digest", "email"})."""
        self.city_id(actor, city)
        row = self._one("SELECT u.email, s.enabled, s.digest FROM users u LEFT JOIN "
                        "notification_subscriptions s ON s.username = u.username AND "
                        "s.city = $city WHERE u.username = $username",
                        {"city": city, "username": actor.username})
        email, enabled, digest = row if row else (None, None, None)
        if enabled is None:
            enabled = allowed(actor, "notify.by_default")
        return {"email": email, "enabled": bool(enabled), "digest": bool(digest)}

    def set_subscription(self, actor: Actor, city: str, *, enabled: bool,
                         digest: bool = False) -> None:
        """Subscribe the actor to (or unsubscribe from) the e-mails of ``city``; audited."""
        city_id = self.city_id(actor, city)
        with self.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO notification_subscriptions VALUES ($username, "
                        "$city, $enabled, $digest)",
                        {"username": actor.username, "city": city, "enabled": bool(enabled),
                         "digest": bool(digest)})
            self._audit(cur, actor, "notify.subscription", city_id, enabled=bool(enabled),
                        digest=bool(digest))

    def notifications_sent(self, actor: Actor, city: str) -> pd.DataFrame:
        """Which notice went to whom and when (admin only)."""
        self._require(actor, "notify.sent.read")
        return self._df("SELECT notice_key, username, subject, sent_at FROM notifications_sent "
                        "WHERE city_id = $city_id ORDER BY sent_at, notice_key, username",
                        {"city_id": self.city_id(actor, city)})

    def record_notification(self, actor: Actor, city: str, username: str, keys: list[str],
                            subject: str) -> bool:
        """Note that ``keys`` went to ``username`` in one message (one transaction, with its
        audit row). False, and nothing written, when one of them was recorded already."""
        self._require(actor, "notify.send")
        city_id = self.city_id(actor, city)
        who = {"city_id": city_id, "username": username}
        with self.transaction() as cur:
            seen = cur.execute(
                "SELECT count(*) FROM notifications_sent WHERE city_id = $city_id AND "
                "username = $username AND list_contains($keys, notice_key)",
                who | {"keys": keys}).fetchone()[0]
            if seen:
                return False
            for key in keys:
                cur.execute("INSERT INTO notifications_sent (notice_key, username, city_id, "
                            "subject) VALUES ($key, $username, $city_id, $subject)",
                            who | {"key": key, "subject": subject})
            self._audit(cur, actor, "notify.sent", city_id, recipient=username, notices=keys,
                        subject=subject)
        return True
