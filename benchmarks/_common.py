"""Shared pieces of the benchmark scripts: machine line, median, the large database,
and replacing one section of docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
LARGE_DB = Path(os.environ.get("LAGEBILD_BENCH_DB", "/tmp/lagebild-bench-large.duckdb"))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal"))
        ram = f", {mem / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        ram = ""
    return (f"{cpu}, {os.cpu_count()} Kerne{ram}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def today() -> str:
    return f"{date.today():%d.%m.%Y}"


def load() -> float:
    return os.getloadavg()[0]


def median(values) -> float:
    return statistics.median(values)


def ensure_large_db(path: Path = LARGE_DB) -> Path:
    """The database of ``lagebild demo --scale large`` (built once, ~1.5 min)."""
    if not path.exists():
        print(f"Große Demo wird angelegt: {path}", flush=True)
        subprocess.run([sys.executable, "-m", "lagebild.cli", "demo", "--scale", "large",
                        "--db", str(path)], cwd=ROOT, check=True)
    return path


def peak_rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(peak, current) resident memory of a process in MB, from /proc (VmHWM, VmRSS)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmHWM", "VmRSS")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) / 1024
    return values.get("VmHWM", 0.0), values.get("VmRSS", 0.0)


def write_section(title: str, text: str) -> None:
    """Replace the section ``## title`` of docs/benchmarks.md (or append it)."""
    old = DOC.read_text(encoding="utf-8")
    pattern = re.compile(rf"## {re.escape(title)}\n.*?(?=\n## |\Z)", re.S)
    block = f"## {title}\n\n{text.strip()}\n"
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else \
        old.rstrip() + "\n\n" + block
    DOC.write_text(new, encoding="utf-8")
