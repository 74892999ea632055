"""Bounded memory against hostile files (issue #21, point 1), in real subprocesses.

The corpus (``hostile_files``: a 1 MB xlsx whose sheet XML is ~1 GB of whitespace, an xlsx
with Excel's 1 048 576 rows, one with as many rows as the budgets allow (every row invalid),
a sparse 2 GB file, a CSV with a 3 MB cell) is generated into tmp_path. Each file goes through

- the CLI (``python -m lagebild.cli ingest FILE …``), and
- the server's upload check (``importer.import_file(dry_run=True)``, what the upload page's
  preview runs on the bytes Streamlit hands over; Streamlit itself refuses bodies over
  ``server.maxUploadSize`` while streaming, so the 2 GB file never reaches the app),

each in a fresh Python process started under ``ulimit -v`` (its idle virtual size + 300 MB),
and must end with the specific German rejection. The peak resident memory of each run
(``os.wait4``'s ``ru_maxrss``) must stay within 300 MB of the same command on a one-row
file. Times and peaks are measured in ``benchmarks/bench_hostile.py`` (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_files  # noqa: E402
from test_ingest_kit import CITY, make_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HEADROOM_MB = 300

# file -> a phrase of the German rejection it must get
EXPECTED = {
    "whitespace_xlsx": "Zip-Bombe",
    "million_rows_xlsx": "mehr als 100.000 Zeilen",
    "budget_xlsx": "„46330“ ist kein Datum",
    "sparse_2gb": "erlaubt sind höchstens 20,0 MB",
    "giant_cell_csv": "länger als 131.072 Zeichen",
}

SERVER_CHECK = """
import sys, json
from datetime import date
from pathlib import Path
from lagebild.access import SYSTEM
from lagebild.ingest.importer import import_file
from lagebild.store import Store
path, db = Path(sys.argv[1]), sys.argv[2]
data = path.read_bytes()
store = Store(db)
out = import_file(store, SYSTEM, sys.argv[3], "Streetwork", data, path.name,
                  today=date(2026, 11, 20), dry_run=True)
print(json.dumps(out.as_json(), ensure_ascii=False, default=str))
"""


def run_limited(args: list[str], vm_kb: int | None, cwd: Path) -> tuple[dict, float, str]:
    """Run ``args`` under ``ulimit -v vm_kb``; (JSON it printed, its peak RSS in MB from
    ``os.wait4``, stderr)."""
    limit = f"ulimit -v {vm_kb} && " if vm_kb else ""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAGEBILD_LANGUAGE": "de"}
    with open(cwd / "out.txt", "w+b") as out, open(cwd / "err.txt", "w+b") as err:
        proc = subprocess.Popen(["bash", "-c", limit + "exec " + shlex.join(args)], cwd=cwd,
                                env=env, stdout=out, stderr=err)
        deadline = time.monotonic() + 120     # a hang must not block the suite
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"{args} hängt")
            time.sleep(0.05)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace").strip().splitlines()
        stderr = err.read().decode("utf-8", "replace")
    return (json.loads(text[-1]) if text else {}), usage.ru_maxrss / 1024, stderr


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return hostile_files.corpus(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("db") / "t.duckdb"
    make_store(path).close()
    return path


def cli_args(path: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "lagebild.cli", "ingest", str(path), "--city", CITY,
            "--org", "Streetwork", "--db", str(db), "--dry-run", "--json"]


def server_args(path: Path, db: Path) -> list[str]:
    return [sys.executable, "-c", SERVER_CHECK, str(path), str(db), CITY]


def _vm_peak_kb(args: list[str], cwd: Path) -> int:
    """VmPeak of ``args`` on a harmless file (read by a wrapper at interpreter exit)."""
    wrapper = ("import atexit, runpy, sys\n"
               "atexit.register(lambda: sys.stderr.write(next(l for l in open("
               "'/proc/self/status') if l.startswith('VmPeak'))))\n")
    if args[1] == "-m":
        wrapper += f"sys.argv = {args[2:]!r}\nrunpy.run_module('lagebild.cli', " \
                   "run_name='__main__')\n"
    else:
        wrapper += f"sys.argv = ['x'] + {args[3:]!r}\nexec(compile({args[2]!r}, 's', 'exec'))\n"
    _, _, err = run_limited([sys.executable, "-c", wrapper], None, cwd)
    return int(err.strip().splitlines()[-1].split()[1])


@pytest.fixture(scope="module")
def small_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ok") / "eine-zeile.csv"
    path.write_text("datum;stadtteil;indikator;anzahl\n03.11.2026;Altstadt;spritzenfunde;2\n",
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("entry", ["cli", "server"])
def test_hostile_files_rejected_in_german_within_memory_bound(entry, corpus, db, small_file,
                                                              tmp_path):
    build = cli_args if entry == "cli" else server_args
    idle_json, idle_rss, err = run_limited(build(small_file, db), None, tmp_path)
    assert idle_json.get("status") == "valid", err
    vm_limit = _vm_peak_kb(build(small_file, db), tmp_path) + HEADROOM_MB * 1024
    for name, path in corpus.items():
        if entry == "server" and name == "sparse_2gb":
            continue          # refused by Streamlit's maxUploadSize (test below)
        result, peak, err = run_limited(build(path, db), vm_limit, tmp_path)
        assert result.get("status") == "rejected", f"{name}: {err[-2000:]}"
        messages = " ".join(e["message"] for e in result["errors"])
        assert EXPECTED[name] in messages, f"{name}: {messages}"
        assert peak - idle_rss <= HEADROOM_MB, \
            f"{name}: {peak:.0f} MB Spitze, Leerlauf {idle_rss:.0f} MB"


def test_streamlit_refuses_uploads_over_the_limit_before_the_app_sees_them():
    """The server never hands the app more bytes than LAGEBILD_UPLOAD_LIMIT_MB."""
    from lagebild.config import get_settings
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] <= get_settings().upload_limit_mb
