import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagebild import export, privacy
from lagebild.access import SYSTEM, Actor
from lagebild.catalog import load_catalog
from lagebild.cli import main

KRISENSTAB = Actor("k", "krisenstab", cities=frozenset({"Musterstadt"}))
GAST = Actor("g", "gast", cities=frozenset({"Musterstadt"}))


@pytest.mark.parametrize("cell,expected", [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'), ("+49 341", "'+49 341"),
    ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Spritze im Park", "Spritze im Park"),
])
def test_text_cells_are_neutralised(cell, expected):
    frame = pd.DataFrame({"note": [cell], "count": [-3], "lat": [51.3]})
    data = export.to_csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))
    assert rows[0] == ["note", "count", "lat"]
    assert rows[1] == [expected, "-3", "51.3"]                       # numbers untouched


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=30))
def test_no_exported_text_cell_starts_with_a_formula_character(text):
    frame = export.neutralise_frame(pd.DataFrame({"t": [text]}))
    assert not str(frame.loc[0, "t"]).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_gast_export_is_suppressed_and_complete(demo_store):
    frame = export.export_frame(demo_store, GAST, "Musterstadt", load_catalog(), 5)
    person = frame[frame["indikator"].isin(["drogennotfaelle", "drogentodesfaelle", "naloxon"])]
    assert not person["anzahl"].between(1, 4).any()
    assert (person["hinweis"] == "< 5").any() and (person["hinweis"] == "×").any()
    # no hidden district value can be recovered from the published city total of its week
    for (_, _), part in person.groupby(["indikator", "woche"]):
        body = part[part["stadtteil"] != "Gesamtstadt"]
        total = part[part["stadtteil"] == "Gesamtstadt"]["anzahl"]
        if total.notna().all():
            assert (body["hinweis"] != "").sum() != 1
    assert {"lat", "lon", "note"}.isdisjoint(frame.columns)


def test_full_export_never_has_coordinates_for_person_related_rows(demo_store):
    frame = export.export_frame(demo_store, KRISENSTAB, "Musterstadt", load_catalog(), 5)
    person = frame[frame["indicator"].isin(["drogennotfaelle", "naloxon", "drogentodesfaelle"])]
    assert len(person) > 0 and person["lat"].isna().all() and person["lon"].isna().all()
    assert frame.loc[frame["indicator"] == "spritzenfunde", "lat"].notna().any()


def test_outreach_exports_only_its_organisation(demo_store):
    org = demo_store.credentials(username="streetwork")["organisation"]
    sw = Actor("sw", "outreach", cities=frozenset({"Musterstadt"}), organisation=org)
    frame = export.export_frame(demo_store, sw, "Musterstadt", load_catalog(), 5)
    assert len(frame) > 0 and set(frame["organisation"]) == {org}
    assert len(frame) < len(demo_store.observations(SYSTEM, "Musterstadt"))


def test_cli_export_csv_and_parquet_are_audited(demo_db, tmp_path, capsys):
    out = tmp_path / "g.csv"
    assert main(["export", "--city", "Musterstadt", "--out", str(out), "--db", str(demo_db)]) == 0
    csv = pd.read_csv(out, sep=";", encoding="utf-8-sig")
    assert list(csv.columns) == ["stadtteil", "indikator", "woche", "anzahl", "hinweis"]
    pq = tmp_path / "k.parquet"
    assert main(["export", "--city", "Musterstadt", "--out", str(pq), "--role", "krisenstab",
                 "--db", str(demo_db)]) == 0
    assert len(pd.read_parquet(pq)) > 100_000 - 20_000
    assert main(["export", "--city", "Musterstadt", "--out", str(tmp_path / "x.xlsx"),
                 "--db", str(demo_db)]) == 2
    from lagebild.store import Store
    s = Store(demo_db)
    log = s.audit_log(SYSTEM)
    s.close()
    assert (log["action"] == "export").sum() == 2
