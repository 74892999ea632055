"""Share packages (#19): whole-package suppression attacked with every linear combination a
reader has, keys, signature over every byte, import rules of the network instance."""

from __future__ import annotations

import os
import stat
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from lagebild.share import package as share, tables as share_tables
from lagebild.access import SYSTEM, Actor
from lagebild.analytics.trends import CITY
from lagebild.store import Invalid, Store

K = 5
HIDDEN = (share_tables.PRIMARY, share_tables.SECONDARY)


# --------------------------------------------------------------------- the attack
def _possible(values, status, total, k):
    """For each hidden cell, every value it can take given the shown cells, the shown total
    and the labels ("< k" = 1..k−1, "×" = 0 or at least k): found by enumeration (which
    sums the other hidden cells can reach, cell by cell), independent of the product's
    reasoning. One possible value = the reader knows the cell."""
    hidden = [i for i, s in enumerate(status) if s in HIDDEN]
    if not hidden or total is None:
        return {}
    rest = int(round(total - sum(v for v, s in zip(values, status) if s == share_tables.SHOWN)))

    def domain(i) -> np.ndarray:          # boolean mask over 0..rest
        mask = np.zeros(rest + 1, dtype=bool)
        if status[i] == share_tables.PRIMARY:
            mask[1:k] = True
        else:
            mask[0] = True
            mask[k:] = True
        return mask

    out = {}
    for cell in hidden:
        reach = np.zeros(rest + 1, dtype=bool)
        reach[0] = True
        for other in hidden:
            if other != cell:
                reach = np.convolve(reach, domain(other))[:rest + 1] > 0
        xs = np.flatnonzero(domain(cell))
        out[cell] = [int(x) for x in xs if reach[rest - x]]
    out["sum"] = [rest]
    return out


def derivable_small(counts: pd.DataFrame, k: int, person_related: set[str]) -> list:
    """Every person-related count from 1 to k−1 a reader can compute from a package's
    ``counts`` table: shown small values, hidden values given away by their rate (rate ×
    population), a hidden cell fixed by total − other cells (per week, every combination the
    labels allow: :func:`_possible`), a hidden group whose sum total − shown is small, and a
    hidden total equal to the sum of shown districts. The package publishes nothing summed
    over weeks (checked), so sums over weeks are sums of shown values or unknown."""
    found = []
    c = counts[counts["indicator"].isin(person_related)]
    small = c["count"].between(1, k - 1)
    found += [("shown", r.indicator, r.week, r.district) for r in c[small].itertuples()]
    leak = c["status"].isin(HIDDEN) & (c["rate_per_10k"].notna() | c["count"].notna())
    found += [("rate", r.indicator, r.week, r.district) for r in c[leak].itertuples()]
    for (ind, week), part in c.groupby(["indicator", "week"]):
        city = part[part["level"] == "stadt"].iloc[0]
        body = part[part["level"] == "stadtteil"]
        if body.empty:
            continue
        total = None if city["status"] != share_tables.SHOWN else city["count"]
        values = [0 if pd.isna(v) else v for v in body["count"]]
        status = list(body["status"])
        if total is None and city["status"] in HIDDEN and not any(s in HIDDEN for s in status):
            derived = sum(values)
            if 1 <= derived <= k - 1:
                found.append(("total = sum of districts", ind, week, None))
        for cell, options in _possible(values, status, total, k).items():
            if len(options) == 1 and 1 <= options[0] <= k - 1:
                found.append(("subtraction", ind, week, cell))
    periods = set(c["week"])
    assert len(periods) == c["week"].nunique() and set(c["level"]) <= {"stadt", "stadtteil"}
    return found


# --------------------------------------------------------------------- suppress_week
@pytest.mark.parametrize("cells, total, expect, expect_total", [
    ([3, 10, 0, 12], 25, ["klein", "komplementär", "", ""], ""),     # one small: + complement
    ([1, 1, 10, 20], 32, ["klein", "klein", "komplementär", ""], ""),  # pair sums to 2
    ([2, 3, 10, 20], 35, ["klein", "klein", "", ""], ""),              # pair sums to 5 ≥ k
    ([2, 0, 0], 2, ["klein", "", ""], "klein"),                        # small total
    ([4, 0, 6], 10, ["klein", "", "komplementär"], ""),
    ([0, 0, 0], 0, ["", "", ""], ""),                                  # zeros are shown
    ([3, np.nan, 7], 10, ["klein", "nicht gemeldet", "komplementär"], ""),
])
def test_suppress_week_hand_cases(cells, total, expect, expect_total):
    status, total_status = share_tables.suppress_week(pd.Series(cells, dtype=float), total, K)
    assert list(status) == expect and total_status == expect_total


