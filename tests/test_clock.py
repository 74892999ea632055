"""One clock (#14): product code never reads the system date itself; "today" comes from
``lagebild.clock`` (pinned by LAGEBILD_TODAY); the demo always ends in the last complete ISO
week before today; pages say how current the data is and name periods truthfully."""

from __future__ import annotations

import ast
import csv
import io
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lagebild import clock
from lagebild.access import SYSTEM, Actor
from lagebild.briefing.inputs import period_weeks
from lagebild.demo.city import last_full_week_end
from lagebild.store import Store
from lagebild.views.situation import data_status

ROOT = Path(__file__).resolve().parents[1]
CITY = "Musterstadt"
KRISENSTAB = Actor("petra", "krisenstab", cities=frozenset({CITY}))

# ------------------------------------------------------------------ no other clock
_CLOCK_CALLS = {("date", "today"), ("datetime", "now"), ("datetime", "today"),
                ("datetime", "utcnow"), ("Timestamp", "now"), ("Timestamp", "today"),
                ("time", "time"), ("time", "localtime"), ("time", "gmtime"),
                ("time", "ctime"), ("time", "strftime")}
_CLOCK_WORDS = ("now", "today")
# SQL that asks for a *date* ("today"); ``current_timestamp`` as the moment a row is written
# (audit trail, updated_at, the login lock window measured against those rows) is a record
# of real time and stays with the database.
_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES)\b")
_SQL_CLOCK = ("current_date", "now()", "today()", "get_current_time", "current_localtime")


