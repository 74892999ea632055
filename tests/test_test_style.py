"""Tests find what a page shows by what its user sees, never by position (#16).

``at.dataframe[1]`` breaks silently when a page gains a table above it, or asserts on the
wrong table. AppTests use tests/apptest_kit.py instead (``frame_with(at, "Status")``,
``only(at.title)``, ``with_text(at.success, …)``, ``labelled(at.button, …)``) or a widget's
key (``at.button(key="upload_import")``). This file checks that rule on every test file;
tests/test_apptest_kit.py checks the helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

TESTS = Path(__file__).resolve().parent
# AppTest's element collections (at.dataframe, at.title, at.sidebar, …), read from Streamlit
# itself. Not ``columns``: ``frame.columns[0]`` is pandas, and st.columns have no label.
COLLECTIONS = frozenset(name for name, value in vars(AppTest).items()
                        if isinstance(value, property)) - {"columns"}


def positional_picks(source: str) -> list[str]:
    """``at.<collection>[<int or slice>]`` and ``at.get("<type>")[<int or slice>]`` in the
    source, whatever the AppTest is called (``at``, ``page``, ``_app(actor)``)."""
    picks = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and _is_position(node.slice) \
                and _is_collection(node.value):
            picks.append(f"{node.lineno}: {ast.unparse(node)}")
    return picks


def _is_position(index: ast.expr) -> bool:
    if isinstance(index, ast.Slice):
        return True
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub):
        index = index.operand
    return isinstance(index, ast.Constant) and type(index.value) is int


def _is_collection(value: ast.expr) -> bool:
    if isinstance(value, ast.Attribute):
        return value.attr in COLLECTIONS
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr == "get" and len(value.args) == 1
            and isinstance(value.args[0], ast.Constant) and isinstance(value.args[0].value, str))


@pytest.mark.parametrize("code", [
    "at.dataframe[1].value",
    "at.title[0].value == 'Betrieb'",
    "page.file_uploader[0].upload('x.csv', b'', 'text/csv')",
    "_app(ACTORS['gast']).dataframe[-1]",
    "at.sidebar.button[0].click()",
    "at.get('plotly_chart')[0].proto.spec",
    "frames = at.dataframe[:2]",
    "stranger.subheader[-1]",
])
def test_positional_picks_are_found(code):
    picks = positional_picks(code)
    assert len(picks) == 1 and picks[0].startswith("1: "), picks


@pytest.mark.parametrize("code", [
    "table.columns[0]",                       # pandas
    "errors.iloc[:, 0]",
    "rows[0]",
    "spec['data'][0]['x']",
    "store.info(SYSTEM)['observations']",
    "view.grid['district_id']",
    "at.button(key='upload_import')",
    "ms.options[0]",
    "frame_with(at, 'Status').iloc[0]",
    "at.dataframe[i]",                        # a loop variable: not a fixed position
])
def test_other_indexing_is_left_alone(code):
    assert positional_picks(code) == []


def test_no_test_picks_a_page_element_by_position():
    found = [f"{path.relative_to(TESTS.parent).as_posix()}:{pick}"
             for path in sorted(TESTS.rglob("*.py"))
             for pick in positional_picks(path.read_text(encoding="utf-8"))]
    assert not found, ("page elements picked by position – use tests/apptest_kit.py "
                       "(frame_with, only, with_text, labelled) or the widget's key:\n"
                       + "\n".join(found))