def test_suppress_week_random_weeks_leave_nothing_to_derive():
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 8))
        cells = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14], size=n).astype(float)
        status, total_status = share_tables.suppress_week(pd.Series(cells), cells.sum(), K)
        frame = pd.DataFrame({
            "level": ["stadt"] + ["stadtteil"] * n, "district": [None] + list(range(n)),
            "indicator": "naloxon", "week": "2026-11-09",
            "status": [total_status] + list(status),
            "count": [cells.sum()] + list(cells)})
        frame["count"] = frame["count"].where(frame["status"] == "")
        frame["rate_per_10k"] = frame["count"] / 1000
        assert derivable_small(frame, K, {"naloxon"}) == [], list(cells)


def test_attack_finds_a_single_suppressed_cell(tmp_path):
    """The attack works: the old per-cell rule without complement is caught."""
    frame = pd.DataFrame({"level": ["stadt", "stadtteil", "stadtteil"],
                          "district": [None, "A", "B"], "indicator": "naloxon",
                          "week": "2026-11-09", "status": ["", "klein", ""],
                          "count": [12.0, np.nan, 9.0], "rate_per_10k": [1.0, np.nan, 1.0]})
    assert [f[0] for f in derivable_small(frame, K, {"naloxon"})] == ["subtraction",
                                                                      "subtraction"]


def test_attack_knows_what_the_labels_say():
    """1 + 5 = 6: the "×" cell is 0 or ≥ 5, so the "< 5" cell must be 1 – a plain
    complement of the smallest shown cell is not enough; the product hides one more."""
    frame = pd.DataFrame({"level": ["stadt", "stadtteil", "stadtteil", "stadtteil"],
                          "district": [None, "A", "B", "C"], "indicator": "naloxon",
                          "week": "2026-11-09", "status": ["", "klein", "komplementär", ""],
                          "count": [26.0, np.nan, np.nan, 20.0],
                          "rate_per_10k": [1.0, np.nan, np.nan, 1.0]})
    assert derivable_small(frame, K, {"naloxon"}) == [("subtraction", "naloxon", "2026-11-09",
                                                       0)]
    status, total = share_tables.suppress_week(pd.Series([1.0, 5.0, 20.0]), 26, K)
    assert list(status) == ["klein", "komplementär", "komplementär"] and total == ""


# --------------------------------------------------------------------- tables
def _grid(values: dict, weeks=4):
    """values: district_id -> list of weekly counts (naloxon); city row added."""
    idx = pd.date_range("2026-10-05", periods=weeks, freq="7D")
    rows = [(d, "naloxon", w, float(v)) for d, vs in values.items() for w, v in zip(idx, vs)]
    g = pd.DataFrame(rows, columns=["district_id", "indicator", "week", "count"])
    city = g.groupby(["indicator", "week"], as_index=False)["count"].sum().assign(
        district_id=CITY)
    return pd.concat([g, city], ignore_index=True).assign(reported_days=7)


DISTRICTS = pd.DataFrame({"district_id": [1, 2, 3], "code": ["01", "02", "03"],
                          "name": ["Altstadt", "Hafen", "Nord"],
                          "population": [10_000, 20_000, 30_000]})


