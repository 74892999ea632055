"""Find what an AppTest page shows by what its user sees – column headers, labels, texts –
or by a widget's key, never by position (#16).

``at.dataframe[1]`` breaks silently when a page gains a table above, or asserts on the wrong
table. Streamlit's AppTest gives a table no key (``st.dataframe(key=…)`` sets no element id
unless the table is selectable), so tables are found by their column headers. Each helper
returns the ONE element that matches and fails, naming what the page shows, when none or
several match – also where a page has only one such element today, so that a second one
later fails loudly instead of being picked silently. Widgets with a key: ``at.button(key=…)``.

tests/test_test_style.py keeps positional picks (``at.title[0]``) out of the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block


ROOT = Path(__file__).resolve().parents[1]


def open_app(db, monkeypatch, actor, page: str | None = None, lang: str = "de") -> AppTest:
    """The app on database ``db`` as ``actor`` (logged in) in language ``lang``, run once;
    then ``page`` (e.g. ``"pages/warnings.py"``) if given. Fails on any exception."""
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = actor
    at.session_state["lagebild_lang"] = lang
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at, *columns: str, after=None) -> pd.DataFrame:
    """The one table (``st.dataframe``) whose column headers include all ``columns``, as a
    DataFrame. ``at`` is the AppTest or a container (``labelled(at.expander, …)``); no
    columns: the only table there.

    ``after``: a node of the page (``with_text(at.subheader, "Stadtteile in")``,
    ``at.get_by_key("network_chart_x")``): only the table directly below it counts, i.e. the
    next table in page order – for tables with the same headers under different headings."""
    candidates = list(at.dataframe) if after is None else _next_table(at, after)
    wanted = set(columns)
    matches = [d.value for d in candidates if wanted <= {str(c) for c in d.value.columns}]
    if len(matches) != 1:
        where = f" directly below {_shown(after)!r}" if after is not None else ""
        shown = [[str(c) for c in d.value.columns] for d in at.dataframe]
        raise AssertionError(f"{len(matches)} tables with the columns {sorted(wanted)}{where}; "
                             f"the tables on the page have the columns {shown}")
    return matches[0]


def only(elements: Iterable):
    """The one element of an AppTest collection (``only(at.title)``, ``only(at.error)``)."""
    items = list(elements)
    if len(items) != 1:
        raise AssertionError(f"expected exactly one element, the page shows {len(items)}: "
                             f"{[_shown(e) for e in items]}")
    return items[0]


def with_text(elements: Iterable, text: str):
    """The one element of the collection whose text contains ``text``
    (``with_text(at.success, "importiert")``)."""
    items = list(elements)
    matches = [e for e in items if isinstance(e.value, str) and text in e.value]
    if len(matches) != 1:
        raise AssertionError(f"{len(matches)} elements contain {text!r}; the page shows "
                             f"{[_shown(e) for e in items]}")
    return matches[0]


def labelled(elements: Iterable, label: str):
    """The one widget, metric or container of the collection with exactly this label
    (``labelled(at.button, "Quittieren")``, ``labelled(at.metric, "Drogennotfälle")``)."""
    items = list(elements)
    matches = [e for e in items if getattr(e, "label", None) == label]
    if len(matches) != 1:
        raise AssertionError(f"{len(matches)} elements labelled {label!r}; the page shows "
                             f"{[_shown(e) for e in items]}")
    return matches[0]


def _next_table(at, anchor) -> list:
    nodes = list(_page_order(at.main if isinstance(at, AppTest) else at))
    position = next((i for i, node in enumerate(nodes) if node is anchor), None)
    if position is None:
        raise AssertionError(f"{_shown(anchor)!r} is not on the page")
    below = [node for node in nodes[position + 1:] if node.type == "dataframe"]
    return below[:1]


def _page_order(node) -> Iterator:
    """The node and everything inside it, top to bottom as the page shows it."""
    yield node
    if isinstance(node, Block):
        for index in sorted(node.children):
            yield from _page_order(node.children[index])


def _shown(node) -> str:
    """What a user reads on an element: its label, else its text, else its type."""
    label = getattr(node, "label", None)
    if isinstance(label, str) and label:
        return label
    value = getattr(node, "value", None)
    return value if isinstance(value, str) else node.type
