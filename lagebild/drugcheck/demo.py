"""Drug checking in the demo city (#18): two consumption rooms and a drug-checking site
(places register) with a year of test results, including a nitazene wave in the demo's
"rising" district (``demo.RISING_DISTRICT``, Bahnhofsviertel) that starts two weeks before
its overdose outbreak (``demo.OUTBREAKS[0]``).

The results go in as one upload of the demo's drug-checking organisation, written before the
demo's alerts are computed. They carry no derived observations: the demo's existing
``schnelltests`` / ``schnelltests_positiv`` series (same seed, same tables) stay as they are
and are not the sums of these samples — see docs/drugcheck.md.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import date, timedelta

import numpy as np
import pandas as pd

from lagebild.access import SYSTEM
from lagebild.demo.city import OUTBREAKS, RISING_DISTRICT

ORG = "Drug-Checking Musterstadt (Demo)"
# name, kind, district code, samples per week, method, substances tested
SITES = (("Drogenkonsumraum Bahnhofsviertel (Demo)", "konsumraum", RISING_DISTRICT, 25,
          "schnelltest", ("fentanyl", "nitazene", "benzodiazepine")),
         ("Drogenkonsumraum Altstadt (Demo)", "konsumraum", "01", 15,
          "schnelltest", ("fentanyl", "nitazene", "benzodiazepine")),
         ("Drug-Checking Musterstadt (Demo)", "drugchecking", "03", 12,
          "ftir", ("heroin", "kokain", "amphetamin", "fentanyl", "nitazene", "xylazin",
                   "benzodiazepine")))
SOLD_AS = {"konsumraum": (("heroin", 0.7), ("kokain", 0.2), (None, 0.1)),
           "drugchecking": (("heroin", 0.4), ("kokain", 0.35), ("amphetamin", 0.15),
                            (None, 0.1))}
WAVE_LEAD_DAYS = 14          # the wave starts this many days before the overdose outbreak
WAVE_WEEKS = 4


def wave_start(end: date) -> date:
    """First day of the nitazene wave: two weeks before the demo's current outbreak starts
    (``OUTBREAKS[0]``: peak ``before`` days before the last Sunday, ``up`` days of rise)."""
    _, _, before, up, _, _ = OUTBREAKS[0]
    sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    return sunday - timedelta(days=before + up + WAVE_LEAD_DAYS)


def _share(substance: str, sold_as, site_code: str, day: date, wave: date) -> float:
    """Probability that a sample tests positive for ``substance``."""
    if substance == "nitazene":
        if day < wave or sold_as not in ("heroin", None):
            return 0.0
        weeks = (day - wave).days / 7
        top = 0.45 if site_code == RISING_DISTRICT else 0.12
        return top * min(1.0, 0.4 + weeks / WAVE_WEEKS)
    if substance == sold_as:
        return 0.92
    if sold_as is None and substance in ("heroin", "kokain"):
        return 0.45
    return {"fentanyl": 0.01 if sold_as == "heroin" else 0.0,
            "benzodiazepine": 0.06 if sold_as == "heroin" else 0.01}.get(substance, 0.0)


def demo_tests(end: date, seed: int = 42) -> pd.DataFrame:
    """A year of results up to ``end``: date, site, site_code, sample, sold_as, method,
    substance, result (pure, deterministic)."""
    rng = np.random.default_rng([seed, zlib.crc32(b"drugcheck")])
    wave = wave_start(end)
    first = end - timedelta(days=364)
    rows = []
    for name, kind, code, per_week, method, substances in SITES:
        choices, weights = zip(*SOLD_AS[kind])
        n_days = (end - first).days + 1
        per_day = rng.poisson(per_week / 7, size=n_days)
        number = 0
        for offset, count in enumerate(per_day):
            day = first + timedelta(days=offset)
            for _ in range(int(count)):
                number += 1
                sold = choices[rng.choice(len(choices), p=weights)]
                sample = f"{name.split()[0][:2].upper()}{code}-{number:05d}"
                for sub in substances:
                    p = _share(sub, sold, code, day, wave)
                    if method == "schnelltest" and rng.random() < 0.01:
                        result = "ungueltig"
                    else:
                        result = "positiv" if rng.random() < p else "negativ"
                    rows.append((day, name, code, sample, sold, method, sub, result))
    return pd.DataFrame(rows, columns=["date", "site", "site_code", "sample", "sold_as",
                                       "method", "substance", "result"])


def create_demo_tests(store, city: str, seed: int = 42) -> int:
    """Add the sites to the places register and store the results (one upload); returns
    the number of results."""
    dist = store.districts(SYSTEM, city)
    ids = dist.set_index("code")["district_id"].astype(int).to_dict()
    points = dist.set_index("code").geometry.representative_point()
    places = store.places(SYSTEM, city)[["name", "kind", "lat", "lon"]]
    sites = pd.DataFrame([{"name": n, "kind": k, "lat": round(points[c].y, 6),
                           "lon": round(points[c].x, 6)} for n, k, c, *_ in SITES])
    store.replace_places(SYSTEM, city, pd.concat([places, sites], ignore_index=True),
                         "demo (synthetisch)")
    _, last = store.date_range(SYSTEM, city)
    tests = demo_tests(pd.Timestamp(last).date(), seed)
    tests["district_id"] = tests["site_code"].map(ids)
    tests["line"] = np.arange(2, len(tests) + 2)
    empty = pd.DataFrame({"district_id": pd.Series(dtype="int64"), "indicator": [],
                          "date": pd.Series(dtype="datetime64[ns]"),
                          "count": pd.Series(dtype="int64"), "lat": [], "lon": [], "note": []})
    periods = pd.DataFrame({"indicator": [], "start_date": [], "end_date": []})
    city_id = store.city_id(SYSTEM, city)
    digest = hashlib.sha256(f"demo:{seed}:drugcheck".encode()).hexdigest()
    store.insert_upload(SYSTEM, city, ORG, "demo Testergebnisse (synthetisch)", digest, empty,
                        periods, before_commit=lambda uid: store.insert_drug_tests(
                            city_id, uid, tests))
    return len(tests)


# The demo's Substanzwarnung (#18): made from the nitazene signal of the newest week, as the
# crisis team would, with its Leichte-Sprache and English text.
DEMO_TEXTS = {     # the warning's own words; the printed page adds the template's advice
    "de-LS": ("Im Heroin ist oft Nitazen. Nitazen ist sehr stark.",
              "Bahnhofs·viertel und andere Orte in der Stadt",
              "Lass dein Heroin testen.\nDas geht im Drogen·konsum·raum."),
    "en": ("Nitazenes in samples sold as heroin", "",
           "What is sold as heroin may contain nitazenes: have it tested (drug checking, "
           "consumption room).")}


def create_demo_warning(store, city: str, today: date) -> int | None:
    """The demo's active warning: from the newest week's nitazene signal (preferably
    "sold as heroin"), valid at least two more weeks from ``today``; None without a signal."""
    from lagebild.access import Actor
    from lagebild.drugcheck.alerts import for_week
    from lagebild.drugcheck.warnings import MAX_DAYS, from_signal
    tests = store.drug_tests(SYSTEM, city)
    if tests.empty:
        return None
    week = pd.Timestamp(max(tests["date"]))
    signals = for_week(store, SYSTEM, city, week)
    signals = signals[signals["substance"] == "nitazene"]
    if signals.empty:
        return None
    signals = signals.assign(_o=(signals["kind"] != "sold_as").astype(int)).sort_values("_o")
    form = from_signal(signals.iloc[0].to_dict(), tests, city=city)
    # a demo made with an old --end: still in force for two weeks, at most a year long
    form["valid_until"] = max(form["valid_until"], today + timedelta(days=14))
    form["since"] = min(max(form["since"], form["valid_until"] - timedelta(days=MAX_DAYS)),
                        today)
    crisis = Actor("krisenstab", "krisenstab")
    source = {k: form.pop(k) for k in ("source", "source_reason")}
    warning_id = store.add_substance_warning(crisis, city, **form, **source)
    for language, (title, where, advice) in DEMO_TEXTS.items():
        store.set_substance_warning_text(crisis, city, warning_id, language, title=title,
                                         location=where or form["location"], advice=advice)
    return warning_id
