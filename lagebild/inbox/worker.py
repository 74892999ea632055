"""The server's background worker: one thread per server process running a table of jobs.

A job is a name, an interval and a function ``run(context)``; the worker calls each job when
its interval has passed, one job at a time, so jobs never run alongside each other (an inbox
import and a scheduled backup follow one another). A job that fails is logged to stderr and
tried again at its next turn; it never stops the worker or the server. Add a job by
appending to :func:`default_jobs`.

>>> ran = []
>>> w = Worker("db.duckdb", [Job("probe", 0.0, lambda ctx: ran.append(ctx.db_path))])
>>> w.run_due()
>>> ran
['db.duckdb']
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

from lagebild.inbox import runtime

TICK_S = 0.5


@dataclass
class Context:
    """What every job gets: the database path and the process's shared store."""
    db_path: str
    state: dict = field(default_factory=dict)     # per-job memory between turns

    def store(self):
        return runtime.process_store(self.db_path)


@dataclass
class Job:
    name: str
    interval_s: float
    run: Callable[[Context], None]
    next_at: float = 0.0


class Worker(threading.Thread):
    def __init__(self, db_path: str, jobs: list[Job]):
        super().__init__(name="lagebild-worker", daemon=True)
        self.context = Context(db_path)
        self.jobs = jobs
        self.stopping = threading.Event()

    def run_due(self) -> None:
        """Run every job whose time has come (once), in table order."""
        for job in self.jobs:
            if self.stopping.is_set():
                return
            if time.monotonic() < job.next_at:
                continue
            try:
                job.run(self.context)
                self.context.state.pop(("error", job.name), None)
            except Exception as exc:  # noqa: BLE001 - a failing job must not stop the server
                key, text = ("error", job.name), f"{type(exc).__name__}: {exc}"
                if self.context.state.get(key) != text:       # once, not every half second
                    self.context.state[key] = text
                    print(f"lagebild-worker: Aufgabe {job.name} fehlgeschlagen:\n"
                          f"{traceback.format_exc()}", file=sys.stderr, flush=True)
            job.next_at = time.monotonic() + job.interval_s

    def run(self) -> None:
        while not self.stopping.is_set():
            self.run_due()
            # time.sleep, not ``stopping.wait(TICK_S)``: a timed wait on an Event (Python's
            # sem_clockwait) never returns under libfaketime, which the suite runs under to
            # prove it does not depend on today; stopping takes at most one tick longer.
            time.sleep(TICK_S)

    def stop(self) -> None:
        self.stopping.set()


def default_jobs() -> list[Job]:
    """The server's jobs: heartbeat, inbox, scheduled backup (#20)."""
    from lagebild.inbox import backup, deliver
    return [
        Job("heartbeat", runtime.HEARTBEAT_EVERY_S, _heartbeat),
        Job("inbox", TICK_S, deliver.inbox_job),
        Job("backup", 30.0, backup.scheduled_job),
    ]


def _heartbeat(ctx: Context) -> None:
    runtime.write_heartbeat(runtime.inbox_dir(ctx.db_path), ctx.db_path)


def start(db_path: str | None = None) -> Worker:
    """Start the worker of this server process (``lagebild.server.main``)."""
    from lagebild.config import get_settings
    runtime.serve()
    worker = Worker(db_path or get_settings().db_path, default_jobs())
    worker.start()
    return worker
