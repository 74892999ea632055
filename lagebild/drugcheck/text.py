"""Drug-checking signals and shares in words (German or English), in the style of
``lagebild.alerts.text``: what, how many of how many, which week, against what.

>>> import pandas as pd
>>> from datetime import date
>>> row = {"kind": "sold_as", "substance": "nitazene", "sold_as": "heroin", "positive": 3,
...        "tests": 11, "week": date(2026, 11, 23)}
>>> reason(row, "de")
'Nitazene in als Heroin verkauften Proben: 3 von 11 in KW 48/2026'
>>> reason(row, "de", restricted=True)          # guests: no counts
'Nitazene in als Heroin verkauften Proben in KW 48/2026'
>>> share_text(1, 3, "de")
'1 von 3 (33 %, 95-%-Intervall 6–79 %), n = 3'
"""

from __future__ import annotations

import pandas as pd

from lagebild.alerts.text import fmt_alpha
from lagebild.analytics.drugcheck import wilson
from lagebild.analytics.trends import iso_label
from lagebild.i18n import fmt_number, fmt_percent, t
from lagebild.drugcheck.substances import load_substances


def pct(x: float, lang: str) -> str:
    return fmt_percent(x, lang, 0, signed=False)


def share_text(k: int, n: int, lang: str = "de") -> str:
    """A share never as a bare percentage: "1 von 3 (33 %, 95-%-Intervall 6–79 %), n = 3"."""
    if n <= 0:
        return t("drugcheck.cli.none", lang)
    low, high = wilson(k, n)
    word = "von" if lang == "de" else "of"
    ci = "95-%-Intervall" if lang == "de" else "95 % interval"
    return (f"{k} {word} {n} ({pct(k / n, lang)}, {ci} {pct(low, lang).rstrip(' %%')}"
            f"–{pct(high, lang)}), n = {n}")


def p_text(p: float, lang: str = "de") -> str:
    """"p = 0,012" or, below 0.001, "p < 0,001" (never "p = 0,000").

    >>> p_text(0.01234, "de"), p_text(0.00002, "en")
    ('p = 0,012', 'p < 0.001')
    """
    if p < 0.001:
        return "p < " + fmt_number(0.001, lang, 3)
    return "p = " + fmt_number(p, lang, 3)


def reason(row, lang: str = "de", *, baseline_weeks: int = 8, alpha: float = 0.05,
           restricted: bool = False) -> str:
    """The signal in words; ``restricted`` (guests: the view without the drug-checking page)
    without counts, shares, days and sites – what, which week, against what."""
    cat = load_substances()
    week = iso_label(pd.Timestamp(row["week"]), lang)
    name = cat.name(row["substance"], lang)
    kind = row["kind"]
    if restricted:
        sold = row.get("sold_as")
        return t(f"drugcheck.signal.{kind}_restricted", lang, substance=name, week=week,
                 weeks=baseline_weeks, alpha=fmt_alpha(alpha, lang),
                 sold_as=cat.name(sold, lang) if isinstance(sold, str) else "–")
    if kind == "first":
        day = pd.Timestamp(row["first_detected"])
        return t("drugcheck.signal.first", lang, substance=name,
                 day=day.strftime("%d.%m.%Y") if lang == "de" else day.date().isoformat(),
                 site=row.get("site") or "–", positive=int(row["positive"]),
                 tests=int(row["tests"]),
                 week=week)
    if kind == "rising":
        low, high = wilson(int(row["positive"]), int(row["tests"]))
        return t("drugcheck.signal.rising", lang, substance=name,
                 positive=int(row["positive"]), tests=int(row["tests"]), week=week, share=pct(row["share"], lang),
                 low=pct(low, lang).rstrip(" %"), high=pct(high, lang),
                 base_positive=int(row["baseline_positive"]),
                 base_tests=int(row["baseline_tests"]), weeks=baseline_weeks,
                 p=p_text(row["p_value"], lang), alpha=fmt_alpha(alpha, lang))
    return t("drugcheck.signal.sold_as", lang, substance=name,
             sold_as=cat.name(row["sold_as"], lang), positive=int(row["positive"]),
             tests=int(row["tests"]), week=week)
