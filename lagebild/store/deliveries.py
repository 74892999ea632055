"""Deliveries (#20): the upload history per organisation and indicator, the admin's delivery
rhythms, reminders sent – for the completeness view and the page "Betrieb"."""

from __future__ import annotations

import pandas as pd

from lagebild.access import Actor

RHYTHM_VALUES = ("daily", "weekly", "monthly", "none")


class DeliveriesMixin:

    def delivery_history(self, actor: Actor, city: str) -> pd.DataFrame:
        """One row per imported (not withdrawn) upload × indicator: ``organisation``,
        ``indicator``, ``upload_id``, ``uploaded_at``, ``start_date``, ``end_date`` of its
        reporting period. Metadata, no counts; crisis team and admin."""
        self._require(actor, "completeness.read")
        return self._df(
            "SELECT u.organisation, rp.indicator, u.upload_id, u.uploaded_at, "
            "min(rp.start_date) AS start_date, max(rp.end_date) AS end_date "
            "FROM uploads u JOIN reporting_periods rp USING (upload_id) "
            "WHERE u.city_id = ? AND u.status = 'imported' GROUP BY ALL "
            "ORDER BY u.organisation, rp.indicator, u.upload_id",
            [self.city_id(actor, city)])

    def delivery_rhythms(self, actor: Actor, city: str) -> pd.DataFrame:
        """The rhythms an admin set (``organisation``, ``indicator``, ``rhythm``, ``set_by``,
        ``set_at``)."""
        self._require(actor, "completeness.read")
        return self._df("SELECT organisation, indicator, rhythm, set_by, set_at "
                        "FROM delivery_rhythms WHERE city_id = ? "
                        "ORDER BY organisation, indicator", [self.city_id(actor, city)])

    def set_delivery_rhythm(self, actor: Actor, city: str, organisation: str,
                            indicators: list[str], rhythm: str | None) -> None:
        """Set the rhythm of ``organisation`` for ``indicators`` (admin; one transaction with
        its audit row); ``None`` removes the setting, the rhythm is learnt again."""
        self._require(actor, "rhythm.set")
        if rhythm is not None and rhythm not in RHYTHM_VALUES:
            raise ValueError(f"Unbekannter Rhythmus '{rhythm}' (erlaubt: "
                             f"{', '.join(RHYTHM_VALUES)}).")
        city_id = self.city_id(actor, city)
        with self.transaction() as cur:
            for indicator in indicators:
                cur.execute("DELETE FROM delivery_rhythms WHERE city_id = ? AND "
                            "organisation = ? AND indicator = ?",
                            [city_id, organisation, indicator])
                if rhythm is not None:
                    cur.execute("INSERT INTO delivery_rhythms (city_id, organisation, "
                                "indicator, rhythm, set_by) VALUES (?, ?, ?, ?, ?)",
                                [city_id, organisation, indicator, rhythm, actor.username])
            self._audit(cur, actor, "ops.rhythm", city_id, organisation=organisation,
                        indicators=list(indicators), rhythm=rhythm)

    def organisation_accounts(self, actor: Actor, city: str, organisation: str) -> pd.DataFrame:
        """Active accounts of ``organisation`` with an e-mail address that may see ``city``
        (``username``, ``email``): the recipients of its delivery reminders. Admin only."""
        self._require(actor, "reminders.send")
        self.city_id(actor, city)
        return self._df(
            "SELECT u.username, u.email FROM users u WHERE u.active AND u.organisation = ? "
            "AND u.email IS NOT NULL AND u.email <> '' AND EXISTS (SELECT 1 FROM user_cities "
            "c WHERE c.username = u.username AND c.city = ?) ORDER BY u.username",
            [organisation, city])

    def backup_events(self, actor: Actor, limit: int = 20) -> pd.DataFrame:
        """The newest audit rows of backups (``action`` starting with ``backup``: the command,
        and the server's scheduled or manual backups): ``logged_at``, ``actor``, ``action``,
        ``detail`` (JSON text). Admin only."""
        self._require(actor, "audit.read")
        return self._df("SELECT logged_at, actor, action, detail FROM audit_log "
                        "WHERE action LIKE 'backup%' ORDER BY audit_id DESC LIMIT ?", [limit])
