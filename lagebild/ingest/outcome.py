"""What an import answers (``ImportOutcome``, shown by the upload page, ``lagebild ingest
--json`` and the inbox's receipts) and the pieces every importer shares – the counts upload
(``ingest.importer``) and the drug-checking results (``drugcheck.importer``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from lagebild.access import Actor
from lagebild.i18n import t
from lagebild.ingest.parse import ParsedUpload, UploadError
from lagebild.store import no_collisions

if TYPE_CHECKING:
    from lagebild.store import Store


STATUSES = ("imported", "valid", "rejected", "duplicate")


@dataclass
class ImportOutcome:
    status: str                               # imported | valid | rejected | duplicate
    upload_id: int | None
    rows: int
    totals: dict[str, int]
    by_district: dict[str, dict[str, int]]
    errors: list[UploadError]
    collisions: pd.DataFrame
    message: str
    replaced: int = 0                         # earlier rows replaced (or to be replaced)
    parsed: ParsedUpload | None = field(default=None, repr=False)

    def as_json(self) -> dict:
        """The shape printed by ``lagebild ingest --json``."""
        coll = self.collisions.copy()
        if "date" in coll:
            coll["date"] = pd.to_datetime(coll["date"]).dt.strftime("%Y-%m-%d")
        coll = coll.astype(object).where(coll.notna(), None)
        return {
            "status": self.status, "upload_id": self.upload_id, "rows": self.rows,
            "totals": self.totals, "by_district": self.by_district,
            "errors": [e.as_dict() for e in self.errors], "message": self.message,
            "collisions": coll.to_dict(orient="records"),
        }


@dataclass
class WithdrawOutcome:
    upload_id: int
    rows: int
    message: str


def make_outcome(status: str, message: str, parsed: ParsedUpload | None = None,
                 collisions: pd.DataFrame | None = None, upload_id: int | None = None,
                 replaced: int = 0) -> ImportOutcome:
    if collisions is None:
        collisions = no_collisions()
    return ImportOutcome(
        status=status, upload_id=upload_id,
        rows=len(parsed.rows) if parsed is not None else 0,
        totals=parsed.totals if parsed is not None else {},
        by_district=parsed.by_district if parsed is not None else {},
        errors=parsed.errors if parsed is not None else [],
        collisions=collisions, message=message, replaced=replaced, parsed=parsed)


def duplicate_outcome(upload_id, uploaded_at, lang: str) -> ImportOutcome:
    """'bereits importiert am … (Upload n)', nothing written."""
    when = pd.Timestamp(uploaded_at).strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")
    return make_outcome("duplicate", t("ingest.import.duplicate", lang, date=when,
                                       upload_id=int(upload_id)), upload_id=int(upload_id))


def find_collisions(store: Store, actor: Actor, city: str, organisation: str,
                    rows: pd.DataFrame) -> pd.DataFrame:
    """Earlier rows of ``organisation`` with the same district, indicator, date and
    coordinates as ``rows`` (what ``insert_upload(replace=True)`` would delete)."""
    if rows.empty:
        return no_collisions()
    return store.colliding_rows(actor, city, organisation, rows)
