"""The network instance (Städtevergleich, #19): trusted city keys and one package per city."""

from __future__ import annotations

import hashlib

import pandas as pd

from lagebild.access import Actor
from lagebild.store.errors import Invalid


class ShareMixin:
    """Trusted city keys and the stored packages of other cities."""

    def share_trust(self, actor: Actor, city: str, public_key: str, fingerprint: str,
                    now) -> bool:
        """Trust (or re-key) a city's public key; True when it replaced another key."""
        self._require(actor, "share.trust")
        with self.transaction() as cur:
            old = cur.execute("SELECT fingerprint FROM share_trusted_keys WHERE city = $city",
                              {"city": city}).fetchall()
            cur.execute("INSERT OR REPLACE INTO share_trusted_keys (city, public_key, "
                        "fingerprint, added_by, added_at) VALUES ($city, $public_key, "
                        "$fingerprint, $by, $now)",
                        {"city": city, "public_key": public_key, "fingerprint": fingerprint,
                         "by": actor.username, "now": now})
            self._audit(cur, actor, "share.trust", None, city=city, fingerprint=fingerprint,
                        replaced=old[0][0] if old else None)
        return bool(old) and old[0][0] != fingerprint

    def share_trusted_keys(self, actor: Actor) -> pd.DataFrame:
        self._require(actor, "share.keys.read")
        return self._df("SELECT city, public_key, fingerprint, added_by, added_at "
                        "FROM share_trusted_keys ORDER BY city")

    def save_share_package(self, actor: Actor, manifest: dict, data: bytes, *,
                           imported_at) -> None:
        """Store a verified package in place of the city's earlier one (one transaction).
        A package not newer than the stored one is refused (Invalid), nothing written."""
        self._require(actor, "share.import")
        city = manifest["city"]
        created = pd.Timestamp(manifest["created_at"]).to_pydatetime()
        with self._write_lock, self.transaction() as cur:
            row = cur.execute("SELECT created_at FROM share_packages WHERE city = $city",
                              {"city": city}).fetchall()
            if row and row[0][0] >= created:
                raise Invalid(
                    f"Das Paket von {city} ist vom {created:%d.%m.%Y %H:%M:%S}; gespeichert ist "
                    f"schon eines vom {row[0][0]:%d.%m.%Y %H:%M:%S} – ein älteres oder gleich "
                    "altes Paket ersetzt es nicht. Abgelehnt, nichts geändert.")
            cur.execute("DELETE FROM share_packages WHERE city = $city", {"city": city})
            values = {"city": city, "ags": manifest.get("ags"),
                      "period_start": manifest.get("period_start"),
                      "period_end": manifest.get("period_end"), "created_at": created,
                      "schema_version": int(manifest["schema_version"]),
                      "software": manifest.get("software"),
                      "districts": bool(manifest.get("districts")),
                      "sha256": hashlib.sha256(data).hexdigest(),
                      "imported_by": actor.username, "imported_at": imported_at,
                      "package": data}
            cur.execute(f"INSERT INTO share_packages ({', '.join(values)}) VALUES "
                        f"({', '.join('$' + k for k in values)})", values)
            self._audit(cur, actor, "share.import", None, city=city,
                        created_at=manifest["created_at"], replaced=bool(row))

    def share_packages(self, actor: Actor) -> pd.DataFrame:
        """The stored packages without their bytes: city, period, created_at, imported_at…"""
        self._require(actor, "share.read")
        return self._df("SELECT * EXCLUDE (package) FROM share_packages ORDER BY city")

    def share_package_bytes(self, actor: Actor) -> dict[str, bytes]:
        """city -> the stored signed file."""
        self._require(actor, "share.read")
        rows = self._cur().execute("SELECT city, package FROM share_packages "
                                   "ORDER BY city").fetchall()
        return {city: bytes(blob) for city, blob in rows}
