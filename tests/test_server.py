"""The server's start-up tuning (``lagebild.server.tune_memory``): fewer malloc arenas, a fixed
mmap threshold and Arrow's system allocator keep a server with several large cities under
1 GB (docs/benchmarks.md); an operator's own setting must win."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("import lagebild.server as s; s.tune_memory(); import pyarrow as pa; "
         "print(pa.default_memory_pool().backend_name)")


def _pool(**env) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env},
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_server_uses_the_system_allocator_for_arrow():
    assert _pool() == "system"


def test_operator_setting_wins():
    assert _pool(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "mimalloc"
