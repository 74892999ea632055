"""Import the complete inbox files, one after another, crash-safe.

For each file: (1) the order ``in-arbeit/<name>.auftrag`` is written (city, organisation,
replace, sha256, the upload of the same bytes known before, the receipt's name), (2) the file
is renamed into ``in-arbeit/``, (3) it is imported through :func:`lagebild.ingest.
importer.import_file` — the upload page's importer, one transaction —, (4) the receipt is written,
(5) the file moves to ``erledigt/`` or ``abgelehnt/``, (6) the order is deleted.

A kill at any point leaves an order in ``in-arbeit/``; the next turn of the worker (after a
restart) finishes it: a file still outside is claimed, an import the database committed
(an upload of these bytes that was not there before) gets its receipt without a second
import, anything else is imported again — the importer's transaction means nothing of an
interrupted import was kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path

from lagebild import clock
from lagebild.access import Actor
from lagebild.config import get_settings
from lagebild.i18n import t
from lagebild.inbox import receipt, runtime
from lagebild.store import NotFound, StoreError
from lagebild.inbox.watch import (DONE_DIR, REJECTED_DIR, SIDECARS, WORK_DIR, Delivery,
                                  Watcher, org_dirs)

INBOX_ACTOR = Actor("posteingang", "admin")
ORDER = ".auftrag"


def inbox_job(ctx) -> None:
    """The worker's inbox job: finish interrupted orders, then take every complete file."""
    inbox = runtime.inbox_dir(ctx.db_path)
    if not inbox.is_dir():
        inbox.mkdir(parents=True, exist_ok=True)
    watcher = ctx.state.setdefault("watcher", Watcher(get_settings().inbox_settle_s))
    for order_path in interrupted(inbox):
        finish(ctx.store(), order_path)
    for delivery in watcher.complete(inbox):
        if delivery.path.exists():
            finish(ctx.store(), claim(ctx.store(), delivery))


def interrupted(inbox: Path) -> list[Path]:
    return [p for _, _, org_dir in org_dirs(inbox) if (org_dir / WORK_DIR).is_dir()
            for p in sorted((org_dir / WORK_DIR).glob("*" + ORDER))]


def _sidecar_order(path: Path) -> dict:
    """Options from the sidecars ``<name>.ersetzen`` / ``<name>.auftrag.json``."""
    options = {"replace": path.with_name(path.name + ".ersetzen").exists()}
    sidecar = path.with_name(path.name + ".auftrag.json")
    if sidecar.exists():
        try:
            given = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            given = {}
        options["replace"] = options["replace"] or bool(given.get("ersetzen"))
        options["kennung"] = given.get("kennung")
        options["sheet"] = given.get("blatt")
    return options


def claim(store, delivery: Delivery) -> Path:
    """Write the order, then move the file into ``in-arbeit/`` (steps 1 and 2)."""
    data = delivery.path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    known = _known(store, delivery.city, sha)
    now = clock.now()
    order = {"file": delivery.path.name, "source": str(delivery.path),
             "city": delivery.city, "organisation": delivery.organisation,
             "replace": delivery.replace, "sha256": sha, "known_before": known,
             "claimed_at": now.isoformat(timespec="seconds"),
             "stem": f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}_{delivery.path.name}",
             **{k: v for k, v in _sidecar_order(delivery.path).items() if v is not None}}
    order["replace"] = delivery.replace or order["replace"]
    work = delivery.org_dir / WORK_DIR
    work.mkdir(exist_ok=True)
    order_path = work / (delivery.path.name + ORDER)
    receipt._atomic(order_path, json.dumps(order, ensure_ascii=False))
    os.replace(delivery.path, work / delivery.path.name)
    for suffix in SIDECARS:
        delivery.path.with_name(delivery.path.name + suffix).unlink(missing_ok=True)
    return order_path


def _known(store, city: str, sha: str) -> int | None:
    """The upload of these bytes the city already has (None: none, or no such city)."""
    try:
        row = store.upload_by_hash(INBOX_ACTOR, city, sha)
    except NotFound:
        return None
    return None if row is None else int(row["upload_id"])


