"""Exports (CSV / Parquet) per role, with CSV-injection neutralisation and suppression.

- ``admin`` / ``krisenstab``: observation rows of the city; coordinates only for indicators
  whose catalogue entry allows points (person-related rows never carry coordinates).
- ``outreach``: the observation rows of the user's own organisation.
- ``gast``: weekly counts per district and indicator; person-related counts 1..k−1 are
  suppressed ("< k") with complementary suppression per indicator and week (the city total
  is published in the same file).
"""

from __future__ import annotations

import io

import pandas as pd

from lagebild import privacy
from lagebild.access import Actor
from lagebild.analytics import trends
from lagebild.catalog import Catalog
from lagebild.csv_safe import neutralise  # noqa: F401  (the one OWASP rule, used below)
from lagebild.store import Store


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise every text column; numeric columns stay untouched."""
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])
                or pd.api.types.is_datetime64_any_dtype(out[col])):
            out[col] = out[col].map(neutralise).astype(object)
    return out


def export_frame(store: Store, actor: Actor, city: str, catalog: Catalog, k: int) -> pd.DataFrame:
    """The table an actor may export for a city (see module docstring)."""
    if actor.restricted:
        return _suppressed_weekly(store, actor, city, catalog, k)
    obs = store.observations(actor, city)
    if actor.bound_to_organisation:
        obs = obs[obs["organisation"] == actor.organisation]
    no_points = [i.key for i in catalog if not i.points_allowed or i.person_related]
    mask = obs["indicator"].isin(no_points)
    obs.loc[mask, ["lat", "lon"]] = float("nan")
    return obs.reset_index(drop=True)


def _suppressed_weekly(store, actor, city, catalog, k) -> pd.DataFrame:
    dist = store.districts(actor, city)
    grid = trends.weekly_grid(store.weekly_counts(actor, city), list(dist["district_id"]),
                              catalog.keys, store.coverage(actor, city))
    names = dist.set_index("district_id")["name"].to_dict() | {trends.CITY: "Gesamtstadt"}
    grid["district"] = grid["district_id"].map(names)
    grid["status"] = privacy.SHOWN
    person = set(catalog.person_related_keys())
    for (ind, week), part in grid.groupby(["indicator", "week"]):
        if ind not in person:
            continue
        body = part[part["district_id"] != trends.CITY]
        grid.loc[body.index, "status"] = privacy.suppress_column(body["count"], k).to_numpy()
        city_rows = part.index[part["district_id"] == trends.CITY]
        grid.loc[city_rows, "status"] = privacy.total_status(body["count"], k)
    out = pd.DataFrame({
        "stadtteil": grid["district"], "indikator": grid["indicator"],
        "woche": grid["week"].dt.strftime("%G-W%V"),
        "anzahl": grid["count"].where(grid["status"] == privacy.SHOWN).astype("Int64"),
        "hinweis": grid["status"].map({privacy.PRIMARY: f"< {k}", privacy.SECONDARY: "×",
                                       privacy.SHOWN: ""}),
    })
    return out.sort_values(["indikator", "woche", "stadtteil"]).reset_index(drop=True)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Semicolon CSV in UTF-8 with BOM (opens correctly in German Excel), neutralised."""
    return neutralise_frame(frame).to_csv(sep=";", index=False, lineterminator="\r\n").encode(
        "utf-8-sig")


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def export(store: Store, actor: Actor, city: str, catalog: Catalog, k: int, fmt: str) -> bytes:
    """Bytes of the export in ``fmt`` ('csv' or 'parquet'); the export is audited."""
    frame = export_frame(store, actor, city, catalog, k)
    data = to_csv_bytes(frame) if fmt == "csv" else to_parquet_bytes(frame)
    store.log_event(actor, "export", city, format=fmt, rows=len(frame), role=actor.role)
    return data
