"""A Substanzwarnung by e-mail (#18): when the crisis team creates a warning, changes it or
withdraws it, every account of the city with an e-mail address gets one German message
(``Store.warning_recipients``: outreach accounts too, unless the account switched the city's
e-mails off), through the SMTP relay of ``LAGEBILD_SMTP_*`` (nothing without a host).

Each message is recorded in ``notifications_sent`` under ``warning:<id>:<revision>``
(``warning:<id>:withdrawn``), with its audit row: a revision goes to an account once, however
often the page is reloaded.
"""

from __future__ import annotations

from lagebild.access import SYSTEM
from lagebild.alerts import notify
from lagebild.drugcheck import warnings as w
from lagebild.drugcheck.substances import load_substances

WARNINGS_PAGE = "substanzwarnungen"     # url path of the page (every role)


def notice_key(warning: w.SubstanceWarning) -> str:
    if warning.withdrawn_at is not None:
        return f"warning:{warning.warning_id}:withdrawn"
    return f"warning:{warning.warning_id}:{warning.revision}"


def compose(city: str, warning: w.SubstanceWarning, link: str) -> tuple[str, str]:
    """(subject, plain-text body) in German: what, where, since, until, what to do, link."""
    name = load_substances().name(warning.substance, "de")
    if warning.withdrawn_at is not None:
        kind, intro = "zurückgezogen", "Die folgende Substanzwarnung ist zurückgezogen und " \
                                       "gilt nicht mehr:"
    elif warning.revision > 1:
        kind, intro = "geändert", "Die Substanzwarnung wurde geändert (neuer Stand):"
    else:
        kind, intro = "", "Der Krisenstab warnt:"
    subject = f"Substanzwarnung {city}{' ' + kind if kind else ''}: {name} – {warning.title}"
    lines = [f"Lagebild {city} – {intro}", "", warning.title, "",
             f"Substanz:   {name}", f"Wo:         {warning.location}",
             f"Seit:       {w.fmt_day(warning.since)}",
             f"Gültig bis: {w.fmt_day(warning.valid_until)}"]
    if warning.advice and warning.withdrawn_at is None:
        lines += ["", "Was tun:", *(f"- {line}" for line in warning.advice)]
    lines += ["", f"Die Warnung im Lagebild, zum Ausdrucken als PDF (deutsch, Leichte Sprache "
                  f"und weitere Sprachen): {link}", "",
              "Diese Nachricht kommt automatisch von Lagebild. Abbestellen: im Lagebild in der "
              "Seitenleiste unter „E-Mail-Benachrichtigung“."]
    return " ".join(subject.split())[:200], "\n".join(lines)


def plan(store, city: str, warning_id: int, *, settings) -> list[notify.Delivery]:
    """The messages about warning ``warning_id`` due now (nothing sent or written)."""
    rows = store.substance_warnings(SYSTEM, city)
    found = [x for x in w.from_frames(rows) if x.warning_id == int(warning_id)]
    if not found:
        return []
    warning, key = found[0], notice_key(found[0])
    sent = store.notifications_sent(SYSTEM, city)
    had = set(sent.loc[sent["notice_key"] == key, "username"])
    link = f"{settings.app_url.rstrip('/')}/{WARNINGS_PAGE}"
    subject, body = compose(city, warning, link)
    return [notify.Delivery(r.username, r.email, subject, [key], body=body)
            for r in store.warning_recipients(SYSTEM, city).itertuples(index=False)
            if r.username not in had]


def run(store, city: str, warning_id: int, *, settings) -> list[notify.Delivery]:
    """Plan, send and record the messages about one warning; without an SMTP host nothing
    is sent (the plan is returned, nothing recorded)."""
    deliveries = plan(store, city, warning_id, settings=settings)
    return notify.deliver(store, city, settings, deliveries)

