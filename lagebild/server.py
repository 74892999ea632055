"""Start the Streamlit server for ``app.py`` (used by ``lagebild serve``, ``make run``, tests).

Why not plain ``streamlit run app.py``: the design puts page scripts in ``pages/``, and
Streamlit still switches to its legacy multipage mode when a ``pages/`` folder sits beside
the main script — until ``st.navigation`` has run once in the process. A visitor whose first
request is a deep link (``/map``) would get the legacy page list and the page script without
``app.py`` (no navigation by role, no guards). We switch the legacy mode off before the
server starts, so ``st.navigation`` in ``app.py`` is always in charge.

The server also imports the dashboard modules (pandas, geopandas, folium, plotly, the
analytics) before it listens (:func:`warm_up`, about 1.5 s), so the first crisis-team member
after a restart does not wait for them.

Memory (:func:`tune_memory`, before any thread or Arrow buffer exists): Streamlit runs every
session's script in a thread of its own, and glibc gives each thread its own malloc arena,
which keeps freed pages; glibc also raises its mmap threshold after large frees, so later
large arrays come from the heap and stay there; Arrow's own allocator (the text columns of
pandas) keeps freed memory too. Two arenas, a fixed mmap threshold of 128 KB (large arrays
go back to the system when freed) and the system allocator for Arrow lowered the peak of
four crisis-team sessions on the large data set from 1 047 MB to under 1 GB
(docs/benchmarks.md). An operator's own ``MALLOC_ARENA_MAX`` / ``MALLOC_MMAP_THRESHOLD_`` /
``ARROW_DEFAULT_MEMORY_POOL`` wins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

from lagebild.config import ROOT

M_ARENA_MAX = -8            # glibc mallopt parameters
M_MMAP_THRESHOLD = -3
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024


def tune_memory() -> None:
    """Fewer malloc arenas, system allocator for Arrow (see the module docstring). Must
    run before pyarrow is imported and before the server starts its threads."""
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        if "MALLOC_ARENA_MAX" not in os.environ:
            libc.mallopt(M_ARENA_MAX, ARENAS)
        if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
            libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    except (OSError, AttributeError):       # not glibc (musl, …): nothing to tune
        pass


def warm_up() -> None:
    """Import what every page needs (the page scripts import these modules again, for
    free). No database access: a damaged database is reported by the page, in German."""
    import lagebild.alerts.views  # noqa: F401
    import lagebild.maps  # noqa: F401
    import lagebild.ui  # noqa: F401


def main(argv: list[str] | None = None) -> None:
    tune_memory()
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as stcli

    PagesManager.uses_pages_directory = False
    warm_up()
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *args]
    stcli.main()


if __name__ == "__main__":
    main()
