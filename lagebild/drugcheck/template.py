"""The upload template for test results (CSV): the header and three example rows.

The example rows carry sample codes ``BEISPIEL-…`` (``EXAMPLE-…``), which the upload
rejects, so a template uploaded unchanged imports nothing. German: ``;`` and 16.11.2026;
English: ``,`` and ISO dates — as the indicator templates.

>>> print(csv_template(["DC Mitte"], "de", date(2026, 11, 16)).decode("utf-8-sig"))
datum;ort;probe;verkauft_als;methode;substanz;ergebnis
16.11.2026;DC Mitte;BEISPIEL-1;Heroin;Schnelltest-Streifen;Fentanyl;negativ
16.11.2026;DC Mitte;BEISPIEL-1;Heroin;Schnelltest-Streifen;Nitazene;positiv
16.11.2026;DC Mitte;BEISPIEL-2;Kokain;FTIR-Spektroskopie;Kokain;positiv
<BLANKLINE>
"""

from __future__ import annotations

import csv
import io
from datetime import date

from lagebild.i18n import t
from lagebild.drugcheck.parse import COLUMNS, column_name
from lagebild.drugcheck.substances import load_substances

EXAMPLES = (("1", "heroin", "schnelltest", "fentanyl", "negativ"),
            ("1", "heroin", "schnelltest", "nitazene", "positiv"),
            ("2", "kokain", "ftir", "kokain", "positiv"))
RESULT_WORDS = {"en": {"positiv": "positive", "negativ": "negative"}}


def csv_template(sites: list[str], lang: str, today: date) -> bytes:
    cat = load_substances()
    site = sites[0] if sites else t("drugcheck.template.site", lang)
    day = today.strftime("%d.%m.%Y") if lang == "de" else today.isoformat()
    marker = "BEISPIEL" if lang == "de" else "EXAMPLE"
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";" if lang == "de" else ",", lineterminator="\n")
    w.writerow([column_name(c, lang) for c in COLUMNS])
    for n, sold, method, substance, result in EXAMPLES:
        w.writerow([day, site, f"{marker}-{n}", cat.name(sold, lang), cat.name(method, lang),
                    cat.name(substance, lang), RESULT_WORDS.get(lang, {}).get(result, result)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