def test_count_table_rates_and_city_only_mode():
    grid = _grid({1: [2, 0, 8, 9], 2: [7, 6, 3, 10], 3: [10, 12, 11, 0]})
    full = share_tables.count_table(grid, DISTRICTS, {"naloxon"}, K, with_districts=True)
    assert derivable_small(full, K, {"naloxon"}) == []
    shown = full[full["status"] == ""]
    assert np.allclose(shown["rate_per_10k"], shown["count"] / shown["population"] * 10_000)
    hidden = full[full["status"] != ""]
    assert hidden["count"].isna().all() and hidden["rate_per_10k"].isna().all()
    week1 = full[full["week"] == pd.Timestamp("2026-10-05").date()]
    assert list(week1["status"]) == ["", "klein", "komplementär", ""]   # city, 1, 2, 3
    city_only = share_tables.count_table(grid, DISTRICTS, {"naloxon"}, K,
                                         with_districts=False)
    assert set(city_only["level"]) == {"stadt"}
    assert list(city_only["count"]) == [19.0, 18.0, 22.0, 19.0]          # no complement needed
    assert city_only["rate_per_10k"].iloc[0] == pytest.approx(19 / 60_000 * 10_000)


def test_person_related_effect_only_when_every_cell_it_rests_on_is_shown():
    measure = pd.DataFrame({"body": ["ordnungsamt"], "status": ["umgesetzt"],
                            "implemented_on": [pd.Timestamp("2026-10-21")],
                            "districts": [[1]], "indicators": [["naloxon"]],
                            "title": ["Geheimer Titel"], "description": ["frei"]})
    clean = _grid({1: [10, 20, 99, 5 + 5, 0], 2: [7, 6, 6, 10, 8], 3: [10, 12, 11, 0, 6]}, 5)
    small = _grid({1: [10, 2, 99, 5, 0], 2: [7, 6, 6, 10, 8], 3: [10, 12, 11, 0, 6]}, 5)
    for grid, published in ((clean, True), (small, False)):
        counts = share_tables.count_table(grid, DISTRICTS, {"naloxon"}, K, True)
        table = share_tables.measure_table(measure, grid, counts, {"naloxon"}, weeks=2)
        assert table["change_pct"].notna().iloc[0] == published
        assert "Geheimer" not in table.to_string()
    # before 10, 20 -> mean 15; after 10, 0 -> 5: −66.7 %
    counts = share_tables.count_table(clean, DISTRICTS, {"naloxon"}, K, True)
    table = share_tables.measure_table(measure, clean, counts, {"naloxon"}, weeks=2)
    assert table["change_pct"].iloc[0] == pytest.approx(-200 / 3)
    city_only = share_tables.count_table(clean, DISTRICTS, {"naloxon"}, K, False)
    table = share_tables.measure_table(measure, clean, city_only, {"naloxon"}, weeks=2)
    assert table["effect_note"].iloc[0] == "zurückgehalten (kleine Zahlen)"


def test_positivity_per_week_where_tests_were_done():
    idx = pd.date_range("2026-10-05", periods=3, freq="7D")
    grid = pd.DataFrame({"district_id": CITY, "indicator": ["schnelltests"] * 3
                         + ["schnelltests_positiv"] * 3, "week": list(idx) * 2,
                         "count": [20.0, 0.0, 10.0, 5.0, 0.0, 1.0]})
    table = share_tables.positivity_table(grid)
    assert list(table["share_pct"]) == [25.0, 10.0] and len(table) == 2


# --------------------------------------------------------------------- keys and signature
def test_keygen_writes_a_private_key_only_the_owner_can_read(tmp_path):
    key, pub = share.keygen(tmp_path / "k", "leipzig")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert b"PRIVATE" in key.read_bytes() and b"PUBLIC KEY" in pub.read_bytes()
    with pytest.raises(share.ShareError, match="nie überschrieben"):
        share.keygen(tmp_path / "k", "leipzig")
    with pytest.raises(share.ShareError, match="Schlüsselname"):
        share.keygen(tmp_path / "k", "../x")


def _package(tmp_path, city="Leipzig", created="2026-11-18T10:00:00", name="leipzig"):
    if not (tmp_path / f"{name}.key").exists():
        share.keygen(tmp_path, name)
    key = share.load_private_key(tmp_path / f"{name}.key")
    grid = _grid({1: [2, 0, 8, 9], 2: [7, 6, 3, 10], 3: [10, 12, 11, 0]})
    tables = share.build_tables(grid=grid, districts=DISTRICTS, signals=pd.DataFrame(),
                                measures=pd.DataFrame(columns=["body", "status",
                                                               "implemented_on", "districts",
                                                               "indicators"]),
                                levels=[], person_related={"naloxon"}, k=K,
                                with_districts=True, since=None)
    meta = share.manifest(tables, {"city": city, "ags": "14713000"}, k=K,
                          created_at=datetime.fromisoformat(created), with_districts=True)
    return share.pack(tables, meta, key)


