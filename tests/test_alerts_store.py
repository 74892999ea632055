"""Alert storage: refresh keeps alert ids, withdrawals retract (never delete), acknowledgement
by the crisis team only, audited; every write is one transaction."""

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from lagebild.alerts import service as alerting
from lagebild.access import SYSTEM, AccessDenied, Actor
from lagebild.store import Invalid, NotFound
from lagebild.alerts.config import load_alert_config
from lagebild.analytics.escalation import escalation
from lagebild.analytics.trends import CITY
from lagebild.catalog import load_catalog

CITY_NAME = "Teststadt"
CATALOG = load_catalog()
CONFIG = load_alert_config(catalog=CATALOG)
KRISENSTAB = Actor("kim", "krisenstab", cities=frozenset({CITY_NAME}))


def _setup(store) -> dict:
    store.ensure_city(SYSTEM, CITY_NAME)
    gdf = gpd.GeoDataFrame({"code": ["01", "02"], "name": ["Altstadt", "Neustadt"],
                            "population": [10_000, 20_000], "parent": [None, None]},
                           geometry=[box(10, 51, 10.01, 51.01), box(10.01, 51, 10.02, 51.01)],
                           crs="EPSG:4326")
    store.upsert_districts(SYSTEM, CITY_NAME, gdf)
    return store.districts(SYSTEM, CITY_NAME).set_index("name")["district_id"].to_dict()


