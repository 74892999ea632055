"""Start the Streamlit server for ``app.py`` (used by ``lagebild serve``, ``make run``, tests).

Why not plain ``streamlit run app.py``: the design puts page scripts in ``pages/``, and
Streamlit still switches to its legacy multipage mode when a ``pages/`` folder sits beside
the main script — until ``st.navigation`` has run once in the process. A visitor whose first
request is a deep link (``/map``) would get the legacy page list and the page script without
``app.py`` (no navigation by role, no guards). We switch the legacy mode off before the
server starts, so ``st.navigation`` in ``app.py`` is always in charge.
"""

from __future__ import annotations

import sys

from lagebild.config import ROOT


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as stcli

    PagesManager.uses_pages_directory = False
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *args]
    stcli.main()


if __name__ == "__main__":
    main()