def _name(func) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def clock_reads(source: str) -> list[str]:
    """Every place in ``source`` that asks the system for the date or time of day. Row
    timestamps written by the database (``current_timestamp``: when a row was written, for
    the audit trail) are a record of real time, not a "today" of the product, and are not
    counted (docs/settings.md, LAGEBILD_TODAY)."""
    """Every place in ``source`` that asks the system for the date or time of day."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = node.value.attr if isinstance(node.value, ast.Attribute) else \
                getattr(node.value, "id", None)
            if (owner, node.attr) in _CLOCK_CALLS:
                found.append(f"{node.lineno}: {owner}.{node.attr}")
        elif isinstance(node, ast.Call) and node.args \
                and _name(node.func) in {"Timestamp", "to_datetime", "datetime64", "Period"} \
                and isinstance(node.args[0], ast.Constant) \
                and str(node.args[0].value).strip().lower() in _CLOCK_WORDS:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and _SQL.search(node.value) \
                and any(w in node.value.lower() for w in _SQL_CLOCK):
            found.append(f"{node.lineno}: SQL clock in {node.value[:40]!r}")
        elif isinstance(node, ast.ImportFrom) and node.module == "time" \
                and any(a.name in {"time", "localtime", "gmtime"} for a in node.names):
            found.append(f"{node.lineno}: from time import …")
    return found


@pytest.mark.parametrize("snippet", [
    "from datetime import date\nx = date.today()",
    "import datetime\nx = datetime.datetime.now()",
    "from datetime import datetime as dt\nx = datetime.today()",
    "import pandas as pd\nx = pd.Timestamp.now()",
    "import pandas as pd\nx = pd.Timestamp('today')",
    "import pandas as pd\nx = pd.to_datetime('now')",
    "import time\nx = time.time()",
    "q = 'SELECT * FROM t WHERE d <= current_date'",
    "q = 'SELECT * FROM t WHERE d <= today()'",
    "q = 'SELECT count(*) FROM audit_log WHERE logged_at > now() - INTERVAL 1 DAY'",
    "import numpy as np\nx = np.datetime64('today')",
])
def test_the_checker_finds_every_way_of_reading_the_date(snippet):
    assert clock_reads(snippet), snippet


def test_no_product_code_but_the_clock_reads_the_system_date():
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
             *sorted((ROOT / "lagebild").rglob("*.py"))]
    offenders = {p.relative_to(ROOT).as_posix(): clock_reads(p.read_text(encoding="utf-8"))
                 for p in files if p != ROOT / "lagebild" / "clock.py"}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(files) > 40


# ------------------------------------------------------------------ the clock itself
def test_clock_is_pinned_by_the_setting(monkeypatch):
    monkeypatch.setenv("LAGEBILD_TODAY", "2028-02-29")
    assert clock.today() == date(2028, 2, 29)
    assert clock.now().date() == date(2028, 2, 29)
    monkeypatch.delenv("LAGEBILD_TODAY")
    assert clock.today() == date.today()      # unpinned: the system's date (tests only)


def test_a_malformed_pinned_date_is_a_german_error(monkeypatch):
    monkeypatch.setenv("LAGEBILD_TODAY", "29.02.2028")
    with pytest.raises(ValueError, match="kein Datum im Format JJJJ-MM-TT"):
        clock.today()


@pytest.mark.parametrize("today, end", [
    ("2026-12-04", "2026-11-29"),     # a Friday: the week before
    ("2026-11-30", "2026-11-29"),     # a Monday: yesterday's Sunday
    ("2026-11-29", "2026-11-22"),     # a Sunday: its own week is not complete yet
    ("2028-02-29", "2028-02-27"),     # leap day
    ("2027-01-03", "2026-12-27"),     # ISO week 53 of 2026 runs to 2027-01-03
    ("2027-01-04", "2027-01-03"),     # ... complete on the Monday after
])
def test_demo_ends_in_the_last_complete_iso_week(today, end):
    assert last_full_week_end(date.fromisoformat(today)) == date.fromisoformat(end)


def _run(*args, today: str, cwd: Path):
    env = dict(os.environ, LAGEBILD_TODAY=today)
    return subprocess.run([sys.executable, "-m", "lagebild.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _export_last_day(db: Path, tmp_path: Path, today: str) -> date:
    """The newest date in ``lagebild export`` (full role: one row per observation)."""
    out = tmp_path / f"export-{today}.csv"
    proc = _run("export", "--city", CITY, "--out", str(out), "--db", str(db), "--role",
                "krisenstab", today=today, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";")
    return max(date.fromisoformat(r["date"]) for r in rows)


@pytest.mark.parametrize("today, last_day", [("2027-06-02", "2027-05-30"),
                                             ("2028-02-29", "2028-02-27")])
def test_lagebild_demo_run_on_any_day_ends_in_the_week_before(tmp_path, today, last_day):
    db = tmp_path / "demo.duckdb"
    proc = _run("demo", "--db", str(db), today=today, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    last = _export_last_day(db, tmp_path, today)       # the export proves where the data end
    assert last == date.fromisoformat(last_day) and last.isoweekday() == 7
    assert (date.fromisoformat(today) - last).days <= 7
    iso = last.isocalendar()
    assert f"bis KW {iso.week}/{iso.year}" in proc.stdout, proc.stdout


def test_lagebild_demo_end_option_and_same_seed_same_tables(tmp_path):
    dbs = []
    for name, today in (("a", "2026-12-04"), ("b", "2030-01-01")):
        dbs.append(tmp_path / f"{name}.duckdb")
        proc = _run("demo", "--db", str(dbs[-1]), "--end", "2026-12-02", today=today,
                    cwd=tmp_path)                  # a Wednesday: the Sunday before counts
        assert proc.returncode == 0, proc.stderr
        assert "bis 29.11.2026" in proc.stdout
    frames = []
    for db in dbs:
        s = Store(db)
        try:
            frames.append(s.weekly_counts(SYSTEM, CITY).sort_values(
                ["district_id", "indicator", "week"]).reset_index(drop=True))
        finally:
            s.close()
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_lagebild_demo_refuses_a_malformed_end(tmp_path):
    proc = _run("demo", "--db", str(tmp_path / "x.duckdb"), "--end", "29.11.2026",
                today="2026-12-04", cwd=tmp_path)
    assert proc.returncode == 2 and "JJJJ-MM-TT" in proc.stderr


# ------------------------------------------------------------------ Datenstand
def test_data_status_line_and_warning():
    line, warning = data_status(date(2026, 11, 29), pd.Timestamp("2026-11-23"),
                                date(2026, 12, 13))
    assert line.startswith("Datenstand: letzte Meldung 29.11.2026; Berichtswoche KW 48/2026")
    assert warning is None                               # 14 days: still current
    _, warning = data_status(date(2026, 11, 29), pd.Timestamp("2026-11-23"),
                             date(2026, 12, 14))
    assert "15 Tage alt" in warning and "14.12.2026" in warning
    line, _ = data_status(date(2026, 11, 29), pd.Timestamp("2026-11-23"), date(2026, 12, 1),
                          "en")
    assert line.startswith("Data as of: latest report 2026-11-29; report week W48/2026")


# ------------------------------------------------------------------ periods
def test_a_meeting_after_the_report_week_is_no_period():
    assert period_weeks(date(2026, 11, 25), pd.Timestamp("2026-11-09")) == \
        (pd.Timestamp("2026-11-09"), 0)
    assert period_weeks(date(2026, 11, 9), pd.Timestamp("2026-11-09")) == \
        (pd.Timestamp("2026-11-09"), 1)              # a meeting on the Monday: that week


# ------------------------------------------------------------------ pages on any day
def _page(db: Path, page: str, monkeypatch, today: str) -> AppTest:
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(db))
    monkeypatch.setenv("LAGEBILD_TODAY", today)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state["lagebild_actor"] = KRISENSTAB
    at.session_state["lagebild_lang"] = "de"
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def demo_a_year_ahead(tmp_path_factory) -> Path:
    """``lagebild demo`` on 18.11.2027: the data end on 14.11.2027 (KW 45/2027)."""
    path = tmp_path_factory.mktemp("ahead") / "demo.duckdb"
    proc = _run("demo", "--db", str(path), today="2027-11-18", cwd=path.parent)
    assert proc.returncode == 0, proc.stderr
    return path


PAGES = ["pages/overview.py", "pages/map.py", "pages/trends.py", "pages/district.py",
         "pages/briefing.py", "pages/measures.py", "pages/meetings.py", "pages/alerts.py",
         "pages/export.py"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_a_year_ahead_and_says_how_current_the_data_are(
        page, demo_a_year_ahead, monkeypatch):
    at = _page(demo_a_year_ahead, page, monkeypatch, "2027-11-18")   # no exception
    assert not [e.value for e in at.error if "Fehler" in e.value or "kann nicht" in e.value]
    if page in PAGES[:5]:
        assert any(c.value.startswith("Datenstand: letzte Meldung 14.11.2027; Berichtswoche "
                                      "KW 45/2027") for c in at.caption), \
            [c.value for c in at.caption]
        assert not any("Tage alt" in w.value for w in at.warning)


def test_meetings_a_year_ahead_lie_around_today(demo_a_year_ahead, monkeypatch):
    at = _page(demo_a_year_ahead, "pages/meetings.py", monkeypatch, "2027-11-18")
    infos = " ".join(i.value for i in at.info)
    assert "Letzte Sitzung: 15.09.2027" in infos       # end − 60 days, in the past
    at = _page(demo_a_year_ahead, "pages/briefing.py", monkeypatch, "2027-11-18")
    assert "Seit der letzten Sitzung (15.09.2027)" in at.radio(key="briefing_period").options


def test_old_data_are_flagged_on_the_overview(demo_db, monkeypatch):
    at = _page(demo_db, "pages/overview.py", monkeypatch, "2026-12-04")
    assert any("Datenstand: letzte Meldung 15.11.2026; Berichtswoche KW 46/2026" in c.value
               for c in at.caption)
    assert any("19 Tage alt" in w.value for w in at.warning), [w.value for w in at.warning]


def test_no_data_since_the_meeting_is_said_not_dressed_up_as_a_period(demo_db, monkeypatch):
    """Meeting on 25.11.2026, newest complete week KW 46 (9.–15.11.): the map offers the
    report week under its own name and says that nothing arrived since the meeting; the
    briefing names its period 'zuletzt gemeldete Woche', not 'seit der letzten Sitzung'."""
    today = (date(2026, 11, 25) + timedelta(days=3)).isoformat()
    at = _page(demo_db, "pages/map.py", monkeypatch, today)
    labels = at.selectbox(key="map_period").options
    assert not any("Sitzung" in o for o in labels), labels
    assert any("Seit der Sitzung am 25.11.2026 liegen noch keine vollständig gemeldeten "
               "Wochen vor; zuletzt gemeldet ist KW 46/2026." in c.value for c in at.caption)
    at = _page(demo_db, "pages/briefing.py", monkeypatch, today)
    option = at.radio(key="briefing_period").options[0]
    assert option.startswith("Zuletzt gemeldete Woche KW 46/2026 (seit der Sitzung am "
                             "25.11.2026 liegen noch keine Meldungen vor)"), option


def test_briefing_names_its_period_truthfully(demo_store):
    """The briefing's period line: since the last meeting while weeks have arrived since,
    otherwise the latest reported week under its own name, and always the Datenstand."""
    from lagebild.alerts.config import load_alert_config
    from lagebild.briefing.model import facts
    from lagebild.briefing.data import collect
    from lagebild.catalog import load_catalog
    catalog = load_catalog()
    config = load_alert_config(catalog=catalog)

    def fact_lines(today):
        inp = collect(demo_store, SYSTEM, CITY, catalog=catalog, config=config, today=today)
        return dict(facts(inp))

    before = fact_lines(date(2026, 11, 18))
    assert before["Zeitraum"] == ("KW 39/2026 – KW 46/2026 (21.09.2026 – 15.11.2026; seit der "
                                  "letzten Sitzung am 16.09.2026)")
    assert before["Datenstand"].startswith("letzte Meldung 15.11.2026; Berichtswoche KW 46")
    after = fact_lines(date(2026, 12, 4))              # meeting of 25.11. lies behind us
    assert after["Zeitraum"] == ("KW 46/2026 (09.11.2026 – 15.11.2026; zuletzt gemeldete "
                                 "Woche – seit der Sitzung am 25.11.2026 liegen noch keine "
                                 "Meldungen vor)")
    assert "19 Tage alt" in after["Datenstand"]
