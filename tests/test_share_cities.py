"""#19 with real boundaries: four city instances (Berlin Bezirke, Hamburg Stadtteile,
Frankfurt Stadtteile, Leipzig Ortsteile from ../shared/data/real) with synthetic counts
export signed packages; a fifth, the network instance, imports them; a tampered, an unsigned
and an unknown package are refused with nothing written; no package lets anyone derive a
person-related count from 1 to k−1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, labelled, only, with_text  # noqa: E402
from share_kit import CITIES, ROOT, build_network  # noqa: E402
from test_share import derivable_small  # noqa: E402

from lagebild.share import package as share  # noqa: E402
from lagebild.access import SYSTEM  # noqa: E402
from lagebild.cli import main  # noqa: E402
from lagebild.store import Store  # noqa: E402


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return build_network(tmp_path_factory.mktemp("netz"))


def _state(db: Path):
    store = Store(db)
    try:
        return (store.share_packages(SYSTEM)[["city", "sha256", "created_at"]]
                .to_dict("records"), store.table_fingerprint())
    finally:
        store.close()


def _info(db: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["info", "--json", "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def test_network_lists_the_four_shared_cities_with_period_and_date(network, capsys):
    info = _info(network["net"], capsys)
    shared = {c["name"]: c for c in info["shared_cities"]}
    assert sorted(shared) == sorted(c[0] for c in CITIES)
    for c in shared.values():
        assert c["period_start"] == "2026-09-28" and c["period_end"] == "2026-11-08"
        assert c["package_date"].startswith("2026-11-18T")
    # the network instance holds no raw observations and no districts of the cities
    assert info["cities"] == [] and info["observations"] == 0


def test_no_package_lets_anyone_derive_a_small_count(network):
    for path in network["packages"]:
        package = share.read_stored(path.read_bytes())
        counts = package.tables["counts"]
        k = package.manifest["small_count_k"]
        assert (counts["status"] == "klein").any(), "synthetic data must have small counts"
        assert derivable_small(counts, k, {"drogennotfaelle", "drogentodesfaelle",
                                           "naloxon"}) == []


def test_district_level_of_every_city_is_in_its_package(network):
    expected = {"Berlin": 12, "Hamburg": 104, "Frankfurt am Main": 46, "Leipzig": 63}
    for path in network["packages"]:
        package = share.read_stored(path.read_bytes())
        c = package.tables["counts"]
        n = c.loc[c["level"] == "stadtteil", "district"].nunique()
        assert n == expected[package.city]


def _run_import(path: Path, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lagebild.cli", "share", "import", str(path),
                           "--db", str(db)], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120)


def test_one_tampered_byte_is_refused_with_exit_1_and_nothing_written(network, tmp_path):
    before = _state(network["net"])
    data = bytearray(network["packages"][0].read_bytes())
    data[len(data) // 2] ^= 0x01
    bad = tmp_path / "verändert.zip"
    bad.write_bytes(bytes(data))
    run = _run_import(bad, network["net"])
    assert run.returncode == 1, run.stderr
    assert "Signatur passt nicht" in run.stderr and "Nichts importiert" in run.stderr
    assert _state(network["net"]) == before


def test_unsigned_package_is_refused_with_nothing_written(network, tmp_path):
    before = _state(network["net"])
    data = network["packages"][1].read_bytes()
    bad = tmp_path / "unsigniert.zip"
    bad.write_bytes(data[:-(len(share.MARK) + share.SIG_LEN)])    # comment cut off
    assert main(["share", "import", str(bad), "--db", str(network["net"])]) == 1
    assert _state(network["net"]) == before


def test_package_of_an_untrusted_city_is_refused(network, tmp_path, capsys):
    """A package signed by Leipzig's key but not listed: and a package claiming to be
    Berlin but signed with another city's key."""
    before = _state(network["net"])
    other = tmp_path / "other.duckdb"
    capsys.readouterr()
    assert main(["share", "import", str(network["packages"][3]), "--db", str(other)]) == 1
    assert "kein Schlüssel hinterlegt" in capsys.readouterr().err
    # Berlin's key replaced by Hamburg's: Berlin's own package no longer verifies
    wrong = tmp_path / "wrong.duckdb"
    assert main(["share", "trust", str(network["keys"][1]), "--city", "Berlin",
                 "--db", str(wrong)]) == 0
    assert main(["share", "import", str(network["packages"][0]), "--db", str(wrong)]) == 1
    assert "Signatur passt nicht" in capsys.readouterr().err
    assert _state(network["net"]) == before


