"""Four city instances from the real boundaries in ../shared/data/real (#19) with synthetic
counts through the normal import, each exporting a signed share package, and a network
instance. Used by tests/test_share_cities.py, the Städtevergleich AppTest and the browser
journey.

Boundaries are real (read SOURCES.md there); the populations ("einwohner") are synthetic and
added to a temporary copy of each file, because none of the files carries one. Counts are
synthetic: six weeks, one row per district, indicator and week, many of them small so that
suppression has work to do.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from lagebild.cli import main

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
# name, file, code field, AGS
CITIES = [
    ("Berlin", "berlin_bezirke.geojson", "id", "11000000"),
    ("Hamburg", "hamburg_stadtteile.geojson", "id", "02000000"),
    ("Frankfurt am Main", "frankfurt_stadtteile.geojson", "cartodb_id", "06412000"),
    ("Leipzig", "leipzig_ortsteile.geojson", "cartodb_id", "14713000"),
]
INDICATORS = ("drogennotfaelle", "drogentodesfaelle", "naloxon", "spritzenfunde",
              "schnelltests", "schnelltests_positiv")
FIRST_MONDAY = date(2026, 9, 28)      # six weeks: KW 40 to KW 45 of 2026
WEEKS = 6


def _boundaries(src: Path, out: Path, seed: int) -> Path:
    data = json.loads(src.read_text(encoding="utf-8"))
    rng = np.random.default_rng(seed)
    for feature in data["features"]:
        feature["properties"]["einwohner"] = int(rng.integers(5_000, 120_000))
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


def _counts(names: list[str], seed: int, out: Path) -> Path:
    rng = np.random.default_rng(seed)
    lines = ["datum;stadtteil;indikator;anzahl"]
    for w in range(WEEKS):
        day = (FIRST_MONDAY + timedelta(days=7 * w + 2)).strftime("%d.%m.%Y")
        for name in names:
            tests = int(rng.integers(0, 12))
            values = {"drogennotfaelle": int(rng.choice([0, 0, 1, 2, 3, 6, 9])),
                      "drogentodesfaelle": int(rng.random() < 0.03),   # rare: small totals
                      "naloxon": int(rng.choice([0, 1, 2, 4, 5, 8])),
                      "spritzenfunde": int(rng.integers(0, 30)),
                      "schnelltests": tests,
                      "schnelltests_positiv": int(rng.integers(0, tests + 1))}
            for ind in INDICATORS:
                lines.append(f"{day};{name};{ind};{values[ind]}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def build_city(work: Path, index: int, *, districts: bool = True) -> tuple[Path, Path]:
    """One city's instance (database), key pair and exported package. Returns
    (package, public key)."""
    city, filename, code_field, ags = CITIES[index]
    folder = work / f"stadt{index}"
    folder.mkdir(parents=True, exist_ok=True)
    db = str(folder / "stadt.duckdb")
    geo = _boundaries(REAL / filename, folder / filename, seed=index)
    assert main(["districts", "import", str(geo), "--city", city, "--ags", ags,
                 "--name-field", "name", "--code-field", code_field,
                 "--population-field", "einwohner", "--db", db]) == 0
    names = [f["properties"]["name"] for f in json.loads(geo.read_text())["features"]]
    csv = _counts(names, seed=100 + index, out=folder / "meldung.csv")
    assert main(["ingest", str(csv), "--city", city, "--org", "Drogenhilfe",
                 "--db", db]) == 0
    slug = f"stadt{index}"
    assert main(["share", "keygen", "--out", str(folder / "keys"), "--name", slug]) == 0
    package = folder / f"{slug}.lagebild.zip"
    args = ["share", "export", "--city", city, "--key", str(folder / "keys" / f"{slug}.key"),
            "--out", str(package), "--db", db]
    assert main(args + (["--districts"] if districts else [])) == 0
    return package, folder / "keys" / f"{slug}.pub"


def build_network(work: Path) -> dict:
    """Four city packages imported into a fifth (network) instance. Returns paths."""
    os.environ.setdefault("LAGEBILD_TODAY", "2026-11-18")
    packages, keys = [], []
    for i in range(len(CITIES)):
        package, pub = build_city(work, i)
        packages.append(package)
        keys.append(pub)
    net = str(work / "netz" / "netz.duckdb")
    (work / "netz").mkdir(exist_ok=True)
    for (city, *_), pub, package in zip(CITIES, keys, packages):
        assert main(["share", "trust", str(pub), "--city", city, "--db", net]) == 0
        assert main(["share", "import", str(package), "--db", net]) == 0
    return {"net": Path(net), "packages": packages, "keys": keys}
