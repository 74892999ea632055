"""The import service used by the upload page and ``lagebild ingest``: ingest + store.

``import_file`` checks everything first and writes at most once, in one transaction
(``Store.insert_upload``): the same bytes again -> "duplicate"; any error -> "rejected";
rows that would overwrite earlier rows of the same organisation (same district, indicator,
day and coordinates) -> "rejected" with the collisions listed, unless ``replace=True``;
``dry_run`` -> "valid" without writing. ``preview`` is the dry run the page shows first.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild import clock
from lagebild.drugcheck import importer as tests
from lagebild.ingest import rawstore
from lagebild.access import AccessDenied, Actor, acts_for, require
from lagebild.catalog import Catalog, load_catalog
from lagebild.config import get_settings
from lagebild.i18n import t
from lagebild.ingest.parse import parse_upload
from lagebild.ingest.outcome import (ImportOutcome, WithdrawOutcome, duplicate_outcome,
                                     find_collisions, make_outcome)
from lagebild.store import CollidingRows, DuplicateUpload, Invalid, Store

def preview(store: Store, actor: Actor, city: str, organisation: str, data: bytes,
            filename: str, **kwargs) -> ImportOutcome:
    """Everything ``import_file`` checks, nothing written (status valid/rejected/duplicate)."""
    return import_file(store, actor, city, organisation, data, filename, dry_run=True,
                       **kwargs)


def import_file(store: Store, actor: Actor, city: str, organisation: str, data: bytes,
                filename: str, *, today: date, replace: bool = False, dry_run: bool = False,
                lang: str = "de", period: tuple[date, date] | None = None,
                sheet: str | None = None, catalog: Catalog | None = None,
                limit_bytes: int | None = None, progress=None) -> ImportOutcome:
    """Validate and (unless ``dry_run``) import one upload; see the module docstring.

    Raises ``AccessDenied`` (actor may not upload for this city/organisation),
    ``store.NotFound`` (unknown city) and ``store.Invalid`` (no organisation); everything
    about the file is reported in the outcome. The hash and (for a real import) a copy of
    the bytes are made in a second thread while the file is checked; the copy is renamed
    into place only before the commit.
    """
    _check_may_upload(store, actor, city, organisation)
    limit_bytes = _limit(limit_bytes)
    if tested := _test_results(store, actor, city, organisation, data, filename, today=today,
                               replace=replace, dry_run=dry_run, lang=lang, sheet=sheet,
                               limit_bytes=limit_bytes):      # (#18) drug-checking results
        return tested
    with rawstore.Staging(store.path, data,
                          write=not dry_run and len(data) <= limit_bytes) as staged:
        parsed = parse_upload(data, filename, catalog=catalog or load_catalog(),
                              districts=store.districts(actor, city), today=today,
                              lang=lang, limit_bytes=limit_bytes, sheet=sheet,
                              progress=progress, period=period, sha256="")
        parsed.sha256 = sha = staged.sha256()
        earlier = store.upload_by_hash(actor, city, sha)
        if earlier is not None:          # the same bytes: answered before any error
            return duplicate_outcome(earlier["upload_id"], earlier["uploaded_at"], lang)
        if not parsed.ok:
            return make_outcome("rejected", t("ingest.import.rejected", lang,
                                          n=max(len(parsed.errors), 1)), parsed)
        collisions = find_collisions(store, actor, city, organisation, parsed.rows)
        n = len(collisions)
        if n and not replace:
            again = store.upload_by_hash(actor, city, sha)   # the same bytes may have landed
            if again is not None:
                return duplicate_outcome(again["upload_id"], again["uploaded_at"], lang)
            return make_outcome("rejected", t("ingest.import.collisions", lang, n=n,
                                          organisation=organisation), parsed, collisions)
        if dry_run:
            key = "ingest.import.valid_replace" if n else "ingest.import.valid"
            return make_outcome("valid", t(key, lang, rows=len(parsed.rows), n=n), parsed,
                            collisions, replaced=n)
        staged.keep()                    # on disk before the commit (rebuild)
        meta = _upload_meta(actor, city, organisation, filename, sha, replace, period, sheet,
                            today, len(parsed.rows))

        def describe(new_id: int) -> None:
            # inside the transaction, before the commit: a kill after this point leaves a
            # "pending" description that ``rebuild`` settles against the database
            rawstore.record(store.path, new_id, {**meta, "status": "pending"})
        try:
            upload_id = store.insert_upload(actor, city, organisation, filename, sha,
                                            parsed.rows, parsed.periods, replace=replace,
                                            before_commit=describe)
        except DuplicateUpload as exc:   # another import of the same bytes won the race
            return duplicate_outcome(exc.upload_id, exc.uploaded_at, lang)
        except CollidingRows:            # rows arrived meanwhile: list them, write nothing
            collisions = find_collisions(store, actor, city, organisation, parsed.rows)
            return make_outcome("rejected", t("ingest.import.collisions", lang,
                                          n=len(collisions), organisation=organisation),
                            parsed, collisions)
    rawstore.record(store.path, upload_id, {**meta, "status": "imported"})
    key = "ingest.import.imported_replace" if n else "ingest.import.imported"
    return make_outcome("imported", t(key, lang, rows=len(parsed.rows), upload_id=upload_id, n=n),
                    parsed, collisions, upload_id=upload_id, replaced=n)


def _limit(limit_bytes: int | None) -> int:
    """The upload limit in bytes (``LAGEBILD_UPLOAD_LIMIT_MB`` unless given)."""
    if limit_bytes is None:
        return int(get_settings().upload_limit_mb) * 1024 * 1024
    return limit_bytes


def _test_results(store, actor, city, organisation, data, filename, **options):
    """The outcome of a drug-checking results file (#18, recognised by its header), or None
    for every other file."""
    if tests.is_test_file(data, filename, options["sheet"]):
        return tests.import_tests(store, actor, city, organisation, data, filename, **options)
    return None


def _upload_meta(actor, city, organisation, filename, sha, replace, period, sheet, today,
                 rows: int) -> dict:
    """The description kept beside the original file (``rawstore.record``, rebuild)."""
    return {"city": city, "organisation": organisation, "filename": filename, "sha256": sha,
            "uploaded_by": actor.username, "replace": bool(replace),
            "period": [d.isoformat() for d in period] if period else None, "sheet": sheet,
            "today": today.isoformat(), "rows": rows,
            "uploaded_at": clock.now().isoformat(timespec="seconds")}


def withdraw(store: Store, actor: Actor, city: str, upload_id: int,
             lang: str = "de") -> WithdrawOutcome:
    """Withdraw an upload (its rows leave every view; the audit log records who and how
    many). Store errors (unknown upload, already withdrawn, not allowed) propagate."""
    removed = store.withdraw_upload(actor, city, int(upload_id))
    rawstore.mark_withdrawn(store.path, int(upload_id), actor.username)
    return WithdrawOutcome(int(upload_id), removed,
                           t("ingest.import.withdrawn", lang, upload_id=upload_id,
                             rows=removed))


def _check_may_upload(store: Store, actor: Actor, city: str, organisation: str) -> None:
    store.city_id(actor, city)     # Forbidden / NotFound with German text
    require(actor, "upload.import")
    if not acts_for(actor, "upload.import", organisation):
        raise AccessDenied(f"Ein Konto von '{actor.organisation}' kann nicht für "
                           f"'{organisation}' hochladen.")
    if not organisation or not organisation.strip():
        raise Invalid("Die meldende Organisation darf nicht leer sein.")


def rebuild(store: Store, folder, lang: str = "de", catalog: Catalog | None = None,
            known: dict[str, dict] | None = None) -> dict:
    """Import the kept raw uploads of ``folder`` (see ``rawstore``) again, in their original
    order, with their original organisation, options and validation day; withdrawn uploads
    are left out. The cities and their districts must exist (restore the boundaries
    first). Returns counts and one line per upload that needs a look.

    ``known``: sha256 -> upload row (``Store.upload_records``) of the database the uploads
    came from, if it still answers (None: lost). With it, a ``pending`` description (the
    importer was killed around its commit) is imported only if that database committed
    it, and a ``.bin`` without description is recovered from that database's row. Without
    it, a ``pending`` upload is imported and named (it may never have been committed), and
    a ``.bin`` without description is named, never dropped silently."""
    counts = {"imported": 0, "duplicate": 0, "rejected": 0, "withdrawn": 0, "missing": 0,
              "unconfirmed": 0, "not_committed": 0, "recovered": 0, "orphaned": 0}
    problems: list[str] = []
    todo = []
    for meta in rawstore.entries(folder):
        sha, status = meta["sha256"], meta.get("status")
        if status == "withdrawn" or (known and known.get(sha, {}).get("status") == "withdrawn"):
            counts["withdrawn"] += 1
            continue
        if status == "pending":
            if known is not None and sha not in known:
                counts["not_committed"] += 1
                problems.append(f"Upload {meta['upload_id']} ({meta['filename']}): Import "
                                "wurde vor dem Abschluss abgebrochen (nicht in der Datenbank) "
                                "– ausgelassen.")
                continue
            if known is None:
                counts["unconfirmed"] += 1
                problems.append(f"Upload {meta['upload_id']} ({meta['filename']}): Import "
                                "wurde um den Abschluss herum abgebrochen; ob er abgeschlossen "
                                "war, ist unbekannt – wieder eingelesen, bitte prüfen.")
        todo.append(meta)
    for path in rawstore.orphans(folder):
        row = (known or {}).get(path.stem)
        if row is None:
            counts["orphaned"] += 1
            problems.append(f"Datei {path.name}: keine Beschreibung und nicht in der "
                            "Datenbank (Import vor dem Abschluss abgebrochen?) – nicht "
                            "eingelesen. Bei Bedarf mit `lagebild ingest` erneut hochladen.")
            continue
        if row.get("status") == "withdrawn":
            counts["withdrawn"] += 1
            continue
        counts["recovered"] += 1
        problems.append(f"Upload {row['upload_id']} ({row['filename']}): Beschreibung fehlte "
                        "– aus der Datenbank ergänzt und wieder eingelesen.")
        todo.append({"upload_id": int(row["upload_id"]), "city": row["city"],
                     "organisation": row["organisation"], "filename": row["filename"],
                     "sha256": path.stem, "uploaded_by": row["uploaded_by"], "path": path,
                     "today": pd.Timestamp(row["uploaded_at"]).date().isoformat()})
    for meta in sorted(todo, key=lambda m: m["upload_id"]):
        if not meta["path"].exists():
            counts["missing"] += 1
            problems.append(f"Upload {meta['upload_id']}: Datei {meta['path'].name} fehlt.")
            continue
        outcome = _reimport(store, meta, lang, catalog)
        counts[outcome.status if outcome.status in counts else "rejected"] += 1
        if outcome.status == "rejected":
            problems.append(f"Upload {meta['upload_id']} ({meta['filename']}): "
                            f"{outcome.message}")
    return {**counts, "problems": problems}


def _reimport(store: Store, meta: dict, lang: str, catalog: Catalog | None) -> ImportOutcome:
    """One kept upload again; an upload the database already has gets its original and
    description back beside it (the rebuild set the old folder aside)."""
    actor = Actor(str(meta.get("uploaded_by") or "rebuild"), "admin")
    period = meta.get("period")
    data = meta["path"].read_bytes()
    outcome = import_file(
        store, actor, meta["city"], meta["organisation"], data,
        meta["filename"], today=date.fromisoformat(meta["today"]),
        replace=bool(meta.get("replace")), lang=lang, sheet=meta.get("sheet"),
        period=(date.fromisoformat(period[0]), date.fromisoformat(period[1]))
        if period else None, catalog=catalog, limit_bytes=1 << 62)
    if outcome.status == "duplicate":
        rawstore.keep_bytes(store.path, data, meta["sha256"])
        kept = {k: v for k, v in meta.items() if k not in ("path", "upload_id")}
        rawstore.record(store.path, outcome.upload_id, {**kept, "status": "imported"})
    return outcome
