"""Cities and their districts (boundaries with display geometry)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from lagebild.access import Actor
from lagebild.store._db import query
from lagebild.store.errors import Invalid


def _display_wkb(gdf) -> list:
    """WKB of the optional ``display_geometry`` column (None where absent)."""
    if "display_geometry" not in gdf.columns:
        return [None] * len(gdf)
    return [None if g is None or g.is_empty else shapely.to_wkb(g)
            for g in gdf["display_geometry"]]


class CitiesMixin:
    """Cities and their district boundaries."""

    def cities(self, actor: Actor) -> pd.DataFrame:
        """Cities the actor may see with their district and observation-row counts."""
        df = self._df(query("cities"))
        visible = pd.Series([actor.may_see_city(n) for n in df["name"]], index=df.index,
                            dtype=bool)
        return df.loc[visible].reset_index(drop=True)

    def ensure_city(self, actor: Actor, name: str, ags: str | None = None,
                    is_demo: bool = False) -> int:
        """Create the city if missing (admin only); returns its id."""
        self._require(actor, "city.create")
        name = name.strip()
        if not name:
            raise Invalid("Der Name der Stadt darf nicht leer sein.")
        with self.transaction() as cur:
            row = cur.execute("SELECT city_id FROM cities WHERE name = $name",
                              {"name": name}).fetchone()
            if row:
                if ags:
                    cur.execute("UPDATE cities SET ags = $ags WHERE city_id = $city_id",
                                {"ags": ags, "city_id": row[0]})
                return row[0]
            city_id = cur.execute(
                "INSERT INTO cities (name, ags, is_demo) VALUES ($name, $ags, $is_demo) "
                "RETURNING city_id", {"name": name, "ags": ags, "is_demo": is_demo},
            ).fetchone()[0]
            self._audit(cur, actor, "city.create", city_id, name=name, ags=ags)
        return city_id

    def districts(self, actor: Actor, city: str, display: bool = False) -> gpd.GeoDataFrame:
        """Districts of a city: district_id, code, name, population, parent, geometry (WGS84).

        With ``display`` the geometry is the cached simplified map geometry (shared borders
        kept), falling back to the exact geometry where none was computed.
        """
        city_id = self.city_id(actor, city)
        column = "coalesce(display_geometry, geometry)" if display else "geometry"
        df = self._df(
            f"SELECT district_id, code, name, population, parent, {column} AS geometry "
            "FROM districts WHERE city_id = $city_id ORDER BY name", {"city_id": city_id},
        )
        geoms = [shapely.from_wkb(bytes(g)) if g is not None else None for g in df.pop("geometry")]
        df["population"] = df["population"].astype("Int64")
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"))

    def upsert_districts(self, actor: Actor, city: str, gdf: gpd.GeoDataFrame) -> dict:
        """Insert or update districts (matched by code, else by name); observations stay.

        ``gdf`` needs columns code, name, population (may be NA), parent (may be NA) and a
        geometry in EPSG:4326; an optional ``display_geometry`` column (simplified map
        geometry, see ``geo.display_geometries``) is stored alongside and does not count as a
        change. Returns ``{"added": [...], "updated": [...], "unchanged": [...],
        "missing": [...]}`` with district names; "missing" are stored districts absent from the
        file (kept, because observations may refer to them).
        """
        self._require(actor, "districts.import")
        city_id = self.city_id(actor, city)
        report = {"added": [], "updated": [], "unchanged": [], "missing": []}
        with self.transaction() as cur:
            existing = cur.execute(
                "SELECT district_id, code, name, population, parent, geometry FROM districts "
                "WHERE city_id = $city_id", {"city_id": city_id}).fetchall()
            by_code = {r[1]: r for r in existing}
            by_name = {r[2].casefold(): r for r in existing}
            seen = set()
            shows = _display_wkb(gdf)
            for row, show in zip(gdf.itertuples(index=False), shows):
                wkb = shapely.to_wkb(row.geometry) if row.geometry is not None else None
                pop = None if pd.isna(row.population) else int(row.population)
                parent = None if pd.isna(row.parent) else str(row.parent)
                old = by_code.get(row.code) or by_name.get(str(row.name).casefold())
                if old is None:
                    cur.execute(
                        "INSERT INTO districts (city_id, code, name, population, parent, geometry,"
                        " display_geometry) VALUES ($city_id, $code, $name, $population, "
                        "$parent, $geometry, $display)",
                        {"city_id": city_id, "code": row.code, "name": row.name,
                         "population": pop, "parent": parent, "geometry": wkb, "display": show})
                    report["added"].append(row.name)
                    continue
                seen.add(old[0])
                if show is not None:
                    cur.execute("UPDATE districts SET display_geometry = $display WHERE "
                                "district_id = $id", {"display": show, "id": old[0]})
                new = (row.code, row.name, pop, parent, wkb)
                if new == (old[1], old[2], old[3], old[4], bytes(old[5]) if old[5] else None):
                    report["unchanged"].append(row.name)
                    continue
                cur.execute(
                    "UPDATE districts SET code = $code, name = $name, population = $population, "
                    "parent = $parent, geometry = $geometry WHERE district_id = $id",
                    dict(zip(("code", "name", "population", "parent", "geometry"), new),
                         id=old[0]))
                report["updated"].append(row.name)
            report["missing"] = sorted(r[2] for r in existing if r[0] not in seen
                                       and r[2] not in report["added"])
            self._audit(cur, actor, "districts.import", city_id,
                        **{k: len(v) for k, v in report.items()})
        return report

    def info(self, actor: Actor) -> dict:
        """Summary used by ``lagebild info``."""
        cities = self.cities(actor)
        return {
            "cities": [{"name": r.name, "districts": int(r.districts),
                        "observations": int(r.observations)} for r in cities.itertuples()],
            "observations": int(cities["observations"].sum()) if len(cities) else 0,
        }
