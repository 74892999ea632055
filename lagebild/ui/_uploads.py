"""Page helpers: Uploads for outreach services: preview, import, withdraw (#3)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from lagebild import clock
from lagebild.ui._core import actor, catalog, data_version, districts, lang, settings, store, t


def organisations(city: str) -> list[str]:
    """Organisations the user may upload for: outreach its own, admin any known one."""
    current = actor()
    if current.role == "outreach":
        return [current.organisation]
    return sorted(set(store().uploads(current, city)["organisation"]))


def templates(city: str) -> tuple[bytes, bytes]:
    from lagebild.ingest import templates as tpl
    dist = districts(city)
    today = clock.today()
    return (tpl.csv_template(catalog(), dist, lang(), today),
            tpl.xlsx_template(catalog(), dist, lang(), today))


def check_upload(city: str, organisation: str, data: bytes, filename: str, *,
                 replace: bool = False, period=None, write: bool = False, progress=None):
    """Import (``write``) → the ImportOutcome; otherwise the dry run as a small, cached
    :class:`UploadPreview` (never the parsed rows themselves: they can be a million)."""
    if write:
        return _run_import(city, organisation, data, filename, replace, period, True, progress)
    return _cached_preview(data_version(city), actor(), lang(), city, organisation, data,
                           filename, replace, period)


@dataclass(frozen=True)
class UploadPreview:
    status: str
    message: str
    tables: dict
    errors_csv: bytes | None


@st.cache_data(ttl=600, max_entries=4, show_spinner=True)
def _cached_preview(version, actor_key, lang_key, city, organisation, data, filename, replace,
                    period) -> UploadPreview:
    outcome = _run_import(city, organisation, data, filename, replace, period, False, None)
    errors_csv = outcome.parsed.errors_csv() if outcome.parsed and outcome.errors else None
    return UploadPreview(outcome.status, outcome.message, upload_preview_tables(outcome),
                         errors_csv)


def _run_import(city, organisation, data, filename, replace, period, write, progress):

    from lagebild.ingest import importer
    from lagebild.alerts import notify
    outcome = importer.import_file(store(), actor(), city, organisation, data, filename,
                                   today=clock.today(), replace=replace, dry_run=not write,
                                   lang=lang(), period=period, catalog=catalog(),
                                   progress=progress)
    if write and outcome.status == "imported":   # (#17) signals and e-mails right away
        notify.after_import(store(), city, settings=settings(), catalog=catalog())
    return outcome


def import_visibility(outcome) -> str:
    """After an import: where and from when its numbers show (#15: "the success message does
    not say when or where the data will appear")."""
    from lagebild.analytics.trends import iso_label
    rows = outcome.parsed.rows if outcome.parsed is not None else None
    if rows is None or not len(rows):
        return ""
    days = pd.to_datetime(rows["date"])
    first, last = iso_label(days.min(), lang()), iso_label(days.max(), lang())
    weeks = first if first == last else t("upload.weeks_span", first=first, last=last)
    return t("upload.visible_where", weeks=weeks)


def flash(message: str | None = None) -> str | None:
    """Set (with a message) or take (without) a message that survives one rerun."""
    if message is not None:
        st.session_state["lagebild_flash"] = message
        return None
    return st.session_state.pop("lagebild_flash", None)


def upload_preview_tables(outcome) -> dict[str, pd.DataFrame]:
    """Tables for the preview: parsed rows (first 500), totals, errors, collisions."""
    names = {i.key: i.label(lang()) for i in catalog()}
    out = {}
    if outcome.parsed is not None and len(outcome.parsed.rows):
        out["rows"] = outcome.parsed.rows.head(500)
    if outcome.by_district:
        table = pd.DataFrame(outcome.by_district).T.fillna(0).astype(int)
        out["by_district"] = table.rename(columns=names)
    if outcome.errors:
        errors = outcome.parsed.errors_frame() if outcome.parsed else pd.DataFrame(
            [e.as_dict() for e in outcome.errors])
        # the same German headers as the downloadable error list (#15: "line/column/…")
        out["errors"] = errors.rename(columns={c: t(f"ingest.errors.{c}") for c in
                                               ("line", "column", "value", "message")})
    if len(outcome.collisions):
        out["collisions"] = outcome.collisions
    return out


def uploads_table(city: str) -> pd.DataFrame:
    return store().uploads(actor(), city)


WITHDRAW_KEY = "lagebild_withdraw_pending"


def uploads_view(city: str) -> tuple[pd.DataFrame, list[dict]]:
    """(the upload list with German column names and values, the uploads this user may
    withdraw: id, file, organisation and rows as text for the confirmation)."""
    from lagebild.i18n import fmt_number
    raw = uploads_table(city)
    when = lambda v: "" if pd.isna(v) else pd.Timestamp(v).strftime("%d.%m.%Y %H:%M")  # noqa
    table = pd.DataFrame({
        t("upload.col.id"): raw["upload_id"].astype(int).to_numpy(),
        t("upload.col.organisation"): raw["organisation"].to_numpy(),
        t("upload.col.filename"): raw["filename"].to_numpy(),
        t("upload.col.uploaded_by"): raw["uploaded_by"].fillna("").to_numpy(),
        t("upload.col.uploaded_at"): raw["uploaded_at"].map(when).to_numpy(),
        t("upload.col.rows"): raw["row_count"].map(lambda v: fmt_number(v, lang())).to_numpy(),
        t("upload.col.status"): raw["status"].map(
            lambda v: t(f"upload.status.{v}") if v in ("imported", "withdrawn") else v
        ).to_numpy(),
        t("upload.col.withdrawn"): [
            "" if pd.isna(b) else f"{b}, {when(a)}"
            for b, a in zip(raw["withdrawn_by"], raw["withdrawn_at"])],
    }, dtype=object)
    mine = [{"id": int(r["upload_id"]), "filename": r["filename"],
             "organisation": r["organisation"], "rows": fmt_number(r["row_count"], lang())}
            for _, r in raw.iterrows() if may_withdraw(r)]
    return table, mine


def ask_withdrawal(item: dict | None) -> None:
    """Remember (or, with None, forget) the upload whose withdrawal awaits confirmation."""
    if item is None:
        st.session_state.pop(WITHDRAW_KEY, None)
    else:
        st.session_state[WITHDRAW_KEY] = item


def pending_withdrawal() -> dict | None:
    return st.session_state.get(WITHDRAW_KEY)


def may_withdraw(row) -> bool:
    current = actor()
    return row["status"] == "imported" and (
        current.role == "admin"
        or (current.role == "outreach" and current.organisation == row["organisation"]))


def withdraw_upload(city: str, upload_id: int) -> str:
    from lagebild.ingest import importer
    return importer.withdraw(store(), actor(), city, upload_id, lang()).message
