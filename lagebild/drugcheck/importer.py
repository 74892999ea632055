"""One test-results upload: check everything, then write once, in one transaction.

``lagebild.ingest.importer.import_file`` hands a file here when its header names a substance and a
result column (``is_test_file``), so the upload page, ``lagebild ingest`` and ``lagebild
rebuild`` all take test-results files without a flag. The same rules as every upload: the
same bytes again -> "duplicate"; any error -> "rejected" with line, column and value;
``dry_run`` -> "valid"; withdrawing the upload removes its results from every view.

The upload also carries the existing weekly indicators, as ordinary observations written in
the same transaction (``derived_observations``): per site's district and day,
``schnelltests`` = valid results of rapid-test methods (one strip = one test) and
``schnelltests_positiv`` = their positive results for synthetic opioids (``opioid = true`` in
data/substances.toml). Their reporting period is the file's first to last test day.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import PurePath

import pandas as pd

from lagebild import clock
from lagebild.ingest import rawstore
from lagebild.access import Actor
from lagebild.geo import assign_districts
from lagebild.i18n import t
from lagebild.places import SITE_KINDS
from lagebild.ingest.read import sniff_delimiter
from lagebild.drugcheck.parse import ParsedTests, header_kind, parse_tests
from lagebild.drugcheck.substances import SubstanceCatalog, load_substances

_SEP = re.compile(r"\s*sep=(.)\s*$", re.IGNORECASE)


def is_test_file(data: bytes, filename: str, sheet: str | None = None) -> bool:
    """Does the file's header row name substance and result (a test-results file)? Reads
    only the first line of a CSV; an XLSX only after the upload's size budgets passed."""
    header = _xlsx_header(data, sheet) if PurePath(filename or "").suffix.lower() in (
        ".xlsx", ".xlsm") else _csv_header(data)
    return bool(header) and header_kind(header)


