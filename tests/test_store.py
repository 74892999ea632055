from datetime import date

import duckdb
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from lagebild.access import AccessDenied, Actor, SYSTEM
from lagebild.catalog import load_catalog
from lagebild.store import CollidingRows, Store, migrations


def _city(store, name="Teststadt"):
    store.ensure_city(SYSTEM, name)
    gdf = gpd.GeoDataFrame({"code": ["01", "02"], "name": ["Altstadt", "Neustadt"],
                            "population": [1000, 2000], "parent": [None, None]},
                           geometry=[box(10, 51, 10.01, 51.01), box(10.01, 51, 10.02, 51.01)],
                           crs="EPSG:4326")
    store.upsert_districts(SYSTEM, name, gdf)
    return store.districts(SYSTEM, name).set_index("name")["district_id"]


def _rows(ids, n=3, indicator="spritzenfunde"):
    return pd.DataFrame({"district_id": [ids["Altstadt"]] * n, "indicator": [indicator] * n,
                         "date": pd.date_range("2026-11-02", periods=n), "count": [1, 2, 3][:n],
                         "lat": [None] * n, "lon": [None] * n, "note": [None] * n})


def _periods(start="2026-11-02", end="2026-11-04", indicator="spritzenfunde"):
    return pd.DataFrame({"indicator": [indicator], "start_date": [pd.Timestamp(start).date()],
                         "end_date": [pd.Timestamp(end).date()]})


def test_migrations_are_numbered_and_recorded(tmp_path):
    versions = [v for v, _, _ in migrations()]
    assert versions == sorted(versions) and versions[0] == 1
    path = tmp_path / "m.duckdb"
    Store(path).close()
    store = Store(path)          # reopening applies nothing twice
    assert store.schema_version() == versions[-1]
    store.close()


def test_districts_round_trip_with_geometry(empty_store):
    ids = _city(empty_store)
    d = empty_store.districts(SYSTEM, "Teststadt")
    assert list(d["name"]) == ["Altstadt", "Neustadt"] and d.crs == "EPSG:4326"
    assert d.geometry.iloc[0].equals(box(10, 51, 10.01, 51.01))
    assert set(ids.index) == {"Altstadt", "Neustadt"}


def test_reimport_updates_by_code_and_keeps_observations(empty_store):
    ids = _city(empty_store)
    empty_store.insert_upload(SYSTEM, "Teststadt", "Streetwork", "a.csv", "h1", _rows(ids),
                              _periods())
    changed = gpd.GeoDataFrame({"code": ["01"], "name": ["Altstadt-Mitte"],
                                "population": [1500], "parent": [None]},
                               geometry=[box(10, 51, 10.011, 51.01)], crs="EPSG:4326")
    report = empty_store.upsert_districts(SYSTEM, "Teststadt", changed)
    assert report == {"added": [], "updated": ["Altstadt-Mitte"], "unchanged": [],
                      "missing": ["Neustadt"]}
    d = empty_store.districts(SYSTEM, "Teststadt").set_index("code")
    assert d.loc["01", "population"] == 1500 and d.loc["01", "district_id"] == ids["Altstadt"]
    assert empty_store.weekly_counts(SYSTEM, "Teststadt")["count"].sum() == 6


def test_weekly_counts_group_by_iso_week(empty_store):
    ids = _city(empty_store)
    rows = _rows(ids).assign(date=pd.to_datetime(["2020-12-27", "2020-12-28", "2021-01-03"]))
    empty_store.insert_upload(SYSTEM, "Teststadt", "Streetwork", "a.csv", "h1", rows,
                              _periods("2020-12-27", "2021-01-03"))
    w = empty_store.weekly_counts(SYSTEM, "Teststadt")
    # 27.12.2020 is in KW 52 (Monday 21.12.); 28.12.2020 and 3.1.2021 are in KW 53/2020
    assert dict(zip(w["week"].astype(str), w["count"])) == {"2020-12-21": 1, "2020-12-28": 5}
    cov = empty_store.coverage(SYSTEM, "Teststadt")
    assert dict(zip(cov["week"].astype(str), cov["reported_days"])) == {
        "2020-12-21": 1, "2020-12-28": 7}


