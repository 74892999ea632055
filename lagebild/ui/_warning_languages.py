"""Page helpers: the languages of the Substanzwarnung (#18) — the list, the editor a city
uses to add Arabic, Farsi, … (prefilled from the English template, translated field by
field) and a sample PDF per language. ``warning_language_editor(city)`` renders all of it;
the warnings page calls it. The fields and checks are ``lagebild.drugcheck.languages``."""

from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from lagebild import clock
from lagebild.drugcheck import languages
from lagebild.store import StoreError
from lagebild.ui._core import actor, cached_read, may, md, store, t, table, tm

__all__ = ["warning_templates", "warning_language_table", "warning_language_preview",
           "save_warning_language", "delete_warning_language", "warning_language_editor"]

NEW = "__new__"
FLASH = "warnlang_flash"
NEXT = "warnlang_next_choice"      # the choice to show after a save/delete (set before rerun)
DIRECTIONS = {"auto": None, "ltr": False, "rtl": True}


def warning_templates(city: str) -> dict[str, languages.Template]:
    """Every language the city's warnings print in: shipped (de, de-LS, en), then the
    city's own, by code."""
    return languages.templates_for(cached_read("warning_languages", city))


def warning_language_table(city: str) -> pd.DataFrame:
    """One row per language: code, name, name in German, direction, source, changed by."""
    rows = cached_read("warning_languages", city).set_index("code")["updated_by"]
    return pd.DataFrame([{
        t("warnlang.col_code"): tpl.code, t("warnlang.col_name"): tpl.name,
        t("warnlang.col_name_de"): tpl.name_de,
        t("warnlang.col_direction"): t("warnlang.rtl" if tpl.rtl else "warnlang.ltr"),
        t("warnlang.col_source"): t("warnlang.shipped" if tpl.shipped else "warnlang.city"),
        t("warnlang.col_updated_by"): "" if tpl.shipped else rows.get(tpl.code, ""),
    } for tpl in warning_templates(city).values()])


def warning_language_preview(city: str, code: str) -> Callable[[], bytes]:
    """The sample page of language ``code`` as a deferred callable for
    ``st.download_button`` (template and date bound now: the callable runs outside the
    script run)."""
    from lagebild.drugcheck.warning_pdf import render_pdf
    template, today = warning_templates(city)[code], clock.today()
    return lambda: render_pdf(languages.sample_sheet(template, city=city, today=today))


def save_warning_language(city: str, fields: dict) -> str | None:
    """Store a city language; the German error text (naming the fields) or None."""
    try:
        store().save_warning_language(actor(), city, fields)
    except StoreError as exc:
        return str(exc)
    return None


def delete_warning_language(city: str, code: str) -> str | None:
    try:
        store().delete_warning_language(actor(), city, code)
    except StoreError as exc:
        return str(exc)
    return None


def warning_language_editor(city: str) -> None:
    """The list of languages, a choice of one (or a new one), its form when the user may
    edit languages (``warnings.languages``) and its sample PDF."""
    st.subheader(t("warnlang.heading"))
    st.caption(t("warnlang.intro"))
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(md(message))
    table(warning_language_table(city), key="warnlang_table")
    templates = warning_templates(city)
    editable = may("warnings.languages")
    options = list(templates) + ([NEW] if editable else [])
    if NEXT in st.session_state:
        chosen = st.session_state.pop(NEXT)
        st.session_state["warnlang_choice"] = chosen if chosen in options else options[0]
    code = st.selectbox(t("warnlang.choose"), options, key="warnlang_choice",
                        format_func=lambda c: t("warnlang.new") if c == NEW
                        else f"{templates[c].name_de} ({c})")
    if code != NEW:
        st.download_button(tm("warnlang.preview", name=templates[code].name_de),
                           data=warning_language_preview(city, code),
                           file_name=t("warnlang.preview_file", code=code),
                           mime="application/pdf", key=f"warnlang_preview_{code}",
                           on_click="ignore")
    if code != NEW and templates[code].shipped:
        st.info(tm("warnlang.shipped_note", name=templates[code].name_de))
        return
    if not editable:
        return
    _form(city, templates.get(code), templates["en"])
    if code != NEW:
        _delete(city, code)


def _form(city: str, current: languages.Template | None, english: languages.Template) -> None:
    """The fields of one language; a new one starts with the English template's text."""
    base = current or english
    key = f"warnlang_form_{current.code if current else NEW}"
    with st.form(key):
        c1, c2, c3 = st.columns([1, 2, 2])
        code = c1.text_input(t("warnlang.field.code"), current.code if current else "",
                             disabled=current is not None, help=t("warnlang.code_help"),
                             key=f"{key}_code")
        name = c2.text_input(t("warnlang.field.name"), current.name if current else "",
                             key=f"{key}_name")
        name_de = c3.text_input(t("warnlang.field.name_de"),
                                current.name_de if current else "", key=f"{key}_name_de")
        direction = st.radio(t("warnlang.direction"), list(DIRECTIONS), horizontal=True,
                             index=(2 if current.rtl else 1) if current else 0,
                             format_func=lambda d: t(f"warnlang.{d}"), key=f"{key}_dir")
        heading = st.text_input(t("warnlang.field.heading"), base.heading,
                                help=_reference(english.heading), key=f"{key}_heading")
        labels = {}
        cols = st.columns(2)
        for i, label in enumerate(languages.LABEL_KEYS):
            labels[label] = cols[i % 2].text_input(
                t(f"warnlang.label.{label}"), base.labels.get(label, ""),
                help=_reference(english.labels.get(label, "")), key=f"{key}_label_{label}")
        advice = st.text_area(t("warnlang.field.advice"), "\n".join(base.advice), height=160,
                              help=t("warnlang.advice_help") + "\n\n"
                              + _reference(" / ".join(english.advice)), key=f"{key}_advice")
        footer = st.text_input(t("warnlang.field.footer"), base.footer,
                               help=_reference(english.footer), key=f"{key}_footer")
        d1, d2 = st.columns([1, 3])
        date_format = d1.text_input(t("warnlang.field.date_format"), base.date_format,
                                    help=t("warnlang.date_help"), key=f"{key}_date_format")
        months = d2.text_input(t("warnlang.field.months"), ", ".join(base.months),
                               help=t("warnlang.months_help"), key=f"{key}_months")
        submitted = st.form_submit_button(t("warnlang.save"), type="primary",
                                          key=f"{key}_submit")
    if not submitted:
        return
    fields = {"code": current.code if current else code, "name": name, "name_de": name_de,
              "rtl": DIRECTIONS[direction], "heading": heading, "labels": labels,
              "advice": advice, "footer": footer, "date_format": date_format,
              "months": months}
    problem = save_warning_language(city, fields)
    if problem:
        st.error(md(problem))
        return
    st.session_state[FLASH] = t("warnlang.saved", code=fields["code"].strip())
    st.session_state[NEXT] = fields["code"].strip()
    st.rerun()


def _reference(text: str) -> str:
    return t("warnlang.reference", text=text)


def _delete(city: str, code: str) -> None:
    confirm = st.checkbox(t("warnlang.delete_confirm", code=code),
                          key=f"warnlang_delete_confirm_{code}")
    if st.button(t("warnlang.delete"), disabled=not confirm, key=f"warnlang_delete_{code}"):
        problem = delete_warning_language(city, code)
        if problem:
            st.error(md(problem))
            return
        st.session_state[FLASH] = t("warnlang.deleted", code=code)
        st.session_state[NEXT] = "de"
        st.rerun()