def finish(store, order_path: Path) -> None:
    """Steps 3 to 6 for one order, whatever of them already happened before a kill."""
    order = json.loads(order_path.read_text(encoding="utf-8"))
    work = order_path.parent
    file = work / order["file"]
    if not file.exists():
        source = Path(order["source"])
        if source.exists():                      # killed between steps 1 and 2
            os.replace(source, file)
        else:                                    # finished but for the order itself
            order_path.unlink()
            return
    for folder in (work.parent / DONE_DIR, work.parent / REJECTED_DIR):
        if receipt.paths(folder, order["stem"])[0].exists():   # killed after step 4
            _file_away(file, folder, order, order_path)
            return
    result = _outcome(store, order, file)
    folder = work.parent / (DONE_DIR if result["status"] == "imported" else REJECTED_DIR)
    lang = get_settings().language
    receipt.write(folder, order["stem"], receipt.receipt(
        result, file=order["file"], city=order["city"], organisation=order["organisation"],
        order=order, processed_at=clock.now().isoformat(timespec="seconds"), lang=lang))
    _file_away(file, folder, order, order_path)


def _file_away(file: Path, folder: Path, order: dict, order_path: Path) -> None:
    folder.mkdir(exist_ok=True)
    os.replace(file, folder / order["stem"])
    order_path.unlink()


def _outcome(store, order: dict, file: Path) -> dict:
    """The import's outcome as ``lagebild ingest --json`` shows it (step 3)."""
    from lagebild.ingest import importer
    lang = get_settings().language
    city, org, sha = order["city"], order["organisation"], order["sha256"]
    now_known = _known(store, city, sha)
    if now_known is not None and now_known != order.get("known_before"):
        committed = _committed_before_kill(store, city, now_known, lang)
        if committed is not None:
            return committed
    try:
        outcome = importer.import_file(
            store, INBOX_ACTOR, city, org, file.read_bytes(), order["file"],
            today=clock.today(), replace=bool(order.get("replace")), lang=lang,
            sheet=order.get("sheet"))
    except NotFound:
        return _refused(t("inbox.unknown_city", lang, city=city), lang, city_unknown=True)
    except StoreError as exc:          # e.g. Invalid: no organisation
        return _refused(str(exc), lang)
    if outcome.status == "imported":
        _after_import(store, city)
    return outcome.as_json()


def _committed_before_kill(store, city: str, upload_id: int, lang: str) -> dict | None:
    """The receipt of an import the database committed before the server was killed (None:
    the upload of these bytes came from somewhere else, e.g. a browser upload)."""
    uploads = store.uploads(INBOX_ACTOR, city)
    row = uploads[uploads["upload_id"] == upload_id]
    if not len(row) or row["uploaded_by"].iloc[0] != INBOX_ACTOR.username:
        return None
    rows = int(row["row_count"].iloc[0])
    _settle_description(store.path, upload_id)
    _after_import(store, city)       # signals and e-mails may not have followed it
    return {"status": "imported", "upload_id": upload_id, "rows": rows, "totals": {},
            "by_district": {}, "errors": [], "collisions": [],
            "message": t("inbox.recovered", lang, rows=rows, upload_id=upload_id)}


def _settle_description(db_path: str, upload_id: int) -> None:
    """The kept original's description still says ``pending`` (the kill came between the
    commit and the importer's last step): the database committed it, so it is imported."""
    from lagebild.ingest import rawstore
    folder = rawstore.directory(db_path)
    for meta in rawstore.entries(folder) if folder is not None and folder.is_dir() else []:
        if meta["upload_id"] == upload_id and meta.get("status") == "pending":
            kept = {k: v for k, v in meta.items() if k not in ("path", "upload_id")}
            rawstore.record(db_path, upload_id, {**kept, "status": "imported"})


def _refused(message: str, lang: str, **extra) -> dict:
    return {"status": "rejected", "upload_id": None, "rows": 0, "totals": {},
            "by_district": {}, "errors": [{"line": None, "column": None, "value": None,
                                           "message": message}],
            "collisions": [], "message": t("ingest.import.rejected", lang, n=1), **extra}


def _after_import(store, city: str) -> None:
    """Signals and e-mails follow the import, as after a browser upload (#17)."""
    from lagebild.alerts import notify
    from lagebild.catalog import load_catalog
    notify.after_import(store, city, settings=get_settings(), catalog=load_catalog())
