"""Page helpers of #20 (operations): overdue deliveries on the overview, the page "Betrieb"
(completeness with the admin's rhythm, rejected inbox files, last backup, database)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lagebild.access import allowed

from lagebild import clock
from lagebild.ops import views as ops_views
from lagebild.ui._core import actor, catalog, lang, settings, store, t, table, tm

RHYTHM_CHOICES = ("learn", "daily", "weekly", "monthly", "none")


def completeness(city: str) -> pd.DataFrame:
    """The completeness table of ``city`` today (a small query; not cached, so a new
    delivery or a changed rhythm shows at once)."""
    return ops_views.city_completeness(store(), actor(), city, clock.today())


def show_overdue_deliveries(city: str) -> None:
    """On the overview (crisis team, admin): one warning naming each organisation whose
    delivery is overdue; nothing for other roles or when everything is on time."""
    current = actor()
    if current is None or not allowed(current, "completeness.read"):
        return
    lines = ops_views.overdue_lines(completeness(city), catalog(), lang())
    if lines:
        st.warning("**" + t("ops.overdue.heading") + "**\n\n" +
                   "\n".join(f"- {line}" for line in lines), icon=":material/pending_actions:")


def show_completeness(city: str) -> pd.DataFrame:
    """The page's table: every organisation × indicator with rhythm, last delivery, status."""
    frame = completeness(city)
    st.subheader(t("ops.page.completeness"))
    st.caption(t("ops.overdue.caption"))
    if frame.empty:
        st.info(tm("ops.page.no_deliveries", city=city))
        return frame
    lines = ops_views.overdue_lines(frame, catalog(), lang())
    if lines:
        st.warning("\n".join(f"- {line}" for line in lines), icon=":material/pending_actions:")
    else:
        st.success(t("ops.overdue.none"), icon=":material/check_circle:")
    table(ops_views.completeness_display(frame, catalog(), lang()), key="ops_completeness")
    return frame


def rhythm_label(choice: str) -> str:
    return t("ops.rhythm.learn") if choice == "learn" else t(f"ops.rhythm.{choice}")


def rhythm_form_choices(frame: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """(organisations, indicator key → label) of the completeness table, for the form."""
    keys = sorted(frame["indicator"].unique())
    return (sorted(frame["organisation"].unique()),
            {k: ops_views.indicator_label(catalog(), k, lang()) for k in keys})


def set_rhythm(city: str, frame: pd.DataFrame, organisation: str, indicators: list[str],
               choice: str) -> str:
    """Store the admin's rhythm (empty indicator list: every indicator the organisation
    delivers); the German confirmation."""
    keys = indicators or sorted(frame.loc[frame["organisation"] == organisation, "indicator"])
    store().set_delivery_rhythm(actor(), city, organisation, keys,
                                None if choice == "learn" else choice)
    return tm("ops.page.set_done", organisation=organisation)


def show_inbox_errors() -> None:
    """The rejected files of the inbox (``<db>.inbox/**/abgelehnt/``) with their receipts."""
    st.subheader(t("ops.page.inbox"))
    inbox = ops_views.inbox_dir(settings())
    if not inbox.is_dir():
        st.caption(tm("ops.page.inbox_missing", path=str(inbox)))
        return
    files = ops_views.rejected_files(inbox)
    if not files:
        st.caption(tm("ops.page.inbox_none", path=str(inbox)))
        return
    table(ops_views.rejected_display(files, lang()), key="ops_inbox")


def show_backup_and_database() -> None:
    """Last backup (audit log, size of its directory) and the database: size, versions."""
    st.subheader(t("ops.page.backup"))
    st.markdown(ops_views.last_backup_line(store().backup_events(actor()), lang()))
    st.subheader(t("ops.page.database"))
    st.markdown(ops_views.database_line(store(), lang()))
