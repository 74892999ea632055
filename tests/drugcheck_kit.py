"""Shared pieces of the drug-checking tests: a store with three districts and test sites."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import CITY, INSIDE, TODAY, make_store  # noqa: E402,F401

from lagebild.access import SYSTEM  # noqa: E402

HEADER = "datum;ort;probe;verkauft_als;methode;substanz;ergebnis"
SITES = [("Drug-Checking Mitte", "drugchecking", "Altstadt"),
         ("Konsumraum Süd", "konsumraum", "Südvorstadt"),
         ("Kita Sonnenschein", "kita", "Altstadt")]


def make_test_store(path):
    store = make_store(path)
    places = pd.DataFrame([{"name": n, "kind": k, "lat": INSIDE[d][0], "lon": INSIDE[d][1]}
                           for n, k, d in SITES])
    store.replace_places(SYSTEM, CITY, places)
    return store


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()
