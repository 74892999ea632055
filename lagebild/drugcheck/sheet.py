"""The printable one-page substance warning (issue #18), as resolved text.

A :class:`WarningSheet` is everything one language's A4 page shows, already in that language
and already formatted (dates, substance name): the warning itself (``lagebild.drugcheck.
warnings``) and the language's template (``lagebild.drugcheck.languages``) meet here, and the
PDF (``lagebild.drugcheck.warning_pdf``) only sets it. Nothing here reads a file or a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WarningSheet:
    """One page in one language. ``rtl`` for right-to-left scripts (Arabic, Farsi, Hebrew)."""

    language: str              # "de", "de-LS" (Leichte Sprache), "en", or a city's code ("ar", "fa")
    rtl: bool
    heading: str               # e.g. "Substanzwarnung" / "Warnung" / "Drug alert"
    title: str                 # one sentence, e.g. "Nitazene in Proben, die als Heroin verkauft wurden"
    substance: str             # the substance's name in this language
    where: str                 # where the finds were made (district, site) in this language
    since: str                 # date already formatted for this language
    valid_until: str           # date already formatted for this language
    advice: tuple[str, ...]    # what to do: the warning's own lines first, then the template's
    issued_by: str             # e.g. "Krisenstab Musterstadt"
    issued_on: str             # date already formatted for this language
    labels: dict[str, str] = field(default_factory=dict)  # "substance", "where", "since",
    #                            "valid_until", "advice", "issued_by": the captions of the page
    footer: str = ""           # e.g. emergency number, where to get naloxone
