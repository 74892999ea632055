"""Sensitive places of a city (#5)."""

from __future__ import annotations

import pandas as pd

from lagebild.access import Actor


class PlacesMixin:
    """Sensitive places of a city."""

    def places(self, actor: Actor, city: str) -> pd.DataFrame:
        """Sensitive places of a city (Kitas, schools, …): place_id, name, kind, lat, lon."""
        return self._df("SELECT place_id, name, kind, lat, lon FROM places WHERE "
                        "city_id = $city_id ORDER BY kind, name, place_id",
                        {"city_id": self.city_id(actor, city)})

    def replace_places(self, actor: Actor, city: str, places: pd.DataFrame,
                       filename: str = "") -> dict:
        """Replace the city's sensitive places by ``places`` (name, kind, lat, lon) in one
        transaction (admin only). Returns ``{"before": n, "after": m}``."""
        self._require(actor, "places.replace")
        city_id = self.city_id(actor, city)
        data = places[["name", "kind", "lat", "lon"]].copy()
        ids = {"city_id": city_id}
        with self.transaction() as cur:
            before = cur.execute("SELECT count(*) FROM places WHERE city_id = $city_id",
                                 ids).fetchone()[0]
            cur.execute("DELETE FROM places WHERE city_id = $city_id", ids)
            self._register(cur, "_new_places", data)
            cur.execute("INSERT INTO places (city_id, name, kind, lat, lon, uploaded_by) "
                        "SELECT $city_id, name, kind, lat, lon, $by FROM _new_places",
                        ids | {"by": actor.username})
            cur.unregister("_new_places")
            self._audit(cur, actor, "places.replace", city_id, filename=filename,
                        before=before, after=len(data))
        self.checkpoint()
        return {"before": int(before), "after": len(data)}

