"""Reminder e-mails to organisations whose delivery is overdue (#20): one message per
organisation to its accounts (active, with an e-mail address, allowed to see the city),
listing every overdue indicator. Each overdue delivery (organisation, indicator, due day,
:func:`lagebild.ops.completeness.reminder_key`) is told to an account once, recorded in
``notifications_sent`` with its audit row; the next run sends nothing new until another
delivery becomes overdue. Sent through the SMTP relay of ``LAGEBILD_SMTP_*`` (nothing
without a host), by ``lagebild erinnern`` (cron, e.g. every morning)."""

from __future__ import annotations

from datetime import date

from lagebild.alerts import notify
from lagebild.access import SYSTEM
from lagebild.i18n import t
from lagebild.measures.views import fmt_date
from lagebild.ops import completeness as comp
from lagebild.ops.views import city_completeness, days_text, indicator_label

UPLOAD_PAGE = "hochladen"


def plan(store, city: str, *, today: date, catalog, settings,
         lang: str = "de") -> list[notify.Delivery]:
    """The reminders due for ``city`` now (nothing is sent or written)."""
    late = comp.overdue(city_completeness(store, SYSTEM, city, today))
    if late.empty:
        return []
    had = set(map(tuple, store.notifications_sent(SYSTEM, city)[["notice_key", "username"]]
                  .itertuples(index=False, name=None)))
    link = f"{settings.app_url.rstrip('/')}/{UPLOAD_PAGE}"
    out = []
    for org, rows in late.groupby("organisation", sort=True):
        items = rows.to_dict("records")
        for acc in store.organisation_accounts(SYSTEM, city, org).itertuples(index=False):
            todo = [r for r in items if (comp.reminder_key(r), acc.username) not in had]
            if not todo:
                continue
            subject, body = compose(city, org, todo, catalog, link, lang)
            out.append(notify.Delivery(acc.username, acc.email, subject,
                                       [comp.reminder_key(r) for r in todo], body=body))
    return out


def compose(city: str, organisation: str, rows: list[dict], catalog, link: str,
            lang: str = "de") -> tuple[str, str]:
    """Subject and plain-text body of one organisation's reminder."""
    subject = t("ops.reminder.subject", lang, city=city, organisation=organisation)
    lines = [t("ops.reminder.intro", lang, city=city, organisation=organisation), ""]
    lines += [t("ops.reminder.item", lang, indicator=indicator_label(catalog, r["indicator"],
                                                                     lang),
                rhythm=t(f"ops.rhythm.{r['rhythm']}", lang),
                last_day=fmt_date(r["last_day"], lang), due=fmt_date(r["due"], lang),
                days=days_text(r["days_overdue"], lang)) for r in rows]
    lines += ["", t("ops.reminder.outro", lang, link=link)]
    return " ".join(subject.split()), "\n".join(lines)


def run(store, city: str, *, today: date, catalog, settings,
        dry_run: bool = False) -> list[notify.Delivery]:
    """Plan, send and record the reminders of ``city``; with ``dry_run`` (or without an SMTP
    host) only plan."""
    deliveries = plan(store, city, today=today, catalog=catalog, settings=settings,
                      lang=settings.language)
    if dry_run:
        return deliveries
    return notify.deliver(store, city, settings, deliveries)
