"""What keeps the server under 1 GB with several large cities (docs/benchmarks.md): the
start-up tuning (``lagebild.server.tune_memory``; an operator's own setting must win) and
large read-only frames shared by all sessions (``lagebild.ui._core.shared_frame``)."""

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


def test_shared_frames_are_not_changed_by_what_a_page_does_with_them():
    """Large read-only frames are shared by all sessions (``ui.shared_frame``); whatever one
    page does with its copy must not reach the next session."""
    import pandas as pd

    from lagebild.ui._core import shared_frame

    calls = []

    @shared_frame(ttl=60, max_entries=2)
    def signals(version: tuple, city: str) -> pd.DataFrame:
        calls.append(city)
        return pd.DataFrame({"district_id": [1, 2], "observed": [3.0, 4.0]})

    first = signals(("v1",), "Musterstadt")
    first.loc[0, "observed"] = 99.0                 # in place, as a careless page might
    first["extra"] = "x"
    first.iloc[1, 1] = -1.0
    again = signals(("v1",), "Musterstadt")
    assert calls == ["Musterstadt"]                 # computed once, shared
    assert again["observed"].tolist() == [3.0, 4.0] and "extra" not in again
    signals(("v2",), "Musterstadt")                 # new data version: computed again
    assert calls == ["Musterstadt", "Musterstadt"]
