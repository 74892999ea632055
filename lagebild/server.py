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
"""

from __future__ import annotations

import sys

from lagebild.config import ROOT


def warm_up() -> None:
    """Import what every page needs (the page scripts import these modules again, for
    free). No database access: a damaged database is reported by the page, in German."""
    import lagebild.alert_views  # noqa: F401
    import lagebild.maps  # noqa: F401
    import lagebild.ui  # noqa: F401


def main(argv: list[str] | None = None) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli as stcli

    PagesManager.uses_pages_directory = False
    warm_up()
    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *args]
    stcli.main()


if __name__ == "__main__":
    main()
