"""E-mail to the crisis team (#17, part 5): one message per new red signal and per rise of
the Lagestufe, through the city's SMTP relay (settings ``LAGEBILD_SMTP_*``; off without a
host).

- :func:`notices` (pure) turns the Ampel signals of the newest week into :class:`Notice`
  objects, each with a stable key (``red:<district>:<indicator>:<first week of the run>``,
  ``level:<week>:<level>``) so that a signal that stays red is told once, not every week.
- :func:`run` sends what each subscribed account has not had yet (crisis-team and admin
  accounts are subscribed unless they opted out; daily-digest subscribers get one message when
  ``digest=True``, i.e. ``lagebild notify --digest`` from cron), and records every message in
  ``notifications_sent`` and the audit log. Restricted accounts (``gast``) get the reason in
  the restricted wording: no person-related count 1…k−1.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

import pandas as pd

from lagebild.alerts import text as alert_text, views as alert_views, service as alerting
from lagebild.access import SYSTEM, role_allows
from lagebild.analytics.daily import district_of
from lagebild.analytics.trends import CITY, iso_label
from lagebild.alerts.daily_text import daily_lines, places_text
from lagebild.alerts.level import level
from lagebild.store import Store

ALERT_PAGE = "warnungen"       # url path of the alert list (crisis team, admin)
OVERVIEW_PAGE = "lagebild"     # the overview, for every role


@dataclass(frozen=True)
class Notice:
    key: str
    kind: str                  # "red" | "level"
    subject: str
    text: str                  # the reason in words (full or restricted wording)


@dataclass
class Delivery:
    username: str
    email: str
    subject: str
    keys: list[str]
    sent: bool = False
    error: str | None = None
    body: str = field(default="", repr=False)


def _run_start(signals: pd.DataFrame, district, indicator, week) -> pd.Timestamp:
    """First week of the run of yellow/red weeks of one series that ends in ``week``."""
    s = signals[(signals["district_id"] == district) & (signals["indicator"] == indicator)]
    hot = s.set_index("week")["colour"].isin(["yellow", "red"])
    start = pd.Timestamp(week)
    while hot.get(start - pd.Timedelta(days=7), False):
        start -= pd.Timedelta(days=7)
    return start


def _daily_notices(daily: pd.DataFrame, districts: pd.DataFrame, catalog, city: str,
                   k: int | None, lang: str) -> list[Notice]:
    """Spikes and clusters of the last 7 days: a cluster keyed by indicator, centre and start
    day, a spike by indicator, place, rule and day – each is told once."""
    out = []
    names = alert_views.names_with_city(districts, lang)
    for row, (kind, text) in zip(daily.to_dict("records"),
                                 daily_lines(daily, districts, catalog, lang, k)):
        place = district_of(row["district_ids"])
        start = pd.Timestamp(row["start_day"])
        label = catalog[row["indicator"]].label(lang)
        if kind == "cluster":
            key = f"cluster:{row['indicator']}:{row['centre_id']}:{start:%Y-%m-%d}"
            where = places_text(row["district_ids"], names, lang)
            subject = f"Lagebild {city}: Häufung – {label} {where}"
        elif kind == "ears":
            key = f"ears:{row['indicator']}:{place}:{start:%Y-%m-%d}"
            subject = (f"Lagebild {city}: auffällig erhöht – {label} "
                       f"{alert_text.place(place, names, lang)}")
        else:
            key = (f"spike:{row['indicator']}:{place}:{row['hours']}:"
                   f"{pd.Timestamp(row['end_day']):%Y-%m-%d}")
            subject = (f"Lagebild {city}: Spitze – {label} "
                       f"{alert_text.place(place, names, lang)}")
        out.append(Notice(key, kind, subject, text))
    return out


def notices(signals: pd.DataFrame, districts: pd.DataFrame, catalog, config, city: str,
            k: int | None = None, lang: str = "de",
            daily: pd.DataFrame | None = None) -> list[Notice]:
    """What to tell about ``city``: every red cell of the newest signal week (keyed by the
    start of its yellow/red run), every daily spike and cluster of the last 7 days (#17),
    and a rise of the Lagestufe against the week before. ``k``: restricted wording (no
    person-related count 1…k−1)."""
    out = [] if daily is None else _daily_notices(daily, districts, catalog, city, k, lang)
    week = alerting.latest_week(signals)
    if week is None:
        return out
    names = alert_views.names_with_city(districts, lang)
    cells = signals[(signals["week"] == week) & (signals["colour"] == "red")]
    for _, reason, row in alert_views.reason_lines(cells, districts, catalog, lang, k):
        district = "city" if row["district_id"] == CITY else int(row["district_id"])
        start = _run_start(signals, row["district_id"], row["indicator"], week)
        label = catalog[row["indicator"]].label(lang)
        where = alert_text.place(row["district_id"], names, lang)
        out.append(Notice(f"red:{district}:{row['indicator']}:{start:%Y-%m-%d}", "red",
                          f"Lagebild {city}: rot – {label} {where}, {iso_label(week, lang)}",
                          reason))
    now = level(signals, week, config, daily)
    before = level(signals, week - pd.Timedelta(days=7), config)
    if now.level > before.level:
        labels = {i.key: i.label(lang) for i in catalog}
        heading, reason = alert_text.level_texts(now, week, names, labels, lang)
        out.append(Notice(f"level:{week:%Y-%m-%d}:{now.level}", "level",
                          f"Lagebild {city}: {heading} (vorher Lagestufe {before.level})",
                          reason))
    return out


def _clean_header(text: str) -> str:
    return " ".join(str(text).split())[:200]


def compose(city: str, items: list[Notice], link: str, digest: bool = False) -> tuple[str, str]:
    """(subject, plain-text body) of one message."""
    if digest or len(items) > 1:
        subject = f"Lagebild {city}: {len(items)} neue Warnungen (Tageszusammenfassung)"
    else:
        subject = items[0].subject
    lines = [f"Lagebild {city} – neue Warnungen:" if len(items) > 1 else f"Lagebild {city}:", ""]
    lines += [f"- {n.text}" for n in items] if len(items) > 1 else [items[0].text]
    lines += ["", f"Mehr im Lagebild: {link}", "",
              "Diese Nachricht kommt automatisch von Lagebild. Abbestellen: im Lagebild in der "
              "Seitenleiste unter „E-Mail-Benachrichtigung“."]
    return _clean_header(subject), "\n".join(lines)


def send(settings, deliveries: list[Delivery]) -> None:
    """Send the messages through the configured SMTP relay; failures are kept per message."""
    if not deliveries:
        return
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            for d in deliveries:
                _send_one(smtp, settings, d)
    except (OSError, smtplib.SMTPException) as exc:      # connection, TLS or login failed
        for d in deliveries:
            if not d.sent and d.error is None:
                d.error = (f"SMTP-Server {settings.smtp_host}:{settings.smtp_port} nicht "
                           f"erreichbar oder Anmeldung abgelehnt ({type(exc).__name__}: {exc})")


def _send_one(smtp, settings, d: Delivery) -> None:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = d.email
    msg["Subject"] = d.subject
    msg["Message-ID"] = make_msgid(domain="lagebild")
    msg.set_content(d.body)
    try:
        smtp.send_message(msg)
        d.sent = True
    except smtplib.SMTPRecipientsRefused as exc:
        d.error = f"Empfänger abgelehnt: {exc}"


def plan(store: Store, city: str, *, settings, catalog, config,
         digest: bool = False) -> list[Delivery]:
    """The messages due for ``city`` now (nothing is sent or written)."""
    signals = alerting.load_signals(store, SYSTEM, city)
    daily = alerting.load_daily(store, SYSTEM, city)
    if alerting.is_stale(store, SYSTEM, city, catalog, config):
        signals = alerting.compute(store, SYSTEM, city, catalog, config)
        daily = alerting.compute_daily(store, SYSTEM, city, config)
    districts = store.districts(SYSTEM, city)
    full = notices(signals, districts, catalog, config, city, daily=daily)
    restricted = notices(signals, districts, catalog, config, city, k=settings.small_count_k,
                         daily=daily)
    sent = store.notifications_sent(SYSTEM, city)
    had = set(zip(sent["notice_key"], sent["username"]))
    base = settings.app_url.rstrip("/")
    out = []
    for r in store.notification_recipients(SYSTEM, city).itertuples(index=False):
        if not r.enabled or bool(r.digest) != digest:
            continue
        mine = full if role_allows(r.role, "data.rows") else restricted
        page = ALERT_PAGE if role_allows(r.role, "alerts.view") else OVERVIEW_PAGE
        todo = [n for n in mine if (n.key, r.username) not in had]
        groups = [todo] if (digest and todo) else [[n] for n in todo]
        for group in groups:
            subject, body = compose(city, group, f"{base}/{page}", digest)
            out.append(Delivery(r.username, r.email, subject, [n.key for n in group],
                                body=body))
    return out


def run(store: Store, city: str, *, settings, catalog, config, dry_run: bool = False,
        digest: bool = False) -> list[Delivery]:
    """Plan, send and record the messages of ``city``; with ``dry_run`` only plan."""
    deliveries = plan(store, city, settings=settings, catalog=catalog, config=config,
                      digest=digest)
    if dry_run:
        return deliveries
    return deliver(store, city, settings, deliveries)


def deliver(store: Store, city: str, settings, deliveries: list[Delivery]) -> list[Delivery]:
    """Send planned messages and record each one sent, so it does not go twice (alerts,
    reminders, substance warnings); without an SMTP host nothing is sent or recorded."""
    if not settings.smtp_host:
        return deliveries
    send(settings, deliveries)
    for d in deliveries:
        if d.sent:
            store.record_notification(SYSTEM, city, d.username, d.keys, d.subject)
    return deliveries


def after_import(store: Store, city: str, *, settings, catalog) -> list[Delivery]:
    """Right after an import (browser upload, ``lagebild ingest``): refresh the city's weekly
    and daily signals and send what became due. Quiet (returns []) without an SMTP host or
    with an invalid ``alerts.toml`` (the next page view shows that error); never raises into
    the import, whose data are already committed."""
    from lagebild.alerts.config import AlertConfigError, load_alert_config
    alerting.refresh_after_change(store, SYSTEM, city, catalog)
    if not settings.smtp_host:
        return []
    try:
        config = load_alert_config(catalog=catalog)
        return run(store, city, settings=settings, catalog=catalog, config=config)
    except (AlertConfigError, OSError, smtplib.SMTPException):
        return []
