"""`lagebild demo` / `lagebild info` as a user runs them."""

import json
import subprocess
import sys

import pandas as pd

from lagebild.access import SYSTEM
from lagebild.cli import main
from lagebild.store import Store


def test_demo_is_deterministic_and_info_reports_it(tmp_path, capsys):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    assert main(["demo", "--db", str(a)]) == 0
    assert main(["demo", "--db", str(b)]) == 0
    sa, sb = Store(a), Store(b)
    try:
        pd.testing.assert_frame_equal(sa.observations(SYSTEM, "Musterstadt"),
                                      sb.observations(SYSTEM, "Musterstadt"))
        da = sa.districts(SYSTEM, "Musterstadt").drop(columns="district_id")
        db = sb.districts(SYSTEM, "Musterstadt").drop(columns="district_id")
        pd.testing.assert_frame_equal(da, db)
    finally:
        sa.close()
        sb.close()
    capsys.readouterr()
    assert main(["info", "--db", str(a), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) == {"cities", "indicators", "observations", "shared_cities"}
    assert info["shared_cities"] == []      # a city instance holds no packages (#19)
    assert info["cities"][0]["name"] == "Musterstadt"
    assert info["cities"][0]["districts"] >= 10
    assert info["indicators"] >= 7
    assert info["observations"] >= 100_000
    assert info["observations"] == info["cities"][0]["observations"]


def test_other_seed_gives_other_data(tmp_path):
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    assert main(["demo", "--db", str(a), "--seed", "1"]) == 0
    assert main(["demo", "--db", str(b), "--seed", "2"]) == 0
    sa, sb = Store(a), Store(b)
    try:
        assert not sa.observations(SYSTEM, "Musterstadt").equals(
            sb.observations(SYSTEM, "Musterstadt"))
    finally:
        sa.close()
        sb.close()


def test_demo_twice_in_one_database_is_refused(demo_db, capsys):
    assert main(["demo", "--db", str(demo_db)]) == 1
    assert "schon angelegt" in capsys.readouterr().err


def test_info_as_text_and_console_script(demo_db):
    out = subprocess.run([sys.executable, "-m", "lagebild.cli", "info", "--db", str(demo_db)],
                         capture_output=True, text=True, check=True).stdout
    assert "Musterstadt:" in out and "Indikatoren: 7" in out


def test_usage_error_exits_2(capsys):
    try:
        main(["districts", "import"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse should exit")


def test_an_import_loads_no_pdf_chart_or_web_stack():
    """Opening the store and importing a file (what ``lagebild ingest`` and the inbox do)
    loads neither the PDF and chart libraries nor Streamlit nor the alert methods: a store
    mixin that imported the warning PDF once cost every command about 0,6 s (#20)."""
    code = ("import sys, lagebild.store, lagebild.ingest.importer, lagebild.cli.ingest; "
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    loaded = set(out.stdout.split())
    assert "lagebild.store" in loaded and "pandas" in loaded
    assert not loaded & {"fpdf", "matplotlib", "streamlit", "scipy", "plotly", "folium",
                         "lagebild.briefing", "lagebild.analytics.farrington"}


def test_help_lists_every_command_and_loads_no_data_libraries():
    """``lagebild --help`` answers without pandas, numpy, DuckDB or Streamlit (#16/#20: the
    sub-commands import what they need when they run), and names every command."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "lagebild.cli", "--help"],
                         capture_output=True, text=True, check=True)
    loaded = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()
              if line.startswith("import time:")}
    assert "lagebild.cli" in loaded
    assert not loaded & {"pandas", "numpy", "duckdb", "streamlit", "geopandas"}
    for command in ("demo", "serve", "ingest", "alerts", "report", "share", "erinnern", "substances",
                    "backup", "restore", "user"):
        assert command in out.stdout
