"""The receipt beside every processed inbox file: JSON (the fields of ``lagebild ingest
--json`` plus where the file came from) and a short text for the sending organisation."""

from __future__ import annotations

import json
import os
from pathlib import Path

from lagebild.i18n import t

SHOWN_ERRORS = 30
JSON_SUFFIX, TEXT_SUFFIX = ".quittung.json", ".quittung.txt"


def receipt(outcome_json: dict, *, file: str, city: str, organisation: str, order: dict,
            processed_at: str, lang: str) -> dict:
    """The receipt: ``outcome_json`` (``ImportOutcome.as_json()``) and the delivery."""
    data = dict(outcome_json)
    data.update({"file": file, "city": city, "organisation": organisation,
                 "replace": bool(order.get("replace")), "kennung": order.get("kennung"),
                 "sha256": order.get("sha256"), "received_at": order.get("claimed_at"),
                 "processed_at": processed_at})
    data["text"] = text(data, lang)
    return data


def text(r: dict, lang: str) -> str:
    """The receipt as a few lines of German (or English) for the sending organisation."""
    out = [t("inbox.receipt.title", lang, file=r["file"]),
           t("inbox.receipt.where", lang, city=r["city"], organisation=r["organisation"]),
           t("inbox.receipt.when", lang, received=r.get("received_at") or "–",
             processed=r["processed_at"]),
           t("inbox.receipt.result", lang, status=t(f"ingest.status.{r['status']}", lang)),
           r["message"]]
    errors = r.get("errors") or []
    if errors:
        out.append(t("ingest.cli.errors", lang, n=len(errors)))
        for e in errors[:SHOWN_ERRORS]:
            out.append(t("ingest.cli.error_line", lang, line=e["line"],
                         column=e.get("column") or "–", message=e["message"])
                       if e.get("line") is not None
                       else t("ingest.cli.error_file", lang, message=e["message"]))
        if len(errors) > SHOWN_ERRORS:
            out.append(t("ingest.cli.more", lang, n=len(errors) - SHOWN_ERRORS))
    if r.get("collisions"):
        out.append(t("ingest.cli.collisions", lang, n=len(r["collisions"])))
        for c in r["collisions"][:SHOWN_ERRORS]:
            out.append(f"  {c.get('district')} · {c.get('indicator')} · {c.get('date')} · "
                       f"{c.get('count')}")
        out.append(t("inbox.receipt.replace_hint", lang))
    step = {"imported": "done", "duplicate": "duplicate"}.get(r["status"], "again")
    out.append(t(f"inbox.receipt.next_{step}", lang))
    return "\n".join(out) + "\n"


def paths(folder: Path, stem: str) -> tuple[Path, Path]:
    return folder / (stem + JSON_SUFFIX), folder / (stem + TEXT_SUFFIX)


def write(folder: Path, stem: str, data: dict) -> Path:
    """Write both receipt files (each complete or absent: temporary name, then rename);
    the JSON last, so its presence means the receipt is there."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, text_path = paths(folder, stem)
    _atomic(text_path, data["text"])
    _atomic(json_path, json.dumps(data, ensure_ascii=False, indent=1, default=str))
    return json_path


def _atomic(path: Path, content: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
