"""Indicator catalogue loaded from ``data/indicators.toml``.

The catalogue is data, not code: adding an indicator means adding a TOML table.

>>> cat = load_catalog()
>>> cat["drogennotfaelle"].person_related
True
>>> cat.match("Drogennotfälle").key
'drogennotfaelle'
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from lagebild.config import DATA_DIR

DEFAULT_PATH = DATA_DIR / "indicators.toml"
_REQUIRED = ("label_de", "label_en", "unit_de", "unit_en", "person_related", "points_allowed")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def normalize_name(text: str) -> str:
    """Tolerant form of a name for matching: case, spaces, ß/ss, ä/ae, hyphens.

    >>> normalize_name("  Groß-Zschocher ") == normalize_name("gross zschocher")
    True
    >>> normalize_name("Drogennotfälle") == normalize_name("drogennotfaelle")
    True
    """
    s = str(text).strip().casefold()
    for a, b in (("ß", "ss"), ("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        s = s.replace(a, b)
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"[\s\-_./]+", " ", s)
    return s.strip()


@dataclass(frozen=True)
class Indicator:
    key: str
    label_de: str
    label_en: str
    unit_de: str
    unit_en: str
    person_related: bool
    points_allowed: bool
    order: int = 100

    def label(self, lang: str = "de") -> str:
        return self.label_en if lang == "en" else self.label_de

    def unit(self, lang: str = "de") -> str:
        return self.unit_en if lang == "en" else self.unit_de


class Catalog:
    """Ordered, read-only collection of indicators with tolerant lookup."""

    def __init__(self, indicators: list[Indicator]):
        self._items = sorted(indicators, key=lambda i: (i.order, i.key))
        self._by_key = {i.key: i for i in self._items}
        self._lookup: dict[str, str] = {}
        for i in self._items:
            for name in (i.key, i.label_de, i.label_en):
                self._lookup.setdefault(normalize_name(name), i.key)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, key: str) -> Indicator:
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    @property
    def keys(self) -> list[str]:
        return [i.key for i in self._items]

    def match(self, name: str) -> Indicator | None:
        """Find an indicator by key or German/English label, tolerant to spelling."""
        key = self._lookup.get(normalize_name(name))
        return self._by_key[key] if key else None

    def person_related_keys(self) -> list[str]:
        return [i.key for i in self._items if i.person_related]


def load_catalog(path: str | Path = DEFAULT_PATH) -> Catalog:
    """Read and check the catalogue; errors name the offending table and field."""
    path = Path(path)
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    items = []
    for key, table in raw.items():
        if not _KEY_RE.match(key):
            raise ValueError(f"{path.name}: Schlüssel '{key}' muss aus a-z, 0-9 und _ bestehen.")
        if not isinstance(table, dict):
            raise ValueError(f"{path.name}: '{key}' muss eine Tabelle sein.")
        missing = [f for f in _REQUIRED if f not in table]
        if missing:
            raise ValueError(f"{path.name}: Indikator '{key}' fehlt: {', '.join(missing)}.")
        unknown = set(table) - set(_REQUIRED) - {"order"}
        if unknown:
            raise ValueError(
                f"{path.name}: Indikator '{key}' hat unbekannte Felder: {', '.join(sorted(unknown))}."
            )
        for f in ("person_related", "points_allowed"):
            if not isinstance(table[f], bool):
                raise ValueError(f"{path.name}: '{key}.{f}' muss true oder false sein.")
        items.append(Indicator(key=key, **table))
    if not items:
        raise ValueError(f"{path.name}: Der Katalog enthält keine Indikatoren.")
    return Catalog(items)
