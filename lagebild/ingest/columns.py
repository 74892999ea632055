"""Header mapping (aliases, personal data, duplicates, unknown columns) and the long frame.

The header of an upload is matched tolerantly (``normalize_name``): ``Datum``, ``date`` and
`` DATUM `` are the same column. Wide files (one column per indicator) are melted to the long
format here, so every later check sees one row per count.

>>> from lagebild.catalog import load_catalog
>>> layout, errors = map_header(["Date", "District", "Drogennotfälle"], load_catalog())
>>> layout.columns, layout.indicator_columns, layout.wide, errors
({'datum': 0, 'stadtteil': 1}, {2: 'drogennotfaelle'}, True, [])
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lagebild.catalog import Catalog, normalize_name
from lagebild.i18n import t
from lagebild.ingest.errors import UploadError
from lagebild.ingest.table import RawTable

# canonical name -> accepted header names (normalised)
ALIASES: dict[str, tuple[str, ...]] = {
    "datum": ("datum", "date"),
    "stadtteil": ("stadtteil", "district", "ortsteil"),
    "indikator": ("indikator", "indicator"),
    "anzahl": ("anzahl", "count"),
    "lat": ("lat", "breite", "latitude", "breitengrad"),
    "lon": ("lon", "laenge", "lng", "longitude", "laengengrad"),
    "bemerkung": ("bemerkung", "note", "notiz"),
}
CANONICAL = tuple(ALIASES)
ENGLISH = {"datum": "date", "stadtteil": "district", "indikator": "indicator",
           "anzahl": "count", "lat": "lat", "lon": "lon", "bemerkung": "note"}
_ALIAS = {a: c for c, names in ALIASES.items() for a in names}

# Personal data (DSGVO): whole-header words, substrings, and single tokens.
PERSONAL_EXACT = {"name", "namen", "vor und nachname", "klient", "klientin", "patient",
                  "patientin", "person", "initialen", "geb", "dob", "tel", "mail", "svnr",
                  "kvnr", "wohnort"}
PERSONAL_PARTS = ("vorname", "nachname", "familienname", "geburt", "gebdatum", "geb datum",
                  "adresse", "anschrift", "strasse", "hausnummer", "versicherung",
                  "versicherten", "telefon", "handy", "mobilnummer", "email", "e mail",
                  "birth", "address", "phone", "surname", "firstname", "first name",
                  "last name", "lastname", "insurance", "passport", "ausweis",
                  "klientenname", "patientenname", "personenname", "steuer id")
PERSONAL_TOKENS = {"name", "namen", "dob", "svnr", "kvnr", "initialen", "ssn", "iban"}
_PLACE_TOKENS = {"stadtteil", "ortsteil", "district", "bezirk", "indikator", "indicator",
                 "ort", "standort", "einrichtung", "organisation", "datei"}


def is_personal(header: str) -> bool:
    """Does a column header look like personal data?

    >>> [is_personal(h) for h in ("Nachname", "Geb.-Datum", "E-Mail", "Stadtteilname",
    ...                           "stadtteil", "Name", "Name Stadtteil")]
    [True, True, True, False, False, True, False]
    """
    norm = normalize_name(header)
    if not norm:
        return False
    tokens = set(re.findall(r"[a-z0-9]+", norm))
    compact = " ".join(re.findall(r"[a-z0-9]+", norm))
    if compact in PERSONAL_EXACT or norm in PERSONAL_EXACT:
        return True
    if any(part in compact or part in norm for part in PERSONAL_PARTS):
        return True
    return bool(tokens & PERSONAL_TOKENS) and not tokens & _PLACE_TOKENS


def display(canonical: str, lang: str) -> str:
    """The name a message uses for a canonical column (English alias with lang='en')."""
    return ENGLISH[canonical] if lang == "en" else canonical


@dataclass
class Layout:
    names: list[str]                                   # header cells as written
    columns: dict[str, int] = field(default_factory=dict)
    indicator_columns: dict[int, str] = field(default_factory=dict)
    wide: bool = False
    fatal: bool = False
    personal: bool = False     # personal-data columns: reject the file, echo no values

    def name(self, canonical: str, lang: str = "de") -> str:
        pos = self.columns.get(canonical)
        return self.names[pos].strip() if pos is not None else display(canonical, lang)

    @property
    def has_coords(self) -> bool:
        return "lat" in self.columns and "lon" in self.columns


def map_header(header: list[str], catalog: Catalog, lang: str = "de",
               filled: list[bool] | None = None) -> tuple[Layout, list[UploadError]]:
    """Map header cells to canonical columns / indicators; errors name line 1."""
    layout = Layout([str(h) for h in header])
    errors: list[UploadError] = []
    filled = filled if filled is not None else [True] * len(header)

    personal = [h for h in layout.names if is_personal(h)]
    if personal:   # reject at once, never echo values
        layout.fatal = layout.personal = True
        return layout, [UploadError(1, h.strip(), None, t("ingest.col.personal", lang,
                                                          column=h.strip()))
                        for h in personal]
    seen: dict[str, str] = {}
    allowed = ", ".join(display(c, lang) for c in CANONICAL)
    for pos, raw in enumerate(layout.names):
        text, norm = raw.strip(), normalize_name(raw)
        if not norm:
            if filled[pos]:
                errors.append(UploadError(1, None, None,
                                          t("ingest.col.empty_name", lang, pos=pos + 1)))
            continue
        canonical = _ALIAS.get(norm)
        indicator = None if canonical else catalog.match(raw)
        target = canonical or (indicator.key if indicator else None)
        if target is None:
            errors.append(_unknown(text, norm, catalog, lang, allowed))
            continue
        if target in seen:
            errors.append(UploadError(1, text, None, t("ingest.col.duplicate", lang,
                                                       column=text, first=seen[target])))
            layout.fatal = True
            continue
        seen[target] = text
        if canonical:
            layout.columns[canonical] = pos
        else:
            layout.indicator_columns[pos] = indicator.key
    errors += _check_required(layout, lang)
    return layout, errors


def _unknown(text: str, norm: str, catalog: Catalog, lang: str, allowed: str) -> UploadError:
    options = {a: display(c, lang) for a, c in _ALIAS.items()}
    options.update({normalize_name(i.key): i.key for i in catalog})
    options.update({normalize_name(i.label(lang)): i.label(lang) for i in catalog})
    close = difflib.get_close_matches(norm, list(options), n=1, cutoff=0.75)
    if close:
        return UploadError(1, text, None, t("ingest.col.unknown_suggest", lang, column=text,
                                            suggestion=options[close[0]], allowed=allowed))
    return UploadError(1, text, None, t("ingest.col.unknown", lang, column=text,
                                        allowed=allowed))


def _check_required(layout: Layout, lang: str) -> list[UploadError]:
    cols, errors = layout.columns, []

    def fatal(message: str, column: str | None):
        layout.fatal = True
        errors.append(UploadError(1, column, None, message))

    long_cols = "indikator" in cols or "anzahl" in cols
    if layout.indicator_columns and long_cols:
        for pos in layout.indicator_columns:
            name = layout.names[pos].strip()
            fatal(t("ingest.col.mixed_format", lang, column=name), name)
    layout.wide = bool(layout.indicator_columns) and not long_cols
    if "datum" not in cols:
        fatal(t("ingest.col.missing", lang, column=display("datum", lang)),
              display("datum", lang))
    for have, missing in (("lat", "lon"), ("lon", "lat")):
        if have in cols and missing not in cols:
            fatal(t("ingest.col.coord_pair", lang, have=layout.name(have),
                    missing=display(missing, lang)), display(missing, lang))
    if "stadtteil" not in cols and not layout.has_coords:
        fatal(t("ingest.col.missing_place", lang), display("stadtteil", lang))
    if not layout.wide and "indikator" not in cols and not layout.indicator_columns:
        fatal(t("ingest.col.missing_indicator", lang), display("indikator", lang))
    if not layout.wide and "indikator" in cols and "anzahl" not in cols \
            and not layout.has_coords:
        fatal(t("ingest.col.missing_count", lang), display("anzahl", lang))
    return errors


def filled_columns(table: RawTable) -> list[bool]:
    """Per column: does any data cell hold something other than blanks?"""
    return [bool(strip(table.cells[c]).ne("").any()) if len(table.cells) else False
            for c in table.cells.columns]


def strip(cells: pd.Series) -> pd.Series:
    """Cells without surrounding blanks. Categorical cells (the fast CSV reader) are
    stripped per distinct value and stay categorical."""
    if not isinstance(cells.dtype, pd.CategoricalDtype):
        return cells.str.strip()
    categories = cells.cat.categories
    stripped = categories.str.strip()
    if stripped.equals(categories):
        return cells                               # nothing to strip (the usual case)
    if stripped.is_unique:                         # no two values become one: rename only
        return cells.cat.rename_categories(stripped)
    codes, uniques = pd.factorize(stripped)
    old = cells.cat.codes.to_numpy()
    return pd.Series(pd.Categorical.from_codes(codes[old], categories=uniques),
                     index=cells.index)


def is_blank(cells: pd.Series) -> np.ndarray:
    """Per row: is the (stripped) cell empty? For categorical cells a comparison of codes,
    skipped when no cell is empty."""
    if not isinstance(cells.dtype, pd.CategoricalDtype):
        return (cells == "").to_numpy()
    where = np.flatnonzero(cells.cat.categories == "")
    if len(where) == 0:
        return np.zeros(len(cells), dtype=bool)
    return cells.cat.codes.to_numpy() == where[0]


def as_text(cells: pd.Series) -> pd.Series:
    return cells.astype("str") if isinstance(cells.dtype, pd.CategoricalDtype) else cells


def to_long(table: RawTable, layout: Layout) -> pd.DataFrame:
    """One row per count: line, datum, stadtteil, indikator, anzahl, lat, lon, bemerkung
    (text; stripped except the note), plus ``count_col`` (the header the count came from).
    Blank rows are dropped."""
    cells = table.cells
    n = len(cells)
    # a column the file lacks: "" in every row, as a categorical (no string per row)
    empty = pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype="int8"), categories=[""]),
                      index=cells.index)
    stripped = {pos: strip(cells[pos]) for pos in cells.columns
                if layout.names[pos].strip() or pos in layout.indicator_columns}
    blank = np.ones(n, dtype=bool)
    for s in stripped.values():
        blank &= is_blank(s)
    base = {"line": pd.Series(table.lines, index=cells.index)}
    for c in CANONICAL:
        pos = layout.columns.get(c)
        if pos is None:
            base[c] = empty
        elif c == "bemerkung":
            base[c] = as_text(cells[pos])
        elif c in ("lat", "lon"):         # nearly every value distinct: plain text
            base[c] = as_text(stripped[pos])
        else:
            base[c] = stripped[pos]
    frame = pd.DataFrame(base, copy=False)
    if blank.any():
        frame = frame[~blank]
    if not layout.wide:
        frame["count_col"] = pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"),
                                                       categories=[layout.name("anzahl")])
        return frame.reset_index(drop=True)
    parts = []
    for pos, key in layout.indicator_columns.items():
        value = stripped[pos][~blank]
        sub = frame[(value != "").to_numpy()].copy()
        sub["indikator"] = key
        sub["anzahl"] = value[value != ""]
        sub["count_col"] = layout.names[pos].strip()
        parts.append(sub)
    out = pd.concat(parts) if parts else frame.iloc[:0].assign(count_col="")
    out = out.sort_index(kind="stable").reset_index(drop=True)
    return out.astype({"indikator": "str", "anzahl": "str", "count_col": "str"})