def test_every_single_changed_byte_is_refused(tmp_path):
    data = _package(tmp_path)
    public = share.load_public_key((tmp_path / "leipzig.pub").read_bytes())
    package = share.verify(data, public)
    assert package.city == "Leipzig" and set(package.tables) == set(share.TABLES)
    rng = np.random.default_rng(3)
    positions = {0, len(data) - 1, len(data) - share.SIG_LEN - 1,
                 *rng.integers(0, len(data), 150).tolist()}
    for pos in positions:
        bad = bytearray(data)
        bad[pos] ^= 0x20
        with pytest.raises(share.ShareError):
            share.verify(bytes(bad), public)


def test_unsigned_and_foreign_packages_are_refused(tmp_path):
    data = _package(tmp_path)
    public = share.load_public_key((tmp_path / "leipzig.pub").read_bytes())
    with pytest.raises(share.ShareError, match="nicht signiert"):
        share.verify(data[:-share.SIG_LEN - len(share.MARK)], public)
    other = _package(tmp_path, name="hamburg")
    with pytest.raises(share.ShareError, match="Signatur passt nicht"):
        share.verify(other, public)
    with pytest.raises(share.ShareError, match="kein ZIP"):
        share.verify(b"PK nonsense" * 20, public)


# --------------------------------------------------------------------- network store
def test_import_replaces_earlier_package_and_refuses_older_ones(tmp_path):
    store = Store(tmp_path / "netz.duckdb")
    try:
        store.share_trust(SYSTEM, "Leipzig", (tmp_path / "x.pub").read_text()
                          if (tmp_path / "x.pub").exists() else
                          share.keygen(tmp_path, "x")[1].read_text(), "fp", datetime(2026, 11, 18))
        first = _package(tmp_path, created="2026-11-10T09:00:00", name="x")
        newer = _package(tmp_path, created="2026-11-17T09:00:00", name="x")
        now = datetime(2026, 11, 18, 12)
        share.import_package(store, SYSTEM, first, now)
        share.import_package(store, SYSTEM, newer, now)
        stored = store.share_packages(SYSTEM)
        assert list(stored["city"]) == ["Leipzig"]
        assert stored["created_at"].iloc[0] == pd.Timestamp("2026-11-17T09:00:00")
        before = store.table_fingerprint()
        with pytest.raises(Invalid, match="älteres oder gleich altes"):
            share.import_package(store, SYSTEM, first, now)
        assert store.table_fingerprint() == before
        assert store.share_package_bytes(SYSTEM)["Leipzig"] == newer
        with pytest.raises(PermissionError):
            share.import_package(store, Actor("k", "krisenstab"), newer, now)
        with pytest.raises(PermissionError):
            store.share_packages(Actor("g", "gast"))
    finally:
        store.close()


def test_a_city_cannot_send_a_package_in_another_citys_name(tmp_path):
    store = Store(tmp_path / "netz.duckdb")
    try:
        for name, city in (("x", "Leipzig"), ("h", "Hamburg")):
            pub = share.keygen(tmp_path, name)[1].read_text()
            store.share_trust(SYSTEM, city, pub, name, datetime(2026, 11, 18))
        forged = _package(tmp_path, city="Leipzig", name="h")     # Hamburg's key
        before = store.table_fingerprint()
        with pytest.raises(share.ShareError, match="mit dem Schlüssel von 'Hamburg'"):
            share.import_package(store, SYSTEM, forged, datetime(2026, 11, 18, 12))
        assert store.table_fingerprint() == before
    finally:
        store.close()


def test_meeting_document_escapes_what_a_package_says(tmp_path):
    """A city name (or any value) from a package never becomes markup."""
    from lagebild.share import views as network_view
    from lagebild.catalog import load_catalog
    evil = '<img src=x onerror=alert(1)> & "Süd"'
    packages = {evil: share.read_stored(_package(tmp_path, city=evil))}
    page = network_view.report_html(packages, ["naloxon"], load_catalog(), {},
                                    datetime(2026, 11, 18).date())
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Süd&quot;" in page
    assert "Naloxon-Gaben je 10 000 Einwohner und Woche" in page
    figure = network_view.rate_figure(network_view.city_rates(packages), "naloxon", "N")
    assert all("<img" not in (trace.name or "") for trace in figure.data)


