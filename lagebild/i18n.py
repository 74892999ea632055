"""One string catalogue for the whole UI: ``lagebild/strings/*.toml``.

Each file holds tables ``[key] de = "…" en = "…"``; files are merged (one file per area so
that areas can grow independently). German is the source language; a missing English text
falls back to German, a missing key is an error caught by ``tests/test_i18n.py``.

>>> t("app.title", "de")
'Lagebild'
>>> fmt_number(3.14159, "de", 1), fmt_number(12345, "de"), fmt_number(3.14159, "en", 1)
('3,1', '12.345', '3.1')
"""

from __future__ import annotations

import re

import tomllib
from functools import lru_cache
from pathlib import Path

STRINGS_DIR = Path(__file__).resolve().parent / "strings"
LANGUAGES = ("de", "en")


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(STRINGS_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for key, texts in _flatten(data):
            if key in merged:
                raise ValueError(f"Text '{key}' doppelt definiert ({path.name}).")
            merged[key] = texts
    return merged


def _flatten(data: dict, prefix: str = ""):
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and "de" in value and isinstance(value["de"], str):
            yield full, value
        elif isinstance(value, dict):
            yield from _flatten(value, full + ".")
        else:
            raise ValueError(f"Text '{full}': erwartet eine Tabelle mit de/en.")


def has_key(key: str) -> bool:
    """True when ``key`` is in the text catalogue (for values that may have no text)."""
    return key in strings()


def t(key: str, lang: str = "de", /, **kwargs) -> str:
    """The text for ``key`` in ``lang``, formatted with ``kwargs`` (``str.format``)."""
    texts = strings()[key]
    text = texts.get(lang) or texts["de"]
    return text.format(**kwargs) if kwargs else text


_MD_SPECIAL = set("\\`*[]<>!$~|#")
# ``_`` only at a word edge (emphasis; ``a_b`` stays)
_MD_UNDERSCORE = re.compile(r"(?<![0-9A-Za-zÀ-ÿ])_|_(?![0-9A-Za-zÀ-ÿ])")
# GFM turns bare addresses into links *after* escapes are read (a transform on the text),
# so ``http://``, ``www.`` and ``x@y.z`` are broken by an invisible WORD JOINER instead
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def md_escape(value) -> str:
    r"""Data as plain text inside Streamlit Markdown (titles, messages, labels, captions).

    Escapes what could make a link, an image, HTML, LaTeX (``$``), a heading, a table or
    emphasis: ``\ ` * [ ] < > ! $ ~ | #`` always, ``_`` at a word edge; bare addresses
    (``http://``, ``www.``, ``a@b.de``), which GFM links by itself, get an invisible word
    joiner (U+2060) after ``:``, ``www`` and ``@``; line breaks become spaces (no lists or
    headings). Letters, digits, ``-``, ``.``, ``(``, ``)``, ``:`` and ``_`` inside words
    stay, so numbers, weeks (``2026-W46``), paths and names read the same where the text
    is not Markdown.

    >>> md_escape("D![i](http://host/t.png)").replace(WORD_JOINER, "⁀")
    'D\\!\\[i\\](http:⁀//host/t.png)'
    >>> md_escape("Groß-Zschocher (Nord)\nwww.x.de").replace(WORD_JOINER, "⁀")
    'Groß-Zschocher (Nord) www⁀.x.de'
    >>> md_escape("Stufe 2: _lage_ in /tmp/a_b")
    'Stufe 2: \\_lage\\_ in /tmp/a_b'
    """
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = "".join("\\" + c if c in _MD_SPECIAL else c for c in text)
    text = _MD_UNDERSCORE.sub(r"\\_", text)
    return _AUTOLINK.sub(WORD_JOINER, text)


def fmt_number(value, lang: str = "de", decimals: int = 0) -> str:
    """German (1.234,5) or English (1,234.5) number formatting; '–' for missing."""
    if value is None:
        return "–"
    try:
        if value != value:  # NaN
            return "–"
    except TypeError:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_percent(value, lang: str = "de", decimals: int = 0, signed: bool = True) -> str:
    """Percentage of a ratio: signed change '+25 %' (de) / '+25%' (en); ``signed=False`` for
    a share ('25 %')."""
    if value is None or value != value:
        return "–"
    sign = "+" if signed and value > 0 else ""
    number = fmt_number(value * 100, lang, decimals)
    return f"{sign}{number} %" if lang == "de" else f"{sign}{number}%"



MIN_BASE_FOR_PERCENT = 10    # below this baseline a percentage alarms more than it tells


def fmt_change(current, base, lang: str = "de", min_base: float = MIN_BASE_FOR_PERCENT) -> str:
    """Change from ``base`` to ``current`` as the reader should see it: a percentage where
    the baseline is at least ``min_base`` ('+38 %'), otherwise the absolute change with its
    sign ('+1', '+0,9'): "1 (+700 %)" from a mean of 0,125 deaths alarms without informing.
    '–' when either is missing; '±0' for no change.

    >>> fmt_change(55, 40), fmt_change(1, 0.125), fmt_change(3, 0), fmt_change(4, 4)
    ('+38 %', '+0,9', '+3', '±0')
    >>> fmt_change(12, 41, "en"), fmt_change(None, 3)
    ('-71%', '–')
    """
    def missing(v):
        return v is None or v != v
    if missing(current) or missing(base):
        return "–"
    if base >= min_base:
        return fmt_percent(current / base - 1, lang)
    diff = float(current) - float(base)
    if abs(diff) < 0.05:
        return "±0"
    decimals = 0 if abs(diff - round(diff)) < 0.05 else 1
    return ("+" if diff > 0 else "") + fmt_number(diff, lang, decimals)