"""Crash safety of ``lagebild ingest``: SIGKILL at random moments never leaves half an upload.

The test imports a large long-format file (189 000 rows, 8.6 MB, about 1.3 s per import)
again and again with the real command (``python -m lagebild.cli ingest … --json``) in a
subprocess and kills that process with SIGKILL 24 times at random (seeded) moments:

- *anywhere*: uniformly between 0.05 s and the duration of an uninterrupted run (mostly
  while the file is parsed);
- *write*: at a random moment of the import transaction (between the appearance of the
  upload's raw bytes beside the database — written just before the transaction — and the
  appearance of DuckDB's ``.wal``);
- *wal*: while the ``.wal`` exists (measured in the uninterrupted run: a few milliseconds),
  i.e. while DuckDB commits and checkpoints, so the killed process leaves a write-ahead log
  behind;
- *late*: after the checkpoint, while the raw-store record is written, the JSON printed and
  the interpreter shut down.

Uninterrupted runs in between must report ``imported``. After every run the database is
opened with ``Store`` (which must succeed and replays a WAL left behind) and checked:

- every upload is complete: its ``row_count``, its observations (number, sum of counts,
  first and last day, organisation), its reporting periods and its one audit entry all match the
  file of the run that produced it, and its raw bytes are kept beside the database;
- nothing is partly present: no observation, reporting period or audit entry refers to an
  upload that does not exist, and the database holds no observation beyond the uploads;
- every run that *reported* ``imported`` is present with the reported upload id (and its
  raw-store record), and a run killed before its bytes were kept left no upload.

Known DuckDB limitation: a kill that tears DuckDB's in-place checkpoint write (seen once in
about 1 300 kills) leaves a file DuckDB refuses to open. The test then checks the recovery path
instead (``recover``: German message naming the way out, ``lagebild rebuild`` from the kept
originals restores every reported upload whole) and reports how often it happened.

At least 20 kills must hit a running process, at least one must leave a non-empty ``.wal``
whose replay brings the upload back complete, and at least one must interrupt the
transaction (upload absent); the file of such a run imports afterwards, and the file of a run
killed after its commit is recognised as already imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ingest_kit import CATALOG, CITY, SQUARES, make_store  # noqa: E402

from lagebild.ingest import rawstore  # noqa: E402
from lagebild.access import SYSTEM  # noqa: E402
from lagebild.store import Store, StoreError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261121
N_DAYS = 9000                       # 03.01.2000 .. 23.08.2024: in the past, above MIN_DATE
FIRST_DAY, LAST_DAY = "2000-01-03", str(np.datetime64("2000-01-03") + N_DAYS - 1)
DISTRICTS = [name for _, name, _ in SQUARES]
INDICATORS = [i.label_de for i in CATALOG]
HEADER = "datum;stadtteil;indikator;anzahl\n"
FIRST = f"03.01.2000;{DISTRICTS[0]};{INDICATORS[0]};"     # its count differs per run
PLAN = ["anywhere"] * 8 + ["write"] * 6 + ["wal"] * 8 + ["late"] * 2
CLEAN_EVERY = 6                     # an uninterrupted run after every 6th kill
MIN_KILLED = 20
MIN_WAL_WINDOW = 0.002              # s; the .wal lives ≈ 7 ms (commit + checkpoint)
POLL = 0.0005
RUN_TIMEOUT = 120
ENV = {**os.environ, "LAGEBILD_UPLOAD_LIMIT_MB": "100", "LAGEBILD_LANGUAGE": "de"}


@dataclass
class Body:
    rest: bytes                     # every data row after the first
    rows: int
    rest_total: int                 # sum of the counts after the first row


@dataclass
class Run:
    i: int
    mode: str                       # clean | anywhere | write | wal | late | retry
    delay: float
    org: str
    data: bytes
    rows: int
    total: int
    sha: str = field(init=False)
    returncode: int | None = None
    doc: dict | None = None         # the --json output, if the process got to print it
    events: dict = field(default_factory=dict)   # s after start: bin, wal, wal_gone, kill, exit
    bin_at_kill: bool = False
    wal_left: int | None = None     # size of the .wal right after the process ended
    present: int | None = None      # upload id found in the database afterwards

    def __post_init__(self):
        self.sha = hashlib.sha256(self.data).hexdigest()

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL

    @property
    def reported(self) -> bool:
        return bool(self.doc) and self.doc.get("status") == "imported"


@pytest.fixture(scope="module")
def body() -> Body:
    """The large file minus its first data row, generated once (numpy, seeded)."""
    per_day = len(DISTRICTS) * len(INDICATORS)
    days = (np.datetime64("2000-01-03") + np.arange(N_DAYS)).astype(str)
    day = np.repeat([f"{d[8:10]}.{d[5:7]}.{d[0:4]}" for d in days], per_day)
    dist = np.tile(np.repeat(DISTRICTS, len(INDICATORS)), N_DAYS)
    ind = np.tile(np.tile(INDICATORS, len(DISTRICTS)), N_DAYS)
    cnt = np.random.default_rng(SEED).poisson(3, N_DAYS * per_day)
    assert f"{day[0]};{dist[0]};{ind[0]};" == FIRST
    rest = "".join(f"{a};{b};{c};{n}\n" for a, b, c, n in zip(day[1:], dist[1:], ind[1:],
                                                             cnt[1:]))
    return Body(rest.encode("utf-8"), N_DAYS * per_day, int(cnt[1:].sum()))


def make_run(body: Body, i: int, mode: str, delay: float = 0.0) -> Run:
    """Run ``i``: own organisation (no collisions), own first count (no duplicate bytes)."""
    first = 100 + i
    data = (HEADER + FIRST + f"{first}\n").encode("utf-8") + body.rest
    return Run(i, mode, delay, f"Org{i:02d}", data, body.rows, body.rest_total + first)


def ingest(db: Path, csv: Path, run: Run) -> Run:
    """Start ``lagebild ingest`` for ``run`` and SIGKILL it as its mode says."""
    csv.write_bytes(run.data)
    bin_path = rawstore.directory(db) / f"{run.sha}.bin"
    wal = db.with_name(db.name + ".wal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lagebild.cli", "ingest", str(csv), "--city", CITY,
         "--org", run.org, "--db", str(db), "--json"],
        cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t0 = time.monotonic()
    kill_at = t0 + run.delay if run.mode == "anywhere" else None
    try:
        while proc.poll() is None:
            now = time.monotonic()
            assert now - t0 < RUN_TIMEOUT, f"ingest of run {run.i} hangs"
            if "bin" not in run.events and bin_path.exists():
                run.events["bin"] = now - t0
                if run.mode == "write":
                    kill_at = now + run.delay
            if "wal" not in run.events and wal.exists():
                run.events["wal"] = now - t0
                if run.mode in ("wal", "late"):
                    kill_at = now + run.delay
            elif "wal_gone" not in run.events and "wal" in run.events and not wal.exists():
                run.events["wal_gone"] = now - t0
            if kill_at is not None and now >= kill_at:
                run.bin_at_kill = bin_path.exists()
                proc.send_signal(signal.SIGKILL)
                run.events["kill"] = time.monotonic() - t0
                break
            time.sleep(POLL)
        out, err = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    run.events["exit"] = time.monotonic() - t0
    run.returncode = proc.returncode
    run.wal_left = wal.stat().st_size if wal.exists() else None
    try:
        run.doc = json.loads(out.decode("utf-8"))
    except ValueError:
        run.doc = None
    assert run.killed or run.returncode == 0, (
        f"run {run.i} ({run.mode}) ended with {run.returncode}: "
        f"{out.decode(errors='replace')[:500]} {err.decode(errors='replace')[-2000:]}")
    if not run.killed:
        assert run.reported and run.doc["rows"] == run.rows, run.doc
    return run


def check(db: Path, runs: list[Run]) -> None:
    """Open the database (replaying any WAL) and check that every upload is whole."""
    store = Store(db)              # must open after any kill
    try:
        uploads = store.uploads(SYSTEM, CITY)
        # No public accessor gives observations per upload: aggregate directly.
        obs = store._df("SELECT upload_id, count(*) AS n, sum(count) AS total, "
                        "min(date) AS first, max(date) AS last FROM observations "
                        "GROUP BY ALL")
        periods = store._df("SELECT upload_id, count(*) AS n FROM reporting_periods "
                            "GROUP BY ALL")
        sha = dict(store._df("SELECT upload_id, sha256 FROM uploads").itertuples(index=False))
        audit = store.audit_log(SYSTEM, limit=1_000_000)
        total_observations = store.info(SYSTEM)["observations"]
    finally:
        store.close()

    imports = [json.loads(d) for d in audit.loc[audit["action"] == "upload.import", "detail"]]
    ids = set(uploads["upload_id"])
    # Nothing refers to an upload that is not there (= no partly present upload).
    assert set(obs["upload_id"]) <= ids, "observations of a missing upload"
    assert set(periods["upload_id"]) <= ids, "reporting periods of a missing upload"
    assert {d["upload_id"] for d in imports} <= ids, "audit entry of a missing upload"
    assert total_observations == uploads["row_count"].sum(), "observations beyond the uploads"
    assert uploads["organisation"].is_unique, "a run imported twice"

    by_org = {r.org: r for r in runs}
    obs = obs.set_index("upload_id")
    periods = periods.set_index("upload_id")["n"]
    folder = rawstore.directory(db)
    present = {}
    for u in uploads.itertuples():
        run = by_org.get(u.organisation)
        assert run is not None, f"upload {u.upload_id} of unknown organisation {u.organisation}"
        what = f"upload {u.upload_id} (run {run.i}, {run.mode})"
        assert u.status == "imported", what
        assert u.row_count == run.rows, what
        assert u.upload_id in obs.index, f"{what}: no observations"
        o = obs.loc[u.upload_id]
        assert (o.n, o.total) == (run.rows, run.total), what
        assert (str(o["first"])[:10], str(o["last"])[:10]) == (FIRST_DAY, LAST_DAY), what
        assert periods.get(u.upload_id, 0) == len(INDICATORS), what
        rows = [d["rows"] for d in imports if d["upload_id"] == u.upload_id]
        assert rows == [run.rows], f"{what}: audit entries {rows}"
        assert sha[u.upload_id] == run.sha, what
        kept = folder / f"{run.sha}.bin"     # written before the transaction
        assert kept.is_file() and kept.stat().st_size == len(run.data), what
        present[run.org] = u.upload_id

    for run in runs:
        run.present = present.get(run.org)
        if run.reported:
            assert run.present == run.doc["upload_id"], (
                f"run {run.i} ({run.mode}) reported upload {run.doc['upload_id']}, "
                f"database has {run.present}")
            assert (folder / f"{run.present:08d}.json").is_file()
        if run.killed and not run.bin_at_kill:
            assert run.present is None, f"run {run.i} killed before its bytes were kept"


def recover(db: Path, runs: list[Run], exc: StoreError) -> None:
    """DuckDB 2.0 rewrites a metadata block in place while it checkpoints; a SIGKILL that
    tears that write (seen once in about 1 300 kills, right after the commit) leaves a
    file DuckDB refuses ("Corrupt database file: computed checksum …"). The product's answer
    is checked here: the German message names the way out, and ``lagebild rebuild`` from the
    original uploads kept beside the database brings back every upload reported as
    imported, whole (upload ids are renumbered by the rebuild)."""
    message = str(exc)
    assert "lagebild restore" in message and "kann nicht geöffnet werden" in message, message
    for path in list(db.parent.glob(db.name + "*")):          # the database and its .wal
        path.rename(path.with_name("kaputt-" + path.name))
    make_store(db).close()                                    # city and boundaries again
    proc = subprocess.run([sys.executable, "-m", "lagebild.cli", "rebuild", "--db", str(db)],
                          cwd=ROOT, env=ENV, capture_output=True, timeout=600, check=False)
    # exit 1 is allowed only for what a kill leaves and the rebuild names (a kept .bin of
    # an import killed before its commit, an import killed around its commit): nothing
    # may be rejected or missing
    out = proc.stdout.decode(errors="replace")
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")[-2000:]
    assert "abgelehnt: 0;" in out and "Datei fehlt: 0;" in out, out
    store = Store(db)
    try:
        new_ids = dict(store._df("SELECT organisation, upload_id FROM uploads")
                       .itertuples(index=False))
    finally:
        store.close()
    for run in runs:
        if run.reported:
            assert run.org in new_ids, f"run {run.i} reported imported, lost in the rebuild"
            run.doc["upload_id"] = new_ids[run.org]
    check(db, runs)


def test_sigkill_during_ingest_leaves_only_whole_uploads(tmp_path, body):
    db = tmp_path / "crash.duckdb"
    make_store(db).close()              # one process at a time: the CLI opens the file
    csv = tmp_path / "meldung.csv"
    wal = db.with_name(db.name + ".wal")
    runs: list[Run] = []
    recoveries: list[str] = []

    def go(run: Run) -> Run:
        runs.append(run)
        ingest(db, csv, run)
        try:
            check(db, runs)
        except StoreError as exc:
            recoveries.append(f"run {run.i} ({run.mode}, delay {run.delay:.4f} s, events "
                              f"{run.events}, .wal left: {run.wal_left} bytes)")
            recover(db, runs, exc)
        return run

    for attempt in range(3):            # a loaded machine may miss the short-lived .wal
        calib = go(make_run(body, len(runs), "clean"))
        if {"bin", "wal", "wal_gone"} <= set(calib.events):
            break
    assert {"bin", "wal", "wal_gone"} <= set(calib.events), calib.events
    full, t_bin, t_wal = calib.events["exit"], calib.events["bin"], calib.events["wal"]
    t_wal_gone = calib.events["wal_gone"]
    assert calib.wal_left is None and not wal.exists()
    wal_window = max(t_wal_gone - t_wal, MIN_WAL_WINDOW)

    rng = random.Random(SEED)
    plan = list(PLAN)
    rng.shuffle(plan)
    windows = {"anywhere": (0.05, full), "write": (0.0, t_wal - t_bin),
               "wal": (0.0, wal_window), "late": (wal_window, max(full - t_wal, 0.05))}
    for k, mode in enumerate(plan, start=1):
        go(make_run(body, len(runs), mode, rng.uniform(*windows[mode])))
        if k % CLEAN_EVERY == 0:
            go(make_run(body, len(runs), "clean"))

    kills = [r for r in runs if r.mode not in ("clean",)]
    killed = [r for r in kills if r.killed]
    replayed = [r for r in killed if r.wal_left and r.present is not None and not r.reported]
    torn = [r for r in killed if r.bin_at_kill and r.present is None]
    late = [r for r in killed if r.present is not None]
    summary = (f"{len(kills)} kills: {len(killed)} hit a running process "
               f"({sum(not r.bin_at_kill for r in killed)} before the bytes were kept, "
               f"{len(torn)} in the transaction, upload absent, {len(late)} after the commit, "
               f"upload present), {len(kills) - len(killed)} after the process had ended; "
               f"{sum(bool(r.wal_left) for r in killed)} left a non-empty .wal, "
               f"{len(replayed)} of them an upload restored by its replay; "
               f"uninterrupted run {full:.2f} s (bytes kept at {t_bin:.2f} s, "
               f".wal {t_wal:.3f}–{t_wal_gone:.3f} s); database file "
               f"{db.stat().st_size / 1e6:.1f} MB; database unreadable and rebuilt: "
               f"{len(recoveries)} {recoveries}")
    print(summary)
    assert len(killed) >= MIN_KILLED, summary
    assert replayed, f"no kill left a WAL to replay — {summary}"
    assert torn, f"no kill interrupted the transaction — {summary}"
    assert all(r.present is not None for r in runs if r.mode == "clean")

    # A run whose transaction was interrupted can simply be imported again …
    runs.remove(torn[0])
    again = go(make_run(body, torn[0].i, "retry"))
    assert again.reported and again.present == again.doc["upload_id"]
    # … and a run killed after its commit is already there (same bytes: duplicate, exit 3).
    done = replayed[0]
    csv.write_bytes(done.data)
    proc = subprocess.run(
        [sys.executable, "-m", "lagebild.cli", "ingest", str(csv), "--city", CITY,
         "--org", done.org, "--db", str(db), "--json"],
        cwd=ROOT, env=ENV, capture_output=True, timeout=RUN_TIMEOUT, check=False)
    assert proc.returncode == 3, proc.stderr.decode(errors="replace")[-2000:]
    doc = json.loads(proc.stdout)
    assert doc["status"] == "duplicate", doc
    assert doc["upload_id"] == done.present
    check(db, runs)