def test_failed_write_leaves_nothing_behind(empty_store):
    ids = _city(empty_store)
    bad = _rows(ids).assign(count=[1, -5, 2])          # CHECK (count >= 0) fails mid-insert
    with pytest.raises(duckdb.ConstraintException, match="count"):
        empty_store.insert_upload(SYSTEM, "Teststadt", "Streetwork", "a.csv", "h1", bad,
                                  _periods())
    assert empty_store.weekly_counts(SYSTEM, "Teststadt").empty
    assert empty_store.uploads(SYSTEM, "Teststadt").empty


def test_withdraw_removes_rows_and_is_audited(empty_store):
    ids = _city(empty_store)
    org = Actor("sw", "outreach", organisation="Streetwork")
    uid = empty_store.insert_upload(org, "Teststadt", "Streetwork", "a.csv", "h1", _rows(ids),
                                    _periods())
    assert empty_store.upload_by_hash(SYSTEM, "Teststadt", "h1")["upload_id"] == uid
    other = Actor("dh", "outreach", organisation="Drogenhilfe")
    with pytest.raises(AccessDenied):
        empty_store.withdraw_upload(other, "Teststadt", uid)
    assert empty_store.withdraw_upload(org, "Teststadt", uid) == 3
    assert empty_store.weekly_counts(SYSTEM, "Teststadt").empty
    assert empty_store.coverage(SYSTEM, "Teststadt").empty
    assert empty_store.upload_by_hash(SYSTEM, "Teststadt", "h1") is None
    log = empty_store.audit_log(SYSTEM)
    entry = log[log["action"] == "upload.withdraw"].iloc[0]
    assert entry["actor"] == "sw" and '"rows": 3' in entry["detail"]


def test_outreach_sees_only_its_own_uploads(empty_store):
    ids = _city(empty_store)
    a = Actor("a", "outreach", organisation="A")
    b = Actor("b", "outreach", organisation="B")
    empty_store.insert_upload(a, "Teststadt", "A", "a.csv", "ha", _rows(ids), _periods())
    empty_store.insert_upload(b, "Teststadt", "B", "b.csv", "hb", _rows(ids), _periods())
    assert list(empty_store.uploads(a, "Teststadt")["organisation"]) == ["A"]
    with pytest.raises(AccessDenied):
        empty_store.insert_upload(a, "Teststadt", "B", "x.csv", "hx", _rows(ids), _periods())


def test_city_access_is_enforced(empty_store):
    _city(empty_store, "Teststadt")
    _city(empty_store, "Anderstadt")
    reader = Actor("k", "krisenstab", cities=frozenset({"Teststadt"}))
    assert list(empty_store.cities(reader)["name"]) == ["Teststadt"]
    with pytest.raises(AccessDenied):
        empty_store.weekly_counts(reader, "Anderstadt")
    with pytest.raises(AccessDenied):
        empty_store.ensure_city(reader, "Neu")


def test_person_related_points_are_refused_for_everyone(empty_store):
    _city(empty_store)
    with pytest.raises(AccessDenied):
        empty_store.points(SYSTEM, "Teststadt", "drogennotfaelle", date(2026, 1, 1),
                           date(2026, 12, 31), load_catalog())


