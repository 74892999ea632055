"""The import service: idempotency, collisions and replace, dry runs, withdrawal, periods,
access rules."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import (  # noqa: E402
    CITY,
    INSIDE,
    TODAY,
    assert_unchanged,
    make_store,
    observation_count,
    snapshot,
)

from lagebild.access import SYSTEM, AccessDenied, Actor  # noqa: E402
from lagebild.store import Invalid, NotFound  # noqa: E402
from lagebild.ingest.importer import import_file, preview, withdraw  # noqa: E402
from lagebild.ingest.outcome import find_collisions  # noqa: E402

H = "datum;stadtteil;indikator;anzahl"
FIRST = (f"{H}\n02.11.2026;Altstadt;naloxon;2\n03.11.2026;Altstadt;naloxon;3\n"
         "03.11.2026;Südvorstadt;naloxon;1\n").encode()
# overlaps FIRST on (Altstadt, naloxon, 03.11.) and (Südvorstadt, naloxon, 03.11.)
SECOND = (f"{H}\n03.11.2026;Altstadt;naloxon;5\n03.11.2026;Südvorstadt;Naloxon-Gaben;0\n"
          "04.11.2026;Altstadt;naloxon;7\n").encode()


@pytest.fixture
def store(tmp_path):
    s = make_store(tmp_path / "t.duckdb")
    yield s
    s.close()


def run(store, data, org="Streetwork", actor=SYSTEM, **kw):
    kw.setdefault("today", TODAY)
    return import_file(store, actor, CITY, org, data, "meldung.csv", **kw)


def last_audit(store, action):
    log = store.audit_log(SYSTEM)
    row = log[log["action"] == action].iloc[0]
    return row, json.loads(row["detail"])


def test_import_then_same_bytes_is_duplicate(store):
    first = run(store, FIRST)
    assert first.status == "imported" and first.rows == 3 and first.upload_id is not None
    assert first.totals == {"naloxon": 6}
    assert first.by_district == {"Altstadt": {"naloxon": 5}, "Südvorstadt": {"naloxon": 1}}
    before = snapshot(store)
    again = run(store, FIRST, org="Drogenhilfe")
    assert again.status == "duplicate" and again.upload_id == first.upload_id
    uploaded = pd.Timestamp(store.uploads(SYSTEM, CITY)["uploaded_at"].iloc[0])
    assert f"bereits importiert am {uploaded:%d.%m.%Y} (Upload {first.upload_id})" \
        in again.message
    assert_unchanged(before, snapshot(store))
    assert run(store, FIRST, lang="en").message.startswith("This file was already imported")


def test_collisions_rejected_without_replace(store):
    run(store, FIRST)
    before = snapshot(store)
    out = run(store, SECOND)
    assert out.status == "rejected" and out.upload_id is None and out.errors == []
    assert "ersetzen" in out.message and "2 Zeilen" in out.message
    coll = out.collisions.sort_values("district").reset_index(drop=True)
    assert coll["district"].tolist() == ["Altstadt", "Südvorstadt"]
    assert coll["count"].tolist() == [3, 1]                        # the earlier values
    assert pd.to_datetime(coll["date"]).dt.date.tolist() == [date(2026, 11, 3)] * 2
    assert_unchanged(before, snapshot(store))


def test_collisions_are_per_organisation(store):
    run(store, FIRST)
    out = run(store, SECOND, org="Drogenhilfe")
    assert out.status == "imported" and out.collisions.empty
    assert observation_count(store) == 6


def test_replace_swaps_the_colliding_rows_and_is_audited(store):
    run(store, FIRST)
    out = run(store, SECOND, replace=True)
    assert out.status == "imported" and out.replaced == 2
    assert "2 frühere Zeilen ersetzt" in out.message
    obs = store.observations(SYSTEM, CITY)
    got = {(r.district_code, f"{r.date:%Y-%m-%d}", int(r.count)) for r in obs.itertuples()}
    assert got == {("01", "2026-11-02", 2), ("01", "2026-11-03", 5), ("03", "2026-11-03", 0),
                   ("01", "2026-11-04", 7)}
    _, detail = last_audit(store, "upload.import")
    assert detail["upload_id"] == out.upload_id and detail["replaced"] == 2
    assert detail["rows"] == 3 and detail["organisation"] == "Streetwork"


def test_point_rows_collide_only_at_the_same_coordinates(store):
    lat, lon = INSIDE["Altstadt"]
    one = f"datum;lat;lon;indikator\n03.11.2026;{lat};{lon};spritzenfunde\n".encode()
    other_spot = "datum;lat;lon;indikator\n03.11.2026;51.31;12.31;spritzenfunde\n".encode()
    same_spot = f"datum;lat;lon;indikator;anzahl\n03.11.2026;{lat};{lon};spritzenfunde;2\n"
    assert run(store, one).status == "imported"
    assert run(store, other_spot).status == "imported"
    out = run(store, same_spot.encode())
    assert out.status == "rejected" and len(out.collisions) == 1
    assert out.collisions["lat"].tolist() == [lat]


def test_dry_run_and_preview_write_nothing(store):
    run(store, FIRST)
    before = snapshot(store)
    valid = run(store, SECOND, dry_run=True, replace=True)
    assert valid.status == "valid" and valid.upload_id is None and valid.replaced == 2
    assert "würden ersetzt" in valid.message
    shown = preview(store, SYSTEM, CITY, "Drogenhilfe", SECOND, "m.csv", today=TODAY)
    assert shown.status == "valid" and shown.rows == 3 and "Probelauf" in shown.message
    bad = preview(store, SYSTEM, CITY, "Streetwork", SECOND.replace(b";7", b";-7"), "m.csv",
                  today=TODAY)
    assert bad.status == "rejected" and [(e.line, e.column) for e in bad.errors] == \
        [(4, "anzahl")]
    assert_unchanged(before, snapshot(store))


def test_withdraw_removes_rows_and_logs_who_which_how_many(store):
    keep = run(store, FIRST, org="Drogenhilfe")
    out = run(store, SECOND)
    assert int(store.weekly_counts(SYSTEM, CITY)["count"].sum()) == 6 + 12
    admin = Actor("anna", "admin")
    result = withdraw(store, admin, CITY, out.upload_id)
    assert result.rows == 3 and f"Upload {out.upload_id} zurückgezogen" in result.message
    assert int(store.weekly_counts(SYSTEM, CITY)["count"].sum()) == 6
    row, detail = last_audit(store, "upload.withdraw")
    assert row["actor"] == "anna"
    assert detail == {"upload_id": out.upload_id, "organisation": "Streetwork", "rows": 3}
    uploads = store.uploads(SYSTEM, CITY).set_index("upload_id")
    assert uploads.loc[out.upload_id, "status"] == "withdrawn"
    assert uploads.loc[keep.upload_id, "status"] == "imported"
    with pytest.raises(Invalid, match="bereits zurückgezogen"):
        withdraw(store, admin, CITY, out.upload_id)
    # withdrawn bytes may come again
    assert run(store, SECOND).status == "imported"


def test_withdraw_is_for_the_uploading_organisation_or_admin(store):
    out = run(store, FIRST)
    with pytest.raises(AccessDenied):
        withdraw(store, Actor("o", "outreach", organisation="Drogenhilfe"), CITY,
                 out.upload_id)
    result = withdraw(store, Actor("s", "outreach", organisation="Streetwork"), CITY,
                      out.upload_id)
    assert result.rows == 3


def test_reporting_periods_are_stored_and_leave_with_the_upload(store):
    data = (f"{H}\n02.11.2026;Altstadt;naloxon;2\n06.11.2026;Altstadt;naloxon;0\n"
            "04.11.2026;Altstadt;beschwerden;1\n").encode()
    out = run(store, data)
    cov = store.coverage(SYSTEM, CITY)
    days = {(r.indicator, pd.Timestamp(r.week).date(), int(r.reported_days))
            for r in cov.itertuples()}
    # naloxon 2.–6.11.: Monday 2.11. week, 5 days; beschwerden only 4.11.
    assert days == {("naloxon", date(2026, 11, 2), 5), ("beschwerden", date(2026, 11, 2), 1)}
    withdraw(store, SYSTEM, CITY, out.upload_id)
    assert store.coverage(SYSTEM, CITY).empty


def test_reporting_period_given_by_the_user(store):
    period = (date(2026, 11, 2), date(2026, 11, 8))
    out = run(store, FIRST, period=period)
    assert out.status == "imported"
    cov = store.coverage(SYSTEM, CITY)
    assert cov["reported_days"].tolist() == [7]


@pytest.mark.parametrize("actor, org, error", [
    (Actor("o", "outreach", organisation="Drogenhilfe"), "Streetwork", AccessDenied),
    (Actor("g", "gast"), "Streetwork", AccessDenied),
    (Actor("k", "krisenstab", cities=frozenset({"Anderswo"})), "Streetwork", AccessDenied),
])
def test_access_rules(actor, org, error, store):
    before = snapshot(store)
    with pytest.raises(error):
        run(store, FIRST, org=org, actor=actor)
    assert_unchanged(before, snapshot(store))


def test_outreach_uploads_for_its_own_organisation(store):
    me = Actor("s", "outreach", organisation="Streetwork")
    out = run(store, FIRST, org="Streetwork", actor=me)
    assert out.status == "imported"
    assert store.uploads(SYSTEM, CITY)["uploaded_by"].tolist() == ["s"]


def test_unknown_city(store):
    with pytest.raises(NotFound, match="Stadt 'Nirgendwo' ist nicht angelegt"):
        import_file(store, SYSTEM, "Nirgendwo", "Streetwork", FIRST, "m.csv", today=TODAY)


def test_find_collisions_empty_for_a_fresh_city(store):
    out = run(store, FIRST, dry_run=True)
    assert find_collisions(store, SYSTEM, CITY, "Streetwork", out.parsed.rows).empty


def test_outcome_json_shape(store):
    run(store, FIRST)
    out = run(store, SECOND)
    doc = out.as_json()
    assert set(doc) >= {"status", "upload_id", "rows", "totals", "by_district", "errors"}
    json.dumps(doc)                                   # serialisable as is
    assert doc["collisions"][0]["date"] == "2026-11-03"
