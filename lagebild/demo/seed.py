"""Store the synthetic demo city (``lagebild demo``): one upload per demo organisation."""

from __future__ import annotations

import hashlib

import pandas as pd

from datetime import date

from lagebild import clock
from lagebild.access import SYSTEM
from lagebild.accounts import create_demo_accounts
from lagebild.catalog import Catalog, load_catalog
from lagebild.demo.city import generate_demo, last_full_week_end, sunday_on_or_before
from lagebild.store import Store


def demo_end(end: date | None = None) -> date:
    """Last day of the demo data: the Sunday on or before ``end`` if given, else the end of
    the last complete ISO week before today (``lagebild.clock``)."""
    return sunday_on_or_before(end) if end is not None else last_full_week_end(clock.today())


def create_demo(store: Store, seed: int = 42, catalog: Catalog | None = None,
                end: date | None = None) -> str:
    """Generate Musterstadt and store it; returns the city name. Refuses to run twice.
    The data end on :func:`demo_end` (``end``); meetings and measures are dated relative to
    it, so the last meeting lies in the past and the next one in the future."""
    catalog = catalog or load_catalog()
    demo = generate_demo(seed=seed, catalog=catalog, end=demo_end(end))
    if demo.name in set(store.cities(SYSTEM)["name"]):
        raise ValueError(f"Die Demo-Stadt '{demo.name}' ist in dieser Datenbank schon angelegt.")
    store.ensure_city(SYSTEM, demo.name, ags=demo.ags, is_demo=True)
    store.upsert_districts(SYSTEM, demo.name, demo.districts[
        ["code", "name", "population", "parent", "geometry"]])
    ids = store.districts(SYSTEM, demo.name).set_index("code")["district_id"]
    obs = demo.observations.assign(district_id=demo.observations["district_code"].map(ids))
    for org, rows in obs.groupby("source_org", sort=True):
        periods = (rows.groupby("indicator", as_index=False)
                   .agg(start_date=("date", "min"), end_date=("date", "max")))
        # The demo reporters cover the whole range for every indicator they report.
        periods["start_date"] = obs["date"].min()
        periods["end_date"] = obs["date"].max()
        digest = hashlib.sha256(f"demo:{seed}:{org}".encode()).hexdigest()
        store.insert_upload(SYSTEM, demo.name, org, "demo (synthetisch)", digest,
                            rows.reset_index(drop=True), periods)
    orgs = demo.organisations
    streetwork = orgs.loc[orgs["kind"] == "Streetwork", "name"].iloc[0]
    create_demo_accounts(store, demo.name, streetwork)
    from lagebild.drugcheck.demo import create_demo_tests  # (#18) drug-checking results
    create_demo_tests(store, demo.name, seed)
    from lagebild.alerts.service import refresh_alerts  # (#4) Ampel signals and alerts of the demo
    refresh_alerts(store, SYSTEM, demo.name, catalog)
    from lagebild.demo.measures import create_demo_measures  # (#6) meetings and measures
    create_demo_measures(store, demo.name)
    from lagebild.drugcheck.demo import create_demo_warning  # (#18) one Substanzwarnung
    create_demo_warning(store, demo.name, clock.today())
    return demo.name


def demo_outbreaks(seed: int = 42, end: date | None = None) -> pd.DataFrame:
    """The injected outbreaks of the demo (for tests and the demo explanation)."""
    return generate_demo(seed=seed, end=demo_end(end)).outbreaks


def create_large_demo(store: Store, seed: int = 42, catalog: Catalog | None = None,
                      progress=print) -> list[str]:
    """Store the state-sized synthetic data set (``lagebild demo --scale large``): four
    cities, 200 districts, ten years daily, every indicator; one upload per city. Alert
    signals are computed as for the demo city. Refuses to run twice."""
    from lagebild.alerts.service import refresh_alerts
    from lagebild.demo.large import ORGANISATION, large_cities, large_observations
    catalog = catalog or load_catalog()
    keys = [i.key for i in catalog]
    cities = large_cities(seed)
    existing = set(store.cities(SYSTEM)["name"])
    if any(c.name in existing for c in cities):
        raise ValueError("Die großen Demo-Städte sind in dieser Datenbank schon angelegt.")
    for city in cities:
        store.ensure_city(SYSTEM, city.name, is_demo=True)
        store.upsert_districts(SYSTEM, city.name, city.districts)
        ids = store.districts(SYSTEM, city.name).set_index("code")["district_id"]
        obs = large_observations(city, keys)
        rows = pd.DataFrame({"district_id": obs["district_code"].map(ids).astype("int64"),
                             "indicator": obs["indicator"], "date": obs["date"],
                             "count": obs["count"], "lat": float("nan"),
                             "lon": float("nan"), "note": pd.Series(None, dtype="str",
                                                                    index=obs.index)})
        periods = pd.DataFrame({"indicator": keys, "start_date": obs["date"].min().date(),
                                "end_date": obs["date"].max().date()})
        digest = hashlib.sha256(f"demo-large:{seed}:{city.name}".encode()).hexdigest()
        store.insert_upload(SYSTEM, city.name, ORGANISATION, "demo groß (synthetisch)",
                            digest, rows, periods)
        n = f"{len(rows):,}".replace(",", ".")
        progress(f"  {city.name}: {len(city.districts)} Stadtteile, {n} Beobachtungen")
        refresh_alerts(store, SYSTEM, city.name, catalog)
    return [c.name for c in cities]