# --------------------------------------------------------------------- the page (AppTest)
@pytest.fixture
def network_app(network, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lagebild.access import Actor
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(network["net"]))
    monkeypatch.chdir(ROOT)

    def open_page(actor=Actor("k", "krisenstab"), lang="de"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["lagebild_actor"] = actor
        if lang == "en":
            at.session_state["lagebild_lang"] = "en"
        at.run()
        at.switch_page("pages/network.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return open_page


def test_staedtevergleich_shows_all_four_cities(network_app):
    at = network_app()
    assert only(at.title).value == "Städtevergleich"
    cities = frame_with(at, "Stadt", "Zeitraum", "Paket vom")
    assert sorted(cities["Stadt"]) == sorted(c[0] for c in CITIES)
    assert set(cities["Zeitraum"]) == {"2026-09-28 – 2026-11-08"}
    assert all(d.startswith("2026-11-18 ") for d in cities["Paket vom"])
    chart = at.get_by_key("network_chart_drogennotfaelle")   # (then Drogentodesfälle)
    rates = frame_with(at, after=chart)
    assert sorted(rates.columns) == sorted(c[0] for c in CITIES) and len(rates) == 6
    names = {trace["name"] for trace in json.loads(chart.proto.spec)["data"]}
    assert {c[0] for c in CITIES} <= names
    levels = frame_with(at, after=at.get_by_key("network_levels_chart"))
    assert sorted(levels.index) == sorted(c[0] for c in CITIES)
    assert set(levels.stack().unique()) <= {0, 1, 2, 3}
    positivity = frame_with(at, after=with_text(at.subheader, "Anteil positiver Schnelltests"))
    assert len(positivity.columns) == 4 and positivity.iloc[0, 0].endswith(")")
    # no upload for the crisis team; the admin sees it with the trusted keys
    assert not at.get("file_uploader")


def test_staedtevergleich_marks_suppressed_weeks_as_such(network_app, network):
    at = network_app()
    at.multiselect(key="network_indicators").set_value(["drogentodesfaelle"]).run()
    chart = at.get_by_key("network_chart_drogentodesfaelle")     # the only indicator now
    table = frame_with(at, after=chart)
    seen = set()
    for path in network["packages"]:
        package = share.read_stored(path.read_bytes())
        c = package.tables["counts"]
        rows = c[(c["level"] == "stadt") & (c["indicator"] == "drogentodesfaelle")]
        for row in rows.itertuples():
            cell = table.loc[row.week.strftime("%G-W%V"), package.city]
            if row.status == "":
                assert cell == f"{row.rate_per_10k:.2f}".replace(".", ",")
            else:       # a suppressed week is said to be one, never shown as 0
                assert cell == "unterdrückt (< 5)"
            seen.add(row.status)
    assert seen == {"", "klein"}        # rare deaths: some city weeks are 1..4
    traces = json.loads(chart.proto.spec)["data"]
    assert any(trace["name"].endswith(": unterdrückt") for trace in traces)


def test_staedtevergleich_for_admin_and_refused_for_gast(network_app):
    from lagebild.access import Actor
    at = network_app(Actor("a", "admin"))
    assert at.get("file_uploader")
    keys = frame_with(labelled(at.expander, "Paket einer Stadt importieren"), "Stadt",
                      "Fingerabdruck")
    assert sorted(keys["Stadt"]) == sorted(c[0] for c in CITIES)
    # the guest has no such page (and the store refuses the packages to the role anyway)
    with pytest.raises(ValueError, match="network.py"):
        network_app(Actor("g", "gast"))


def test_staedtevergleich_in_english(network_app):
    at = network_app(lang="en")
    assert only(at.title).value == "City comparison"
    at.multiselect(key="network_indicators").set_value(["drogentodesfaelle"]).run()
    table = frame_with(at, after=at.get_by_key("network_chart_drogentodesfaelle"))
    assert (table == "suppressed (< 5)").any().any()
    cities = frame_with(at, after=with_text(at.subheader, "Cities and their packages"))
    assert "City" in cities.columns
