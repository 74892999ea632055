"""Page helpers: Städtevergleich on the network instance (#19)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lagebild import clock
from lagebild.share import views as network_view, package as share
from lagebild.store import StoreError
from lagebild.ui._core import actor, catalog, lang, store, t
from lagebild.ui._measures import bodies


@st.cache_resource(max_entries=4)
def _packages(version: tuple) -> dict:
    """Packages read once per set of stored files (``version`` = their hashes)."""
    return {city: share.read_stored(data)
            for city, data in store().share_package_bytes(actor()).items()}


def network_packages() -> dict:
    stored = store().share_packages(actor())
    return _packages(tuple(zip(stored["city"], stored["sha256"])))


def network_cities() -> pd.DataFrame:
    """The table of cities and package dates shown on top of the page."""
    meta = network_view.cities(network_packages())
    return pd.DataFrame({
        t("network.city"): meta["city"], t("network.col_ags"): meta["ags"].fillna("–"),
        t("network.col_period"): meta["period_start"] + " – " + meta["period_end"],
        t("network.col_created"): meta["created_at"].str.replace("T", " "),
        t("network.col_districts"): meta["districts"].map({True: "✓", False: "–"})})


def network_indicator_options() -> dict[str, str]:
    """Indicators present in at least one package: key -> label."""
    rates = network_view.city_rates(network_packages())
    present = set(rates["indicator"]) if "indicator" in rates else set()
    return {i.key: i.label(lang()) for i in catalog() if i.key in present}


def network_rates(indicator: str):
    """(figure, table) of one indicator across cities."""
    rates = network_view.city_rates(network_packages())
    label = catalog()[indicator].label(lang())
    return (network_view.rate_figure(rates, indicator, t("network.rates_heading",
                                                         indicator=label), lang()),
            network_view.rate_table(rates, indicator, lang()))


def network_levels():
    packages = network_packages()
    return network_view.level_figure(packages, lang()), network_view.level_table(packages, lang())


def network_measures() -> pd.DataFrame:
    return network_view.measure_summary(network_packages(), bodies(), catalog(), lang())


def network_positivity() -> pd.DataFrame:
    return network_view.positivity_table(network_packages(), lang())


def network_report(indicators: list[str], fmt: str = "html"):
    """A callable for ``st.download_button``: the meeting document (HTML or PDF). What it
    needs is read now, in the user's session; the document is made only on the click."""
    packages, cat, language, day = network_packages(), catalog(), lang(), clock.today()
    body_labels, chosen = bodies(), list(indicators)
    if fmt == "pdf":
        return lambda: network_view.report_pdf(packages, chosen, cat, body_labels, day, language)
    return lambda: network_view.report_html(packages, chosen, cat, body_labels, day,
                                            language).encode("utf-8")


def network_keys() -> pd.DataFrame:
    keys = store().share_trusted_keys(actor())
    return keys[["city", "fingerprint", "added_at"]].rename(columns={
        "city": t("network.keys_col_city"), "fingerprint": t("network.keys_col_fingerprint"),
        "added_at": t("network.keys_col_added")})


def network_import(data: bytes) -> tuple[bool, str]:
    """Verify and store an uploaded package (admin). (ok, message in the UI language)."""
    try:
        package = share.import_package(store(), actor(), data, clock.now())
    except (share.ShareError, StoreError) as exc:
        return False, t("network.refused", reason=str(exc))
    m = package.manifest
    return True, t("network.imported", city=package.city, start=m["period_start"],
                   end=m["period_end"], created=m["created_at"].replace("T", " "))
