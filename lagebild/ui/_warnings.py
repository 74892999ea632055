"""Page helpers: Substanzwarnungen (#18) — the red boxes on every start page, the page
"Substanzwarnungen" (create by hand or from a drug-checking signal, change, withdraw, texts
per language) and the e-mail after each write. Every value from data reaches Markdown only
through ``md`` (user-entered text: no links, HTML or emphasis)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Callable

import pandas as pd
import streamlit as st

from lagebild import clock
from lagebild.drugcheck import warnings as w
from lagebild.store import StoreError
from lagebild.ui._core import actor, cached_read, lang, md, may, settings, store, t, tm

PREFILL_KEY = "warning_prefill"
ROUND_KEY = "warning_form_round"
SELECTED_KEY = "warning_selected"           # the page's choice of the warning to edit
NEXT_KEY = "warning_selected_next"          # … to show after a creation (set before rerun)


def substance_warnings(city: str) -> list[w.SubstanceWarning]:
    """Every warning of the city (newest first) with its texts in further languages."""
    return w.from_frames(cached_read("substance_warnings", city),
                         cached_read("substance_warning_texts", city))


def active_substance_warnings(city: str) -> list[w.SubstanceWarning]:
    """The warnings in force today (``lagebild.clock``); empty without the right to see them."""
    if not may("warnings.view"):
        return []
    return w.active(substance_warnings(city), clock.today())


def today() -> date:
    """Today by the one clock (the form's default "since")."""
    return clock.today()


def default_valid_until() -> date:
    """The form's default end: today + ``drugcheck.warnings.DEFAULT_DAYS``."""
    return clock.today() + timedelta(days=w.DEFAULT_DAYS)


def substance_name(key: str) -> str:
    from lagebild.drugcheck.substances import load_substances
    return load_substances().name(key, lang())


def substance_options() -> dict[str, str]:
    """Catalogue key → name of every substance (selection list of the form)."""
    from lagebild.drugcheck.substances import load_substances
    return {k: load_substances().name(k, lang()) for k in load_substances().substances}


def warning_languages(city: str) -> dict[str, str]:
    """Code → name (German name and own name) of every language a warning can have a text
    in besides German: the shipped ones (Leichte Sprache, English) and the city's own."""
    from lagebild.ui._warning_languages import warning_templates
    return {code: tpl.name_de if tpl.name == tpl.name_de else f"{tpl.name_de} – {tpl.name}"
            for code, tpl in warning_templates(city).items() if code != w.SOURCE}


def warning_pdf(city: str, warning: w.SubstanceWarning, code: str) -> Callable[[], bytes]:
    """The one-page A4 PDF of ``warning`` in language ``code`` as a deferred callable for
    ``st.download_button`` (warning, template and date bound now)."""
    from lagebild.drugcheck.warning_pdf import render_pdf
    from lagebild.ui._warning_languages import warning_templates
    template, today = warning_templates(city)[code], clock.today()
    return lambda: render_pdf(w.sheet_for(warning, template, city, today))


def warning_downloads(city: str, warning: w.SubstanceWarning) -> dict:
    """The PDF buttons of one warning: ``buttons`` (label, data callable, file name, key) for
    German and every language with a text, ``missing`` – for who may edit: a caption naming
    the languages without a text yet (empty when there are none)."""
    from lagebild.ui._warning_languages import warning_templates
    templates = warning_templates(city)
    codes = w.printable(warning, templates)
    named = {c: tpl.name_de if lang() == "de" else tpl.name        # endonyms in English
             for c, tpl in templates.items()}
    buttons = [{"label": t("warnings.pdf.download", language=named[c]),
                "data": warning_pdf(city, warning, c),
                "file_name": f"substanzwarnung-{warning.warning_id}-{c}.pdf",
                "key": f"warning_pdf_{warning.warning_id}_{c}"} for c in codes]
    missing = [named[c] for c in templates if c not in codes] \
        if may("warnings.edit") else []               # a hint for who can add the text
    return {"buttons": buttons,
            "missing": tm("warnings.pdf.none", languages=", ".join(missing)) if missing else ""}


def fmt_day(day) -> str:
    return w.fmt_day(day, "%d.%m.%Y" if lang() == "de" else "%Y-%m-%d")


def warning_box(warning: w.SubstanceWarning) -> str:
    """The red box of one warning as Markdown, every value escaped."""
    head = tm("warnings.box.head", substance=substance_name(warning.substance),
              title=warning.title)
    facts = tm("warnings.box.facts", location=warning.location,
               since=fmt_day(warning.since), valid_until=fmt_day(warning.valid_until))
    advice = "\n".join(f"- {md(line)}" for line in warning.advice)
    return f"{head}  \n{facts}" + (f"\n\n{advice}" if advice else "")


def show_warning_boxes(city: str, warnings: list[w.SubstanceWarning]) -> None:
    """The red box of each warning with its PDF buttons (start page and warnings page)."""
    for warning in warnings:
        with st.container(key=f"warning_box_{warning.warning_id}"):
            st.error(warning_box(warning), icon=":material/warning:")
            pdfs = warning_downloads(city, warning)
            for col, pdf in zip(st.columns(max(len(pdfs["buttons"]), 4)), pdfs["buttons"]):
                col.download_button(pdf["label"], data=pdf["data"], file_name=pdf["file_name"],
                                    mime="application/pdf", key=pdf["key"], on_click="ignore")
            if pdfs["missing"]:
                st.caption(pdfs["missing"])


def warning_label(warning: w.SubstanceWarning) -> str:
    """One line for selection lists (plain text)."""
    return (f"{warning.warning_id} · {substance_name(warning.substance)}: {warning.title} "
            f"({t(f'warnings.state.{warning.state(clock.today())}')})")


def warning_table(warnings: list[w.SubstanceWarning]) -> pd.DataFrame:
    """The warnings as a table: substance, title, where, since, valid until, state, by."""
    today = clock.today()
    rows = [{t("warnings.col.id"): x.warning_id,
             t("warnings.col.substance"): substance_name(x.substance),
             t("warnings.col.title"): x.title, t("warnings.col.location"): x.location,
             t("warnings.col.since"): fmt_day(x.since),
             t("warnings.col.valid_until"): fmt_day(x.valid_until),
             t("warnings.col.state"): t(f"warnings.state.{x.state(today)}"),
             t("warnings.col.languages"): ", ".join(x.languages()),
             t("warnings.col.created_by"): x.created_by} for x in warnings]
    return pd.DataFrame(rows)


def warnings_page(city: str) -> dict:
    """What the page shows: ``active`` (in force today), ``open`` (id → warning not withdrawn
    and not expired: what may be edited) with ``open_labels``, ``past`` (expired or
    withdrawn, as a table)."""
    every, today = substance_warnings(city), clock.today()
    past = [x for x in every if x.state(today) in ("expired", "withdrawn")]
    editable = {x.warning_id: x for x in every if x.state(today) in ("active", "upcoming")}
    return {"active": w.active(every, today), "open": editable,
            "open_labels": {i: warning_label(x) for i, x in editable.items()},
            "past": warning_table(past)}


# --------------------------------------------------------------------- from a signal
def warning_signals(city: str, week=None) -> tuple[object, list[dict]]:
    """(week, signals) of ``week`` (default: the newest week with drug-checking results): the
    signals a warning can be made from, each a dict with its ``reason`` in words (German,
    the language a warning is written in)."""
    from lagebild.ui._drugcheck import drug_tests, drugcheck_weeks
    from lagebild.drugcheck.alerts import load_config, week_signals
    weeks = drugcheck_weeks(city)
    if week is None and not weeks:
        return None, []
    week, tests = weeks[0] if week is None else week, drug_tests(city)
    upto = tests[(pd.to_datetime(tests["date"]) < pd.Timestamp(week) + pd.Timedelta(days=7)
                  ).to_numpy()]
    rows = week_signals(upto, week, load_config(), "de").to_dict("records")
    return week, rows


def prefill_from_signal(city: str, index: int, week=None) -> None:
    """Fill the form of a new warning from signal ``index`` of :func:`warning_signals`
    (the page "Substanzwarnungen" shows it filled next)."""
    from lagebild.ui._drugcheck import drug_tests
    week, rows = warning_signals(city, week)
    if not 0 <= index < len(rows):
        return
    form = w.from_signal(rows[index], drug_tests(city), city=city)
    if form["valid_until"] < clock.today():      # an old signal: at least two weeks from today
        form["valid_until"] = clock.today() + timedelta(days=14)
    st.session_state[PREFILL_KEY] = form
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1


def select_warning(options) -> None:
    """Before the page's choice of a warning is drawn: choose the one just created."""
    chosen = st.session_state.pop(NEXT_KEY, None)
    if chosen in options:
        st.session_state[SELECTED_KEY] = chosen


def warning_prefill() -> dict:
    """The values of the new-warning form (empty, or filled from a signal)."""
    return dict(st.session_state.get(PREFILL_KEY) or {})


def new_warning_form_key() -> str:
    """A fresh key after each prefill or creation, so the form shows the new values."""
    return f"warning_new_{st.session_state.get(ROUND_KEY, 0)}"


# --------------------------------------------------------------------- writes
def _mail(city: str, warning_id: int) -> str:
    """Send the e-mail about a warning's new state; a line for the confirmation."""
    from lagebild.drugcheck import warning_mail
    if not settings().smtp_host:
        return ""
    deliveries = warning_mail.run(store(), city, warning_id, settings=settings())
    sent = sum(d.sent for d in deliveries)
    failed = [d for d in deliveries if d.error]
    line = " " + t("warnings.mail.sent", n=sent)
    if failed:
        line += " " + t("warnings.mail.failed", n=len(failed), error=failed[0].error)
    return line


def create_warning(city: str, fields: dict) -> tuple[str | None, str]:
    """Create a warning (a prefill from a signal brings its source); (German error or None,
    confirmation with the e-mail line)."""
    source = warning_prefill()
    try:
        warning_id = store().add_substance_warning(
            actor(), city, source=source.get("source"),
            source_reason=source.get("source_reason"), **fields)
    except StoreError as exc:
        return str(exc), ""
    st.session_state.pop(PREFILL_KEY, None)
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
    st.session_state[NEXT_KEY] = warning_id        # edit it next: texts in further languages
    return None, t("warnings.page.created", title=fields["title"]) + _mail(city, warning_id)


def update_warning(city: str, warning_id: int, fields: dict) -> tuple[str | None, str]:
    try:
        changed = store().update_substance_warning(actor(), city, int(warning_id), **fields)
    except StoreError as exc:
        return str(exc), ""
    names = ", ".join(t(f"warnings.col.{c}") for c in changed)
    return None, t("warnings.page.saved", fields=names) + _mail(city, int(warning_id))


def withdraw_warning(city: str, warning_id: int, reason: str) -> tuple[str | None, str]:
    try:
        store().withdraw_substance_warning(actor(), city, int(warning_id), reason)
    except StoreError as exc:
        return str(exc), ""
    return None, t("warnings.page.withdrawn") + _mail(city, int(warning_id))


def save_warning_text(city: str, warning_id: int, language: str, title: str, location: str,
                      advice: str) -> tuple[str | None, str]:
    try:
        store().set_substance_warning_text(actor(), city, int(warning_id), language,
                                           title=title, location=location, advice=advice)
    except StoreError as exc:
        return str(exc), ""
    return None, t("warnings.page.text_saved", language=language)


def warning_text_values(warning: w.SubstanceWarning, language: str) -> dict:
    """Current title/location/advice of ``warning`` in ``language`` (empty when missing)."""
    text = warning.texts.get(language)
    if text is None:
        return {"title": "", "location": "", "advice": ""}
    return {"title": text.title, "location": text.location, "advice": "\n".join(text.advice)}


def warning_values(warning: w.SubstanceWarning) -> dict:
    return {"substance": warning.substance, "title": warning.title,
            "location": warning.location, "since": warning.since,
            "valid_until": warning.valid_until, "advice": "\n".join(warning.advice)}
