"""Shared pieces of the ingest tests: a tiny test city, a database snapshot, the corpus.

Imported by the other ``test_ingest*``/``test_importer``/``test_cli_ingest`` modules (this
module holds no tests itself, only a self-check of the test city).
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from lagebild.access import SYSTEM
from lagebild.catalog import load_catalog
from lagebild.store import Store

HERE = Path(__file__).resolve().parent
UPLOADS = HERE / "data" / "uploads"
BAD = UPLOADS / "bad"
GOOD = UPLOADS / "good"
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
TODAY = date(2026, 11, 20)
CITY = "Teststadt"
CATALOG = load_catalog()

# Three squares side by side (lon 12.30-12.45, lat 51.30-51.35), names with ß and ü.
SQUARES = [("01", "Altstadt", box(12.30, 51.30, 12.35, 51.35)),
           ("02", "Groß-Zschocher", box(12.35, 51.30, 12.40, 51.35)),
           ("03", "Südvorstadt", box(12.40, 51.30, 12.45, 51.35))]
INSIDE = {"Altstadt": (51.325, 12.325), "Groß-Zschocher": (51.325, 12.375),
          "Südvorstadt": (51.325, 12.425)}


def district_frame() -> gpd.GeoDataFrame:
    """The input of ``Store.upsert_districts``."""
    return gpd.GeoDataFrame({"code": [c for c, _, _ in SQUARES],
                             "name": [n for _, n, _ in SQUARES],
                             "population": [12000, 8000, 15000],
                             "parent": [pd.NA] * 3},
                            geometry=[g for _, _, g in SQUARES], crs="EPSG:4326")


def make_store(path: Path | str, city: str = CITY) -> Store:
    store = Store(path)
    store.ensure_city(SYSTEM, city)
    store.upsert_districts(SYSTEM, city, district_frame())
    return store


def districts_of(store: Store, city: str = CITY) -> gpd.GeoDataFrame:
    return store.districts(SYSTEM, city)


def observation_count(store: Store) -> int:
    return int(store.info(SYSTEM)["observations"])


def snapshot(store: Store, city: str = CITY) -> dict:
    """Everything an import may touch, for 'unchanged' comparisons."""
    uploads = store.uploads(SYSTEM, city).drop(columns=["uploaded_at", "withdrawn_at"])
    return {"observations": store.observations(SYSTEM, city),
            "uploads": uploads,
            "coverage": store.coverage(SYSTEM, city),
            "audit": len(store.audit_log(SYSTEM, limit=1_000_000))}


def assert_unchanged(before: dict, after: dict) -> None:
    pd.testing.assert_frame_equal(before["observations"], after["observations"])
    pd.testing.assert_frame_equal(before["uploads"], after["uploads"])
    pd.testing.assert_frame_equal(before["coverage"], after["coverage"])
    assert before["audit"] == after["audit"]


def bad_expectations() -> dict[str, list[dict]]:
    """``bad/expected.csv``: file -> [{line, column, message}] (empty = None)."""
    out: dict[str, list[dict]] = {}
    with (BAD / "expected.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["file"], []).append({
                "line": int(row["line"]) if row["line"] else None,
                "column": row["column"] or None,
                "message": row["message"]})
    return out


def good_expectations() -> dict[str, dict]:
    return json.loads((GOOD / "expected.json").read_text(encoding="utf-8"))


def test_kit_city_is_three_squares(tmp_path):
    store = make_store(tmp_path / "kit.duckdb")
    d = districts_of(store)
    assert sorted(d["name"]) == ["Altstadt", "Groß-Zschocher", "Südvorstadt"]
    assert d.geometry.is_valid.all() and len(d) == 3
    store.close()