def _upload(store, ids, weekly: list[int], name="a.csv", start="2026-08-03") -> int:
    """Naloxon in Neustadt: ``weekly`` counts, all on the Monday of each week, other days 0."""
    days = pd.date_range(start, periods=7 * len(weekly))
    counts = [weekly[i // 7] if i % 7 == 0 else 0 for i in range(len(days))]
    rows = pd.DataFrame({"district_id": ids["Neustadt"], "indicator": "naloxon", "date": days,
                         "count": counts, "lat": None, "lon": None, "note": None})
    periods = pd.DataFrame({"indicator": ["naloxon"], "start_date": [days[0].date()],
                            "end_date": [days[-1].date()]})
    return store.insert_upload(SYSTEM, CITY_NAME, "Rettungsdienst", name, name, rows, periods)


def _refresh(store, actor=SYSTEM):
    return alerting.refresh_alerts(store, actor, CITY_NAME, CATALOG, CONFIG)


@pytest.fixture
def city(empty_store):
    ids = _setup(empty_store)
    upload = _upload(empty_store, ids, [1] * 14 + [12])
    return empty_store, ids, upload


def test_refresh_stores_signals_and_the_alert_when_it_first_fires(city):
    store, ids, _ = city
    assert alerting.is_stale(store, SYSTEM, CITY_NAME, CATALOG, CONFIG)
    counts = _refresh(store)
    assert counts["new"] >= 1 and counts["signals"] == 3 * len(CATALOG) * 15
    assert not alerting.is_stale(store, SYSTEM, CITY_NAME, CATALOG, CONFIG)
    sig = alerting.load_signals(store, SYSTEM, CITY_NAME)
    last = sig[(sig["week"] == "2026-11-09") & (sig["indicator"] == "naloxon")]
    assert last.set_index("district_id").loc[ids["Neustadt"], "colour"] == "red"
    assert set(sig.loc[sig["indicator"] == "spritzenfunde", "cause"]) == {"no_report"}
    eps = alerting.load_episodes(store, SYSTEM, CITY_NAME)
    mine = eps[(eps["district_id"] == ids["Neustadt"]) & (eps["indicator"] == "naloxon")]
    assert len(mine) == 1
    ep = mine.iloc[0]
    assert (ep["first_week"], ep["last_week"], ep["state"], ep["peak_colour"]) == (
        pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-09"), "open", "red")
    assert CITY in set(eps["district_id"])                   # the city total fired as well
    audit = store.audit_log(SYSTEM)
    assert audit.iloc[0]["action"] == "alerts.refresh"
    assert json.loads(audit.iloc[0]["detail"])["new"] == counts["new"]


def test_refresh_keeps_ids_and_acknowledgements_and_extends_the_episode(city):
    store, ids, _ = city
    _refresh(store)
    first = alerting.load_episodes(store, SYSTEM, CITY_NAME)
    alert_id = int(first.loc[first["district_id"] == ids["Neustadt"], "alert_id"].iloc[0])
    store.acknowledge_alert(KRISENSTAB, CITY_NAME, alert_id, "Streetwork informiert")
    _upload(store, ids, [14, 1, 1], name="b.csv", start="2026-11-16")   # one more red week
    assert alerting.is_stale(store, SYSTEM, CITY_NAME, CATALOG, CONFIG)
    counts = _refresh(store)
    assert counts["retracted"] == 0
    eps = alerting.load_episodes(store, SYSTEM, CITY_NAME).set_index("alert_id")
    ep = eps.loc[alert_id]
    assert (ep["first_week"], ep["last_week"]) == (pd.Timestamp("2026-11-09"),
                                                   pd.Timestamp("2026-11-16"))
    assert ep["acknowledged_by"] == "kim" and ep["ack_comment"] == "Streetwork informiert"
    assert ep["state"] == "ended" and ep["end_week"] == pd.Timestamp("2026-11-30")


def test_withdrawn_data_retract_the_alert_instead_of_deleting_it(city):
    store, ids, upload = city
    _refresh(store)
    n = len(alerting.load_episodes(store, SYSTEM, CITY_NAME))
    store.withdraw_upload(SYSTEM, CITY_NAME, upload)
    counts = _refresh(store)
    eps = alerting.load_episodes(store, SYSTEM, CITY_NAME)
    assert counts["retracted"] == n and len(eps) == n
    assert set(eps["state"]) == {"retracted"}


def test_acknowledgement_is_audited_and_only_once(city):
    store, ids, _ = city
    _refresh(store)
    alert_id = int(alerting.load_episodes(store, SYSTEM, CITY_NAME)["alert_id"].iloc[0])
    store.acknowledge_alert(KRISENSTAB, CITY_NAME, alert_id, "  Lage besprochen  ")
    entry = store.audit_log(SYSTEM).iloc[0]
    assert (entry["action"], entry["actor"]) == ("alert.acknowledge", "kim")
    assert json.loads(entry["detail"]) == {"alert_id": alert_id, "comment": "Lage besprochen"}
    with pytest.raises(Invalid, match="bereits am .* von kim quittiert"):
        store.acknowledge_alert(SYSTEM, CITY_NAME, alert_id, "noch einmal")


@pytest.mark.parametrize("actor", [
    Actor("g", "gast", cities=frozenset({CITY_NAME})),
    Actor("s", "outreach", cities=frozenset({CITY_NAME}), organisation="Streetwork")])
def test_gast_and_outreach_may_not_acknowledge(city, actor):
    store, _, _ = city
    _refresh(store)
    alert_id = int(alerting.load_episodes(store, SYSTEM, CITY_NAME)["alert_id"].iloc[0])
    with pytest.raises(AccessDenied, match="darf nicht: Warnungen quittieren"):
        store.acknowledge_alert(actor, CITY_NAME, alert_id, "gesehen")
    assert alerting.load_episodes(store, SYSTEM, CITY_NAME)["acknowledged_by"].isna().all()


def test_acknowledgement_checks_city_comment_and_id(city):
    store, _, _ = city
    _refresh(store)
    alert_id = int(alerting.load_episodes(store, SYSTEM, CITY_NAME)["alert_id"].iloc[0])
    other = Actor("o", "krisenstab", cities=frozenset({"Leipzig"}))
    with pytest.raises(AccessDenied, match="Kein Zugriff auf die Stadt"):
        store.acknowledge_alert(other, CITY_NAME, alert_id, "x")
    with pytest.raises(Invalid, match="Bitte einen Kommentar angeben"):
        store.acknowledge_alert(KRISENSTAB, CITY_NAME, alert_id, "   ")
    with pytest.raises(NotFound, match="Warnung 999 gibt es in Teststadt nicht"):
        store.acknowledge_alert(KRISENSTAB, CITY_NAME, 999, "x")


def test_restricted_roles_neither_refresh_nor_read_the_alert_list(city):
    store, _, _ = city
    gast = Actor("g", "gast", cities=frozenset({CITY_NAME}))
    with pytest.raises(AccessDenied):
        _refresh(store, gast)
    _refresh(store, Actor("s", "outreach", cities=frozenset({CITY_NAME}),
                          organisation="Streetwork"))
    with pytest.raises(AccessDenied, match="Warnliste"):
        store.alert_episodes(gast, CITY_NAME)
    assert len(store.alert_signals(gast, CITY_NAME)) > 0       # the Ampel itself is fine


def test_a_failing_refresh_changes_nothing(city, monkeypatch):
    store, ids, _ = city
    _refresh(store)
    before = (store.alert_signals(SYSTEM, CITY_NAME), store.alert_episodes(SYSTEM, CITY_NAME))
    _upload(store, ids, [30, 30], name="c.csv", start="2026-11-16")

    def boom(*args, **kwargs):
        raise RuntimeError("Platte voll")
    monkeypatch.setattr(store, "_audit", boom)
    with pytest.raises(RuntimeError):
        _refresh(store)
    pd.testing.assert_frame_equal(store.alert_signals(SYSTEM, CITY_NAME), before[0])
    pd.testing.assert_frame_equal(store.alert_episodes(SYSTEM, CITY_NAME), before[1])


def test_demo_outbreaks_are_red_in_their_peak_week_and_raise_the_lagestufe(demo_store):
    from lagebild.demo.city import generate_demo
    sig = alerting.load_signals(demo_store, SYSTEM, "Musterstadt")
    codes = demo_store.districts(SYSTEM, "Musterstadt").set_index("code")["district_id"]
    outbreaks = generate_demo().outbreaks
    assert len(outbreaks) >= 3
    for ob in outbreaks.itertuples():
        week = ob.peak - pd.Timedelta(days=ob.peak.weekday())
        cell = sig[(sig["district_id"] == codes[ob.district_code])
                   & (sig["indicator"] == ob.indicator) & (sig["week"] == week)]
        assert cell["colour"].tolist() == ["red"], (ob.district_code, ob.indicator, week)
        esc = escalation(sig, week, CONFIG.levels)
        assert esc.level >= (2 if CATALOG[ob.indicator].person_related else 1)


def test_refresh_after_an_import_never_breaks_the_import(city, monkeypatch):
    store, ids, _ = city
    assert alerting.refresh_after_change(store, SYSTEM, CITY_NAME, CATALOG)["new"] >= 1
    _upload(store, ids, [9, 9], name="d.csv", start="2026-11-16")

    def broken(*args, **kwargs):
        raise AccessDenied("alerts.toml: 'defaults.red.alpha' muss …")
    monkeypatch.setattr(alerting, "load_alert_config", broken)
    assert alerting.refresh_after_change(store, SYSTEM, CITY_NAME, CATALOG) is None
    assert alerting.is_stale(store, SYSTEM, CITY_NAME, CATALOG, CONFIG)   # left for the page