def test_migrations_006_007_keep_every_row_and_who_reported_it(tmp_path, monkeypatch):
    """A database from before migrations 006/007 (one observations table with the
    organisation on every row) opens with the rows split into counts and details behind the
    view ``observations``; exports, row-level filters, collision checks and withdrawals
    still see every row and its organisation, now from its upload."""
    import lagebild.store._db as store_module
    path = tmp_path / "alt.duckdb"
    every = store_module.migrations()
    monkeypatch.setattr(store_module, "migrations", lambda: [m for m in every if m[0] < 6])
    old = Store(path)
    ids = _city(old)
    cur = old._cur()
    for uid, org in ((1, "A"), (2, "B")):
        cur.execute("INSERT INTO uploads (upload_id, city_id, organisation, filename, sha256, "
                    "uploaded_by, row_count) VALUES (?, 1, ?, 'x.csv', ?, 'system', 2)",
                    [uid, org, f"h{uid}"])
        cur.execute("INSERT INTO observations (city_id, district_id, indicator, date, count, "
                    "lat, lon, organisation, upload_id, note) VALUES (1, ?, 'spritzenfunde', "
                    "DATE '2026-11-02', ?, 51.005, 10.005, ?, ?, NULL), (1, ?, "
                    "'spritzenfunde', DATE '2026-11-03', ?, NULL, NULL, ?, ?, ?)",
                    [int(ids["Altstadt"]), uid * 10, org, uid,
                     int(ids["Neustadt"]), uid * 100, org, uid, "Notiz" if uid == 2 else None])
    old.close()
    monkeypatch.setattr(store_module, "migrations", lambda: every)

    store = Store(path)
    assert store.schema_version() == every[-1][0]
    assert "organisation" not in set(store._df("DESCRIBE observations")["column_name"])
    tables = {t: store._df(f"SELECT count(*) AS n FROM {t}")["n"][0]
              for t in ("observation_counts", "observation_details")}
    assert tables == {"observation_counts": 1, "observation_details": 3}
    rows = store.observations(SYSTEM, "Teststadt")
    assert sorted(zip(rows["organisation"], rows["count"], rows["lat"].notna(),
                      rows["note"].fillna(""))) == [
        ("A", 10, True, ""), ("A", 100, False, ""), ("B", 20, True, ""),
        ("B", 200, False, "Notiz")]
    a = Actor("a", "outreach", organisation="A", cities=frozenset({"Teststadt"}))
    assert sorted(store.observations(a, "Teststadt")["count"]) == [10, 100]
    points = store.points(a, "Teststadt", "spritzenfunde", date(2026, 11, 1),
                          date(2026, 11, 30), load_catalog())
    assert list(points["count"]) == [10]
    same = pd.DataFrame({"district_id": [ids["Altstadt"], ids["Neustadt"]],
                         "indicator": ["spritzenfunde"] * 2,
                         "date": pd.to_datetime(["2026-11-02", "2026-11-03"]),
                         "lat": [51.005, None], "lon": [10.005, None]})
    assert sorted(store.colliding_rows(SYSTEM, "Teststadt", "A", same)["count"]) == [10, 100]
    assert store.colliding_rows(SYSTEM, "Teststadt", "C", same).empty
    assert store.withdraw_upload(SYSTEM, "Teststadt", 1) == 2
    assert sorted(store.observations(SYSTEM, "Teststadt")["count"]) == [20, 200]
    store.close()


def test_rows_land_in_counts_or_details_and_replace_finds_both(empty_store):
    """District counts without coordinates or note go to observation_counts, the others to
    observation_details; a replacing upload deletes earlier rows from both."""
    ids = _city(empty_store)
    rows = pd.DataFrame({"district_id": [ids["Altstadt"]] * 3,
                         "indicator": ["spritzenfunde"] * 3,
                         "date": pd.to_datetime(["2026-11-02", "2026-11-02", "2026-11-03"]),
                         "count": [4, 1, 2], "lat": [None, 51.005, None],
                         "lon": [None, 10.005, None], "note": [None, None, "am Spielplatz"]})
    empty_store.insert_upload(SYSTEM, "Teststadt", "Streetwork", "a.csv", "h1", rows,
                              _periods("2026-11-02", "2026-11-03"))

    def stored():
        return {t: sorted(empty_store._df(f"SELECT count FROM {t}")["count"])
                for t in ("observation_counts", "observation_details")}

    assert stored() == {"observation_counts": [4], "observation_details": [1, 2]}
    again = rows.assign(count=[40, 10, 20])
    with pytest.raises(CollidingRows, match="^3 Zeilen"):
        empty_store.insert_upload(SYSTEM, "Teststadt", "Streetwork", "b.csv", "h2", again,
                                  _periods("2026-11-02", "2026-11-03"))
    empty_store.insert_upload(SYSTEM, "Teststadt", "Streetwork", "b.csv", "h2", again,
                              _periods("2026-11-02", "2026-11-03"), replace=True)
    assert stored() == {"observation_counts": [40], "observation_details": [10, 20]}
    log = empty_store.audit_log(SYSTEM)
    assert '"replaced": 3' in log[log["action"] == "upload.import"].iloc[0]["detail"]