# --------------------------------------------------------------------- CLI on the demo city
def test_cli_city_only_package_of_the_demo(demo_db, tmp_path, capsys):
    """Without --districts nothing below the whole city leaves; person-related effects are
    withheld; measure titles never leave; bad keys and unknown cities are usage errors."""
    from lagebild.cli import main
    assert main(["share", "keygen", "--out", str(tmp_path / "k"), "--name", "muster"]) == 0
    key = str(tmp_path / "k" / "muster.key")
    out = tmp_path / "muster.zip"
    assert main(["share", "export", "--city", "Musterstadt", "--key", key, "--out", str(out),
                 "--since", "2026-06-01", "--db", str(demo_db)]) == 0
    package = share.verify(out.read_bytes(), share.load_public_key(
        (tmp_path / "k" / "muster.pub").read_bytes()))
    counts = package.tables["counts"]
    assert set(counts["level"]) == {"stadt"} and counts["district"].isna().all()
    assert package.manifest["period_start"] == "2026-06-01"
    assert package.manifest["period_end"] == "2026-11-15"
    person = {"drogennotfaelle", "drogentodesfaelle", "naloxon"}
    assert derivable_small(counts, K, person) == []
    assert (counts["status"] == share_tables.PRIMARY).any()       # rare deaths city-wide
    measures = package.tables["measures"]
    assert measures.loc[measures["indicator"].isin(person), "change_pct"].isna().all()
    store = Store(demo_db)
    titles = list(store.measures(SYSTEM, "Musterstadt")["title"])
    store.close()
    text = " ".join(map(str, [t.to_csv() for t in package.tables.values()]))
    assert not any(title in text for title in titles)
    capsys.readouterr()
    assert main(["share", "export", "--city", "Atlantis", "--key", key, "--out",
                 str(tmp_path / "x.zip"), "--db", str(demo_db)]) == 2
    assert "Atlantis" in capsys.readouterr().err and not (tmp_path / "x.zip").exists()
    assert main(["share", "export", "--city", "Musterstadt", "--key",
                 str(tmp_path / "k" / "muster.pub"), "--out", str(tmp_path / "x.zip"),
                 "--db", str(demo_db)]) == 2
    assert "kann nicht gelesen werden" in capsys.readouterr().err
    assert main(["share", "trust", key, "--city", "Musterstadt",
                 "--db", str(tmp_path / "n.duckdb")]) == 1
    assert "kein öffentlicher Schlüssel" in capsys.readouterr().err


def test_package_levels_and_signal_counts_are_the_citys_own(demo_db, tmp_path):
    """The Lagestufe and the red/yellow counts in a package are what the city's own
    Lagebild says for those weeks."""
    from lagebild.alerts import service as alerting
    from lagebild.alerts.config import load_alert_config
    from lagebild.analytics.escalation import escalation
    from lagebild.catalog import load_catalog
    catalog = load_catalog()
    config = load_alert_config(catalog=catalog)
    store = Store(demo_db)
    try:
        tables, facts = share.collect(store, SYSTEM, "Musterstadt", catalog=catalog,
                                      config=config, k=K, with_districts=False,
                                      since=datetime(2026, 9, 1).date())
        signals = alerting.load_signals(store, SYSTEM, "Musterstadt")
    finally:
        store.close()
    assert facts == {"city": "Musterstadt", "ags": None}
    levels, counts = tables["levels"], tables["signals"]
    assert len(levels) == 11 and levels["level"].max() >= 2      # the demo's outbreak
    for row, sig in zip(levels.itertuples(), counts.itertuples()):
        week = pd.Timestamp(row.week)
        esc = escalation(signals, week, config.levels)
        assert row.level == esc.level
        assert row.rule_de == ("" if esc.rule is None else esc.rule.label_de)
        cells = signals[signals["week"] == week]
        assert (sig.red, sig.yellow) == ((cells["colour"] == "red").sum(),
                                         (cells["colour"] == "yellow").sum())
