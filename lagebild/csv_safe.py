"""CSV injection (OWASP "CSV Injection"): the one rule for every CSV a user downloads
(exports, the audit log, the error list of an upload).

A text cell is prefixed with ``'`` when a spreadsheet could take it as a formula or a DDE
call: it starts — after any leading blanks (space, no-break space, ideographic space, tab,
CR, LF) — with ``=``, ``+``, ``-``, ``@``, ``|`` or ``%``, or with one of their full-width or
small forms (``＝ ＋ － ＠ ｜ ％``, ``﹦ ﹢ ﹣ ﹫``) or the minus sign ``−``, which Excel
normalises in some locales; a cell that starts with tab, CR or LF is prefixed too. Numbers
(numeric columns) stay numbers; the apostrophe is what Excel shows as "text".

>>> [neutralise(v) for v in ("=1+1", " =1+1", "＝1+1", "|calc", "\\t@SUM(A1)", "Altstadt", 7)]
["'=1+1", "' =1+1", "'＝1+1", "'|calc", "'\\t@SUM(A1)", 'Altstadt', 7]
"""

from __future__ import annotations

FORMULA_START = frozenset("=+-@|%\t\r\n" "＝＋－＠｜％" "﹦﹢﹣﹫" "−")
_BLANKS = " \u00a0\u3000\t\r\n"


def neutralise(value):
    """``value`` with a leading ``'`` if a spreadsheet could run it (see module docstring)."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_START or value.lstrip(_BLANKS)[:1] in FORMULA_START:
        return "'" + value
    return value