def _csv_header(data: bytes) -> list[str]:
    text = data[:65536].lstrip(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    sep = _SEP.match(lines[0])
    if sep:
        return lines[1].split(sep.group(1)) if len(lines) > 1 else []
    return [h.strip().strip('"') for h in lines[0].split(sniff_delimiter(lines[0]))]


def _xlsx_header(data: bytes, sheet: str | None) -> list[str]:
    from lagebild.ingest.guard import check_xlsx
    from lagebild.ingest.xlsx import cell_text
    try:
        if check_xlsx(data) is not None:
            return []
        from python_calamine import CalamineWorkbook
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            names = [n for n in wb.sheet_names
                     if sheet is None or n.casefold() == sheet.strip().casefold()]
            for row in wb.get_sheet_by_name(names[0]).iter_rows() if names else []:
                cells = [cell_text(v) for v in row]
                if any(c.strip() for c in cells):
                    return cells
        finally:
            wb.close()
    except Exception:  # noqa: BLE001 - the ordinary reader reports broken files
        return []
    return []


def test_sites(store, actor: Actor, city: str) -> pd.DataFrame:
    """Places that may test (kinds in ``SITE_KINDS``) with the district they lie in."""
    places = store.places(actor, city)
    sites = places[places["kind"].isin(SITE_KINDS)].reset_index(drop=True)
    if sites.empty:
        return pd.DataFrame({"name": pd.Series(dtype=str),
                             "district_id": pd.Series(dtype="Int64")})
    ids = assign_districts(sites["lat"], sites["lon"], store.districts(actor, city))
    return pd.DataFrame({"name": sites["name"], "district_id": ids.to_numpy()})


def derived_observations(rows: pd.DataFrame, cat: SubstanceCatalog | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(observation rows in ``ingest.ROW_COLUMNS``, reporting periods) for the indicators
    ``schnelltests`` and ``schnelltests_positiv``; see the module docstring.

    >>> r = pd.DataFrame({"district_id": [4, 4, 4], "date": [date(2026, 11, 2)] * 3,
    ...     "method": ["schnelltest", "schnelltest", "labor"],
    ...     "substance": ["fentanyl", "nitazene", "fentanyl"],
    ...     "result": ["positiv", "ungueltig", "positiv"]})
    >>> obs, periods = derived_observations(r)
    >>> obs[["indicator", "count"]].values.tolist()
    [['schnelltests', 1], ['schnelltests_positiv', 1]]
    """
    cat = cat or load_substances()
    rapid = rows[rows["method"].isin(cat.rapid_methods()) & (rows["result"] != "ungueltig")]
    cols = ["line", "district_id", "indicator", "date", "count", "lat", "lon", "note"]
    if rapid.empty:
        return (pd.DataFrame({c: [] for c in cols}).astype({"count": "int64"}),
                pd.DataFrame({"indicator": [], "start_date": [], "end_date": []}))
    frame = pd.DataFrame({"district_id": rapid["district_id"].astype("int64"),
                          "date": pd.to_datetime(rapid["date"]),
                          "pos": ((rapid["result"] == "positiv")
                                  & rapid["substance"].isin(cat.opioids())).astype("int64")})
    g = frame.groupby(["district_id", "date"], as_index=False).agg(
        tests=("pos", "size"), positive=("pos", "sum"))
    out = []
    for indicator, column in (("schnelltests", "tests"), ("schnelltests_positiv", "positive")):
        out.append(pd.DataFrame({"district_id": g["district_id"], "indicator": indicator,
                                 "date": g["date"], "count": g[column].astype("int64")}))
    obs = pd.concat(out, ignore_index=True)
    obs.insert(0, "line", 0)
    obs["lat"], obs["lon"], obs["note"] = float("nan"), float("nan"), None
    first, last = (min(rows["date"]), max(rows["date"]))
    periods = pd.DataFrame({"indicator": ["schnelltests", "schnelltests_positiv"],
                            "start_date": [first] * 2, "end_date": [last] * 2})
    return obs[cols], periods


def import_tests(store, actor: Actor, city: str, organisation: str, data: bytes,
                 filename: str, *, today: date, replace: bool = False, dry_run: bool = False,
                 lang: str = "de", sheet: str | None = None, limit_bytes: int) :
    """Validate and (unless ``dry_run``) import a test-results file; returns the
    ``ingest.outcome.ImportOutcome`` every upload returns."""
    from lagebild.ingest import outcome as base
    from lagebild.store import CollidingRows, DuplicateUpload
    if len(data) > limit_bytes:
        from lagebild.ingest.parse import fmt_mb
        parsed = ParsedTests(pd.DataFrame(), [base.UploadError(None, None, None, t(
            "ingest.file.too_large", lang, size=fmt_mb(len(data), lang),
            limit=fmt_mb(limit_bytes, lang)))], "", filename, lang)
        return _outcome(base, "rejected", t("ingest.import.rejected", lang, n=1), parsed)
    city_id = store.city_id(actor, city)
    with rawstore.Staging(store.path, data, write=not dry_run) as staged:
        parsed = parse_tests(data, filename, sites=test_sites(store, actor, city),
                             today=today, lang=lang, sheet=sheet, sha256="")
        parsed.sha256 = sha = staged.sha256()
        earlier = store.upload_by_hash(actor, city, sha)
        if earlier is not None:
            return base.duplicate_outcome(earlier["upload_id"], earlier["uploaded_at"], lang)
        if not parsed.ok:
            return _outcome(base, "rejected", t("ingest.import.rejected", lang,
                                                n=max(len(parsed.errors), 1)), parsed)
        obs, periods = derived_observations(parsed.rows)
        collisions = base.find_collisions(store, actor, city, organisation, obs)
        if len(collisions) and not replace:
            return _outcome(base, "rejected", t("ingest.import.collisions", lang,
                                                n=len(collisions), organisation=organisation),
                            parsed, obs, collisions)
        if dry_run:
            return _outcome(base, "valid", t("drugcheck.import.valid", lang,
                                             **_counts(parsed, obs)), parsed, obs, collisions)
        staged.keep()
        meta = {"city": city, "organisation": organisation, "filename": filename,
                "sha256": sha, "uploaded_by": actor.username, "replace": bool(replace),
                "period": None, "sheet": sheet, "today": today.isoformat(),
                "rows": len(parsed.rows), "kind": "drug_tests",
                "uploaded_at": clock.now().isoformat(timespec="seconds")}

        def write_tests(upload_id: int) -> None:     # inside the upload's transaction
            store.insert_drug_tests(city_id, upload_id, parsed.rows)
            rawstore.record(store.path, upload_id, {**meta, "status": "pending"})
        try:
            upload_id = store.insert_upload(actor, city, organisation, filename, sha, obs,
                                            periods, replace=replace,
                                            before_commit=write_tests)
        except DuplicateUpload as exc:
            return base.duplicate_outcome(exc.upload_id, exc.uploaded_at, lang)
        except CollidingRows:
            collisions = base.find_collisions(store, actor, city, organisation, obs)
            return _outcome(base, "rejected", t("ingest.import.collisions", lang,
                                                n=len(collisions), organisation=organisation),
                            parsed, obs, collisions)
    rawstore.record(store.path, upload_id, {**meta, "status": "imported"})
    return _outcome(base, "imported", t("drugcheck.import.imported", lang, upload_id=upload_id,
                                        **_counts(parsed, obs)),
                    parsed, obs, collisions, upload_id)


def _counts(parsed: ParsedTests, obs: pd.DataFrame) -> dict:
    by = obs.groupby("indicator")["count"].sum() if len(obs) else {}
    return {"samples": parsed.rows["sample"].nunique(), "rows": len(parsed.rows),
            "tests": int(by.get("schnelltests", 0)),
            "positive": int(by.get("schnelltests_positiv", 0))}


def _outcome(base, status, message, parsed, obs=None, collisions=None, upload_id=None):
    from lagebild.store import no_collisions
    totals: dict[str, int] = {}
    if obs is not None and len(obs):
        totals = {k: int(v) for k, v in obs.groupby("indicator")["count"].sum().items()}
    return base.ImportOutcome(
        status=status, upload_id=upload_id, rows=len(parsed.rows), totals=totals,
        by_district={}, errors=parsed.errors,
        collisions=no_collisions() if collisions is None else collisions,
        message=message, replaced=len(collisions) if collisions is not None and
        status != "rejected" else 0, parsed=parsed)
