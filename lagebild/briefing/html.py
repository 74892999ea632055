"""The briefing as one self-contained HTML file (e-mail, intranet).

Images are inlined as ``data:`` URIs, the styles are inline, and a Content-Security-Policy
forbids every external request; every value is HTML-escaped.
"""

from __future__ import annotations

import base64
from html import escape

from lagebild.briefing.model import Briefing, Section

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:14px;line-height:1.45;color:#111;
max-width:60em;margin:1.5em auto;padding:0 1em}
h1{font-size:1.6em;margin:0 0 .4em}h2{font-size:1.2em;margin:1.6em 0 .4em;
border-bottom:1px solid #999}
dl.facts{display:grid;grid-template-columns:12em auto;gap:.15em .8em}dl.facts dt{font-weight:bold}
dl.facts dd{margin:0}
.level{padding:.6em .9em;margin:1em 0;background:#f2f2f2}
.level-0{border:1px solid #333}.level-1{border:2px solid #333}
.level-2{border:3px solid #222;background:#e4e4e4}
.level-3{border:5px double #000;background:#d6d6d6}
.level strong{font-size:1.15em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #888;
padding:.25em .4em;text-align:left;vertical-align:top}th{background:#e6e6e6}
img{max-width:100%;height:auto;display:block;margin:.5em auto}
.note{font-size:.85em;color:#333}footer{margin-top:2em;font-size:.85em;color:#333}
@media print{h2{break-after:avoid}img{break-inside:avoid}}
"""


def _e(value) -> str:
    return escape(str(value), quote=True)


def render(briefing: Briefing) -> str:
    """The complete HTML document as text (UTF-8)."""
    parts = [f'<!DOCTYPE html>\n<html lang="{_e(briefing.lang)}"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
             '<meta name="referrer" content="no-referrer">',
             f"<title>{_e(briefing.title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{_e(briefing.title)}</h1>", '<dl class="facts">']
    parts += [f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in briefing.facts]
    parts.append("</dl>")
    level = max(0, min(3, int(briefing.level)))
    parts.append(f'<div class="level level-{level}" role="status"><strong>'
                 f"{_e(briefing.level_heading)}</strong><br>{_e(briefing.level_reason)}</div>")
    parts += [_section(s) for s in briefing.sections]
    parts.append(f"<footer>{_e(briefing.footer)}</footer></body></html>")
    return "\n".join(parts)


def _section(s: Section) -> str:
    out = [f'<section id="{_e(s.key)}"><h2>{_e(s.heading)}</h2>']
    out += [f"<p>{_e(p)}</p>" for p in s.paragraphs]
    if s.bullets:
        out.append("<ul>" + "".join(f"<li>{_e(b)}</li>" for b in s.bullets) + "</ul>")
    if s.table is not None and s.table.rows:
        head = "".join(f"<th>{_e(c)}</th>" for c in s.table.columns)
        body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                       for row in s.table.rows)
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    for alt, png in s.images:
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">')
    out += [f'<p class="note">{_e(n)}</p>' for n in s.notes]
    out.append("</section>")
    return "\n".join(out)
