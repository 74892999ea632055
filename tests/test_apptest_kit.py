"""tests/apptest_kit.py: the helpers pick the one element a user would mean and fail,
naming what the page shows, when none or several match (#16)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, labelled, only, with_text  # noqa: E402


def _page():
    import pandas as pd
    import streamlit as st
    st.title("Lagebild")
    st.subheader("Ampel")
    st.dataframe(pd.DataFrame({"Drogennotfälle": ["▲ rot"], "Nachbarschaft": ["–"]}))
    st.subheader("Stadtteile")
    st.caption("je Woche")
    st.dataframe(pd.DataFrame({"Drogennotfälle": [3, 4]}))
    with st.expander("Schlüssel"):
        st.dataframe(pd.DataFrame({"city": ["Neuhausen"]}))
    st.metric("Drogennotfälle", 3)
    st.button("Speichern", key="save")
    st.success("2 Orte gespeichert")
    st.success("Sicherung geprüft")


@pytest.fixture(scope="module")
def page():
    at = AppTest.from_function(_page).run()
    assert not at.exception
    return at


def test_frame_with_finds_the_one_table_with_these_headers(page):
    assert list(frame_with(page, "Nachbarschaft")["Drogennotfälle"]) == ["▲ rot"]
    assert list(frame_with(labelled(page.expander, "Schlüssel"), "city")["city"]) == [
        "Neuhausen"]


def test_frame_with_fails_naming_the_tables_when_none_or_several_match(page):
    with pytest.raises(AssertionError, match=r"2 tables with the columns \['Drogennotfälle'\];"
                                             r".*\['Drogennotfälle', 'Nachbarschaft'\]"):
        frame_with(page, "Drogennotfälle")
    with pytest.raises(AssertionError, match="0 tables with the columns"):
        frame_with(page, "Spritzenfunde")


def test_frame_with_after_takes_the_table_right_below_a_heading(page):
    below = frame_with(page, "Drogennotfälle", after=with_text(page.subheader, "Stadtteile"))
    assert list(below["Drogennotfälle"]) == [3, 4]
    assert "Nachbarschaft" in frame_with(page, after=with_text(page.subheader, "Ampel")).columns
    with pytest.raises(AssertionError, match="directly below 'Stadtteile'"):
        frame_with(page, "Nachbarschaft", after=with_text(page.subheader, "Stadtteile"))


def test_only_with_text_and_labelled_pick_one_element_or_say_what_is_there(page):
    assert only(page.title).value == "Lagebild"
    with pytest.raises(AssertionError, match="the page shows 2: .*Sicherung geprüft"):
        only(page.success)
    assert with_text(page.success, "Orte").value == "2 Orte gespeichert"
    with pytest.raises(AssertionError, match="0 elements contain 'Fehler'"):
        with_text(page.success, "Fehler")
    assert labelled(page.metric, "Drogennotfälle").value == "3"
    assert labelled(page.button, "Speichern").key == "save"
    with pytest.raises(AssertionError, match="0 elements labelled 'Löschen'.*Speichern"):
        labelled(page.button, "Löschen")
