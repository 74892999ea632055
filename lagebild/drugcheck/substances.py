"""The substance and method catalogue of drug checking (``data/substances.toml``).

>>> cat = load_substances()
>>> cat.substance("Isotonitazen"), cat.method("GC-MS"), cat.substance("Zucker")
('nitazene', 'labor', None)
>>> cat.detects("schnelltest", "kokain"), cat.name("xylazin", "en")
(False, 'Xylazine')
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lagebild.catalog import normalize_name
from lagebild.config import ROOT

PATH = ROOT / "data" / "substances.toml"
RESULTS = ("positiv", "negativ", "ungueltig")
_RESULT_WORDS = {"positiv": "positiv", "positive": "positiv", "pos": "positiv", "+": "positiv",
                 "negativ": "negativ", "negative": "negativ", "neg": "negativ", "-": "negativ",
                 "ungueltig": "ungueltig", "ungultig": "ungueltig", "invalid": "ungueltig",
                 "nicht auswertbar": "ungueltig"}


@dataclass(frozen=True)
class Entry:
    key: str
    name_de: str
    name_en: str
    flags: dict


class SubstanceCatalog:
    def __init__(self, raw: dict):
        self.substances = {k: Entry(k, v["name_de"], v["name_en"], v) for k, v in
                           raw.get("substances", {}).items()}
        self.methods = {k: Entry(k, v["name_de"], v["name_en"], v) for k, v in
                        raw.get("methods", {}).items()}
        for m in self.methods.values():
            unknown = set(m.flags.get("detects", [])) - set(self.substances)
            if unknown:
                raise ValueError(f"substances.toml: Methode '{m.key}' nennt unbekannte "
                                 f"Substanzen {sorted(unknown)}.")
        self._sub = _lookup(self.substances)
        self._met = _lookup(self.methods)

    def substance(self, text) -> str | None:
        return self._sub.get(normalize_name(text))

    def method(self, text) -> str | None:
        return self._met.get(normalize_name(text))

    def detects(self, method: str, substance: str) -> bool:
        return substance in self.methods[method].flags.get("detects", [])

    def name(self, key: str, lang: str = "de") -> str:
        entry = self.substances.get(key) or self.methods.get(key)
        if entry is None:
            return key
        return entry.name_en if lang == "en" else entry.name_de

    def dangerous(self) -> list[str]:
        return [k for k, e in self.substances.items() if e.flags.get("dangerous")]

    def opioids(self) -> list[str]:
        return [k for k, e in self.substances.items() if e.flags.get("opioid")]

    def rapid_methods(self) -> list[str]:
        return [k for k, e in self.methods.items() if e.flags.get("rapid")]


def result_of(text) -> str | None:
    """``positiv`` / ``negativ`` / ``ungueltig`` for the words users write, else None."""
    return _RESULT_WORDS.get(normalize_name(text))


def _lookup(entries: dict[str, Entry]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, e in entries.items():
        for name in (key, e.name_de, e.name_en, *e.flags.get("aliases", [])):
            out.setdefault(normalize_name(name), key)
    return out


@lru_cache(maxsize=4)
def load_substances(path: str | Path = PATH) -> SubstanceCatalog:
    with open(path, "rb") as fh:
        return SubstanceCatalog(tomllib.load(fh))
