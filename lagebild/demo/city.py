"""Synthetic demo city "Musterstadt": districts, daily observations, outbreaks, organisations.

A pure generator without database access. Everything is invented (no real AGS, names or
organisations; organisation names end with "(Demo)") and deterministic for a given seed.

Data model of ``observations``:

* indicators without points: one row per district × indicator × day, zeros included
  (the demo reporters report every day, so a zero is a real zero);
* indicators with ``points_allowed`` (e.g. complaints): one row per event, ``count = 1``
  and lat/lon inside the district. Days without events have no row; the reporting period
  of every demo reporter covers the whole date range, so a missing day is a zero;
* syringe finds come from two reporters with different shapes, as in real cities: the
  Stadtreinigung (emptied syringe bins, street cleaning) reports daily counts per district
  without coordinates (one row per district × day, zeros included, lat/lon NaN), Streetwork
  reports single finds with coordinates (one row per find, ``count = 1``). Each find goes to
  Streetwork with probability ``STREETWORK_SHARE`` (binomial thinning), so both together
  follow the same expected counts as a single reporter would.

Indicators not known to this module (added to ``indicators.toml`` later) get a generic profile.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

from lagebild.demo.geometry import demo_districts, random_points_in

NAME = "Musterstadt"
SCENE = ("02", "01", "03")  # scene districts: Bahnhofsviertel, Altstadt, Großmarkt
RISING_DISTRICT = "02"  # synthetic opioids spread here: positive share 2 % → 15 %
BASE_POSITIVE_SHARE, FINAL_POSITIVE_SHARE = 0.02, 0.15


@dataclass(frozen=True)
class Profile:
    per_year: float             # expected citywide count per year (at the start of the period)
    scene: tuple[float, float, float]  # shares of the SCENE districts; the rest by population
    weekday: tuple[float, ...]  # Mon..Sun relative level
    month_start: float = 1.0    # factor on days 1–4 of a month (benefit payments)
    season: float = 0.1         # amplitude of the summer peak (mid-July)
    trend: float = 0.0          # relative growth per year
    cv: float = 0.15            # week-to-week extra variation (overdispersion)


_NIGHT = (0.95, 0.9, 0.9, 0.95, 1.05, 1.15, 1.1)
PROFILES: dict[str, Profile] = {
    "spritzenfunde": Profile(4600, (0.40, 0.20, 0.12), (1.0, 0.9, 0.9, 0.9, 1.0, 1.2, 1.1),
                             1.25, 0.25, 0.05),
    "beschwerden": Profile(1100, (0.25, 0.18, 0.12), (1.3, 1.1, 1.0, 1.0, 1.0, 0.8, 0.8),
                           1.1, 0.30),
    "drogennotfaelle": Profile(300, (0.40, 0.20, 0.10), _NIGHT, 1.35, 0.15, 0.08),
    "naloxon": Profile(80, (0.45, 0.20, 0.10), _NIGHT, 1.35, 0.15, 0.10),
    "drogentodesfaelle": Profile(17, (0.25, 0.12, 0.08), _NIGHT, 1.2, 0.05, 0.04, cv=0.0),
    "schnelltests": Profile(1500, (0.45, 0.20, 0.10), (1.3, 1.3, 1.4, 1.3, 1.2, 0.3, 0.2),
                            1.0, 0.10),
}
GENERIC = Profile(500, (0.20, 0.10, 0.05), (1.0,) * 7, 1.0, 0.10)

ORGS: tuple[tuple[str, str, tuple[str, ...]], ...] = (  # name, kind, indicators
    ("Stadtreinigung Musterstadt (Demo)", "Stadtreinigung", ("spritzenfunde",)),
    ("Streetwork Kontaktladen Lichtblick (Demo)", "Streetwork", ("spritzenfunde",)),
    ("Bürgertelefon Ordnungsamt Musterstadt (Demo)", "Ordnungsamt", ("beschwerden",)),
    ("Rettungsdienst Musterstadt (Demo)", "Rettungsdienst", ("drogennotfaelle", "naloxon")),
    ("Gesundheitsamt Musterstadt (Demo)", "Gesundheitsamt", ("drogentodesfaelle",)),
    ("Drug-Checking Musterstadt (Demo)", "Drug-Checking",
     ("schnelltests", "schnelltests_positiv")),
)
GENERIC_ORG = ORGS[4][0]  # the Gesundheitsamt reports indicators unknown to the demo
STREETWORK_SHARE = 0.4    # share of syringe finds reported by Streetwork instead of Stadtreinigung
SPLIT_KEY = "spritzenfunde"  # the indicator reported by both (Stadtreinigung = ORGS[0])

# (district, indicators, peak = days before the reference Sunday, days before/after peak, text)
# The first one peaks in the last complete ISO week before ``end`` (current red alert).
OUTBREAKS: tuple[tuple[str, tuple[str, ...], int, int, int, str], ...] = (
    ("02", ("drogennotfaelle", "naloxon"), 2, 10, 2,
     "Mit Nitazenen verunreinigte Heroin-Charge: gehäufte Drogennotfälle und Naloxon-Gaben "
     "im Bahnhofsviertel (laufend)"),
    ("01", ("drogennotfaelle",), 485, 6, 10,
     "Heroin mit Fentanyl-Beimengung: Häufung von Drogennotfällen in der Altstadt"),
    ("03", ("beschwerden",), 430, 8, 14,
     "Szeneverlagerung nach Kontrollen am Bahnhof: Anwohnerbeschwerden am Großmarkt"),
    ("04", ("spritzenfunde",), 940, 10, 20,
     "Neuer Konsumort unter der Mühlenbrücke: ein Monat lang deutlich mehr Spritzenfunde"),
)


# One injected overdose cluster in the last complete week (#17): three neighbouring districts on
# Tuesday to Thursday (days before ``end``), about 3 extra cases per district and day – found by
# the daily space-time scan and the spike rule.
CLUSTER_DISTRICTS = ("10", "08", "09")   # Schäferwiese, Lerchenfeld, Ziegelhof
CLUSTER_INDICATOR = "drogennotfaelle"
CLUSTER_DAYS_BEFORE_END = (5, 4, 3)
CLUSTER_EXTRA = 3.0


def _cluster_extra(shape: tuple[int, int], codes: list[str], seed: int) -> np.ndarray:
    """Extra cases of the injected cluster (districts × days), from its own random stream."""
    extra = np.zeros(shape, dtype="int64")
    rng = _rng(seed, "cluster")
    for code in CLUSTER_DISTRICTS:
        for back in CLUSTER_DAYS_BEFORE_END:
            extra[codes.index(code), shape[1] - 1 - back] = rng.poisson(CLUSTER_EXTRA)
    return extra


def _rng(seed: int, *parts: str) -> np.random.Generator:
    """Independent, reproducible stream per purpose (adding an indicator changes no other)."""
    return np.random.default_rng([seed, *(zlib.crc32(p.encode()) for p in parts)])


def _period(end: date, years: int) -> pd.DatetimeIndex:
    first = end - timedelta(days=round(365.25 * years) - 1)
    first -= timedelta(days=first.weekday())  # start on a Monday: complete ISO weeks
    return pd.date_range(pd.Timestamp(first), pd.Timestamp(end), freq="D").as_unit("ns")


def _shares(profile: Profile, districts: gpd.GeoDataFrame) -> np.ndarray:
    codes = districts["code"].to_numpy()
    pop = districts["population"].to_numpy(dtype=float)
    scene = np.array([profile.scene[SCENE.index(c)] if c in SCENE else 0.0 for c in codes])
    rest = np.where(np.isin(codes, SCENE), 0.0, pop)
    return scene + (1.0 - scene.sum()) * rest / rest.sum()


def expected_counts(profile: Profile, shares: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """Expected daily counts, shape (districts, days), without week noise and outbreaks."""
    wd = np.asarray(profile.weekday)[dates.day_of_week]
    ms = np.where(dates.day <= 4, profile.month_start, 1.0)
    doy = dates.day_of_year.to_numpy()
    season = 1.0 + profile.season * np.cos(2 * np.pi * (doy - 196) / 365.25)  # peak mid-July
    shape = wd * ms * season
    shape = shape / shape.mean()
    t_years = np.arange(len(dates)) / 365.25
    trend = (1.0 + profile.trend) ** t_years
    return np.outer(shares, profile.per_year / 365.25 * shape * trend)


def _outbreak_frame(end: date, dates: pd.DatetimeIndex) -> pd.DataFrame:
    ref = end - timedelta(days=(end.weekday() + 1) % 7)  # last Sunday ≤ end
    rows = []
    for district, indicators, before, up, down, text in OUTBREAKS:
        peak = pd.Timestamp(ref - timedelta(days=before)).as_unit("ns")
        start, stop = peak - pd.Timedelta(days=up), min(peak + pd.Timedelta(days=down), dates[-1])
        if start < dates[0] + pd.Timedelta(days=70):  # C2 needs ~10 weeks of history
            continue
        rows += [(district, ind, start, peak, stop, text) for ind in indicators]
    cols = ["district_code", "indicator", "start", "peak", "end", "description"]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.astype({c: "datetime64[ns]" for c in ("start", "peak", "end")})


def _outbreak_extra(base: np.ndarray, ob: pd.DataFrame, dates: pd.DatetimeIndex,
                    codes: list[str]) -> np.ndarray:
    """Extra expected counts (triangular start → peak → end).

    Sized so that the expected count of the peak's ISO week is the mean of the weeks
    t-9..t-3 plus 8 of their standard deviations plus 6: an EARS-C2-type test alarms safely.
    """
    extra = np.zeros_like(base)
    day = np.arange(len(dates))
    week_no = day // 7
    for r in ob.itertuples():
        s, p, e = (int((x - dates[0]).days) for x in (r.start, r.peak, r.end))
        shape = np.where(day <= p, (day - s + 1) / (p - s + 1), (e - day + 1) / (e - p + 1))
        shape = np.where((day >= s) & (day <= e), shape, 0.0)
        d, t = codes.index(r.district_code), p // 7
        weekly = np.bincount(week_no, weights=base[d])
        ref = weekly[max(t - 9, 0):max(t - 2, 1)]
        want = ref.mean() + 8.0 * np.sqrt(ref.mean() + ref.var()) + 6.0
        extra[d] += shape * max(want - weekly[t], 6.0) / shape[week_no == t].sum()
    return extra


def _counts(key: str, city: gpd.GeoDataFrame, dates: pd.DatetimeIndex, ob: pd.DataFrame,
            rng: np.random.Generator, tests: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Baseline and outbreak counts of one indicator, each shaped (districts, days)."""
    codes = city["code"].tolist()
    if key == "schnelltests_positiv" and tests is not None:  # binomial share of the tests
        share = np.full(tests.shape, BASE_POSITIVE_SHARE)
        ratio = FINAL_POSITIVE_SHARE / BASE_POSITIVE_SHARE
        share[codes.index(RISING_DISTRICT)] *= ratio ** (np.arange(len(dates)) / (len(dates) - 1))
        return rng.binomial(tests, share), np.zeros_like(tests)
    profile = PROFILES.get(key, GENERIC)
    base = expected_counts(profile, _shares(profile, city), dates)
    if profile.cv > 0:  # week-to-week variation: gamma multiplier per district and week
        k = 1.0 / profile.cv**2
        noise = rng.gamma(k, 1.0 / k, size=(len(codes), len(dates) // 7 + 1))
        base = base * noise[:, np.arange(len(dates)) // 7]
    extra = _outbreak_extra(base, ob[ob["indicator"] == key], dates, codes)
    return rng.poisson(base), rng.poisson(extra)


def _event_rows(city: gpd.GeoDataFrame, base: np.ndarray, extra: np.ndarray,
                hot_districts: list[int], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """One event per count: district index, day index, lon, lat (sorted by district, day).

    Baseline events are uniform inside the district; outbreak events cluster around a
    hotspot (a random point of the district) so the map shows the new scene spot.
    """
    parts = []
    for counts, hot in ((base, False), (extra, True)):
        d_i, t_i = (np.repeat(a, counts.ravel()) for a in np.indices(counts.shape).reshape(2, -1))
        per_district = np.bincount(d_i, minlength=counts.shape[0])
        lon, lat = [], []
        for d, n in enumerate(per_district):
            geom = city.geometry.iloc[d]
            center = None
            if hot and d in hot_districts:
                center = tuple(np.concatenate(random_points_in(geom, 1, rng)))
            x, y = random_points_in(geom, int(n), rng, center=center)
            lon.append(x)
            lat.append(y)
        parts.append((d_i, t_i, np.concatenate(lon), np.concatenate(lat)))  # d_i is sorted
    d_i, t_i, lon, lat = (np.concatenate(a) for a in zip(*parts))
    order = np.lexsort((t_i, d_i))
    return d_i[order], t_i[order], lon[order], lat[order]


def _grid_rows(counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """One row per district × day (zeros included): district, day, count, lon, lat (NaN)."""
    d_idx, t_idx = np.indices(counts.shape).reshape(2, -1)
    nan = np.full(d_idx.size, np.nan)
    return d_idx, t_idx, counts.ravel().astype("int64"), nan, nan


def _point_rows(city: gpd.GeoDataFrame, base: np.ndarray, extra: np.ndarray,
                hot_districts: list[int], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """One row per event (count 1): district, day, count, lon, lat."""
    d_idx, t_idx, lon, lat = _event_rows(city, base, extra, hot_districts, rng)
    return d_idx, t_idx, np.ones(d_idx.size, dtype="int64"), lon, lat


def _indicator_frame(key: str, points: bool, city: gpd.GeoDataFrame, dates: pd.DatetimeIndex,
                     ob: pd.DataFrame, seed: int, tests: np.ndarray | None
                     ) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of one indicator plus its (districts × days) count matrix (all reporters)."""
    rng = _rng(seed, key)
    codes = city["code"].tolist()
    base, extra = _counts(key, city, dates, ob, rng, tests)
    if key == CLUSTER_INDICATOR:
        extra = extra + _cluster_extra(extra.shape, codes, seed)
    counts = (base + extra).astype("int64")
    hot = sorted(codes.index(c) for c in ob.loc[ob["indicator"] == key, "district_code"])
    org = next((name for name, _, inds in ORGS if key in inds), GENERIC_ORG)
    if key == SPLIT_KEY:
        # Binomial thinning: each find (baseline or outbreak) is reported by Streetwork with
        # probability STREETWORK_SHARE, otherwise by the Stadtreinigung, so the sum of both
        # reporters keeps the expected counts, weekly pattern and outbreaks of the profile.
        sw_base = rng.binomial(base, STREETWORK_SHARE)
        sw_extra = rng.binomial(extra, STREETWORK_SHARE)
        streetwork = (_point_rows(city, sw_base, sw_extra, hot, rng) if points
                      else _grid_rows(sw_base + sw_extra))
        parts = [(ORGS[0][0], _grid_rows(counts - sw_base - sw_extra)),
                 (ORGS[1][0], streetwork)]
    elif points:
        parts = [(org, _point_rows(city, base, extra, hot, rng))]
    else:  # one row per district × day, zeros included
        parts = [(org, _grid_rows(counts))]
    d_idx, t_idx, cnt, lon, lat = (np.concatenate(a) for a in zip(*(p for _, p in parts)))
    orgs = np.concatenate([np.full(p[0].size, name, dtype=object) for name, p in parts])
    part = np.concatenate([np.full(p[0].size, i) for i, (_, p) in enumerate(parts)])
    order = np.lexsort((part, t_idx, d_idx))  # by district, day, reporter (stable)
    d_idx, t_idx, cnt, lon, lat, orgs = (a[order] for a in (d_idx, t_idx, cnt, lon, lat, orgs))
    frame = pd.DataFrame({
        "district_code": pd.Series(np.asarray(codes, dtype=object)[d_idx], dtype="str"),
        "indicator": pd.Series(np.full(cnt.size, key, dtype=object), dtype="str"),
        "date": dates[t_idx],
        "count": cnt.astype("int64"),
        "lat": lat.astype("float64"),
        "lon": lon.astype("float64"),
        "source_org": pd.Series(orgs, dtype="str"),
        "note": pd.Series([None] * cnt.size, dtype=object),
    })
    return frame, counts


@dataclass(frozen=True)
class DemoCity:
    name: str
    ags: str | None
    districts: gpd.GeoDataFrame
    observations: pd.DataFrame
    outbreaks: pd.DataFrame
    organisations: pd.DataFrame


def last_full_week_end(today: date) -> date:
    """The Sunday before ``today``: the end of the last complete ISO week (a Sunday itself
    does not count, its week is still running).

    >>> last_full_week_end(date(2026, 12, 4)), last_full_week_end(date(2026, 11, 30))
    (datetime.date(2026, 11, 29), datetime.date(2026, 11, 29))
    >>> last_full_week_end(date(2026, 11, 29)), last_full_week_end(date(2028, 2, 29))
    (datetime.date(2026, 11, 22), datetime.date(2028, 2, 27))
    """
    return today - timedelta(days=today.isoweekday() % 7 or 7)


def sunday_on_or_before(day: date) -> date:
    """``day`` if it is a Sunday, else the Sunday before it (``--end`` of ``lagebild demo``).

    >>> sunday_on_or_before(date(2026, 12, 2)), sunday_on_or_before(date(2026, 11, 29))
    (datetime.date(2026, 11, 29), datetime.date(2026, 11, 29))
    """
    return day - timedelta(days=day.isoweekday() % 7)


def generate_demo(seed: int = 42, end: date = date(2026, 11, 15), years: int = 3,
                  catalog=None) -> DemoCity:
    """Generate the fictitious demo city "Musterstadt" (pure, deterministic, no database).

    ``end`` should be a Sunday so the last ISO week is complete; the data start on the Monday
    of the week ``years`` years before ``end``. One outbreak (nitazene batch, Bahnhofsviertel)
    peaks in the last complete ISO week, so the dashboard shows a current alert.

    >>> city = generate_demo(seed=7, years=1)
    >>> city.name, city.ags, len(city.districts)
    ('Musterstadt', None, 15)
    >>> city.observations["date"].max() == pd.Timestamp("2026-11-15")
    True
    >>> sorted(city.observations["indicator"].unique())[:2]
    ['beschwerden', 'drogennotfaelle']
    >>> bool(city.organisations["name"].str.endswith("(Demo)").all())
    True
    """
    if catalog is None:
        from lagebild.catalog import load_catalog
        catalog = load_catalog()
    if years < 1:
        raise ValueError("years muss mindestens 1 sein.")
    city = demo_districts()
    dates = _period(end, years)
    ob = _outbreak_frame(end, dates)
    frames, tests = [], None
    indicators = list(catalog)
    keys = [i.key for i in indicators]
    if "schnelltests" in keys and "schnelltests_positiv" in keys:  # positives need the tests
        indicators.sort(key=lambda i: i.key != "schnelltests")
    for ind in indicators:
        frame, counts = _indicator_frame(ind.key, ind.points_allowed, city, dates, ob, seed,
                                         tests if ind.key == "schnelltests_positiv" else None)
        if ind.key == "schnelltests":
            tests = counts
        frames.append((keys.index(ind.key), frame))
    frames.sort(key=lambda kv: kv[0])  # catalogue order
    obs = pd.concat([f for _, f in frames], ignore_index=True)
    ob = ob[ob["indicator"].isin(keys)].reset_index(drop=True)
    known = {k for _, _, inds in ORGS for k in inds}
    rows = []
    for name, kind, inds in ORGS:  # indicators as a list, in catalogue order
        mine = [k for k in keys if k in inds or (name == GENERIC_ORG and k not in known)]
        if mine:
            rows.append((name, kind, mine))
    orgs = pd.DataFrame(rows, columns=["name", "kind", "indicators"])
    return DemoCity(NAME, None, city, obs, ob, orgs)
