"""View models of measures and meetings: frames → what the pages and the briefing show.

Pure functions (no Streamlit, no database); every label translated
(``strings/measures.toml``), dates as dd.mm.yyyy (de) or yyyy-mm-dd (en).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagebild.analytics.trends import CITY, iso_label
from lagebild.i18n import fmt_number, fmt_percent, t
from lagebild.measures.model import IN_EFFECT, OPEN, due_state


def fmt_date(value, lang: str = "de") -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "–"
    return pd.Timestamp(value).strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")


def status_label(status: str, lang: str = "de") -> str:
    return t(f"measures.status.{status}", lang)


def district_names(ids, names: dict, lang: str = "de") -> str:
    ids = list(ids)
    if not ids:
        return t("app.city_total", lang)
    return ", ".join(sorted(str(names.get(d, d)) for d in ids))


def filter_measures(measures: pd.DataFrame, statuses=(), bodies=(), district_ids=(),
                    indicators=()) -> pd.DataFrame:
    """Filter by status keys, body keys, district ids (a measure for the whole city matches
    every district) and indicator keys; an empty filter keeps everything."""
    out = measures
    if statuses:
        out = out[out["status"].isin(list(statuses))]
    if bodies:
        out = out[out["body"].isin(list(bodies))]
    if district_ids:
        want = {int(d) for d in district_ids}
        out = out[out["districts"].map(lambda ds: not ds or bool(want & set(ds)))]
    if indicators:
        want_i = set(indicators)
        out = out[out["indicators"].map(lambda xs: not xs or bool(want_i & set(xs)))]
    return out


def measures_table(measures: pd.DataFrame, districts: pd.DataFrame, bodies: dict, catalog,
                   lang: str, today: date) -> pd.DataFrame:
    """One row per measure: number, title, body, districts, indicators, status, due date with
    its state (overdue/due/done), in effect from, meeting, alert."""
    names = districts.set_index("district_id")["name"].to_dict()
    labels = {i.key: i.label(lang) for i in catalog}
    rows = []
    for m in measures.to_dict("records"):
        body = bodies[m["body"]].label(lang) if m["body"] in bodies else m["body"]
        state = due_state(m["status"], m["due_on"], today)
        rows.append([int(m["measure_id"]), m["title"], body,
                     district_names(m["districts"], names, lang),
                     ", ".join(labels.get(i, i) for i in m["indicators"]) or "–",
                     status_label(m["status"], lang), fmt_date(m["due_on"], lang),
                     t(f"measures.due.{state}", lang), fmt_date(m["implemented_on"], lang),
                     fmt_date(m.get("meeting_on"), lang),
                     "–" if pd.isna(m["alert_id"]) else str(int(m["alert_id"]))])
    cols = ["id", "title", "body", "districts", "indicators", "status", "due_on", "due_state",
            "implemented_on", "meeting", "alert"]
    # what the crisis team looks for first stands first: status and due date after the title
    # (#15: on a laptop screen they were cut off at the right edge)
    first = ["id", "title", "status", "due_on", "due_state"]
    order = first + [c for c in cols if c not in first]
    frame = pd.DataFrame(rows, columns=cols)[order]
    frame.columns = [t(f"measures.col.{c}", lang) for c in order]
    return frame


def history_table(history: pd.DataFrame, lang: str = "de") -> pd.DataFrame:
    """Who changed what when: time, user, status ("angelegt: geplant", "geplant →
    umgesetzt" or the unchanged status), changed fields, comment."""
    rows = []
    for h in history.to_dict("records"):
        before, after = h["from_status"], h["to_status"]
        if before is None or pd.isna(before):
            change, fields = t("measures.history.created", lang,
                               status=status_label(after, lang)), "–"
        else:
            change = status_label(after, lang) if before == after else \
                f"{status_label(before, lang)} → {status_label(after, lang)}"
            fields = ", ".join(t(f"measures.field.{f}", lang) for f in h["fields"]) or "–"
        rows.append([fmt_time(h["changed_at"], lang), h["changed_by"], change, fields,
                     h["comment"] or ""])
    cols = ["when", "who", "status", "fields", "comment"]
    return pd.DataFrame(rows, columns=[t(f"measures.history.{c}", lang) for c in cols])


def fmt_time(value, lang: str = "de") -> str:
    return pd.Timestamp(value).strftime("%d.%m.%Y %H:%M" if lang == "de" else "%Y-%m-%d %H:%M")


def effect_view(effects: pd.DataFrame, catalog, lang: str = "de",
                hidden: tuple = ()) -> tuple[pd.DataFrame, str]:
    """(table, honest note) of :func:`lagebild.analytics.effects.effect_table`. Indicators in
    ``hidden`` (person-related in a restricted view) are left out and named in the note."""
    rows = []
    shown = effects[~effects["indicator"].isin(list(hidden))]
    for r in shown.to_dict("records"):
        rows.append([catalog[r["indicator"]].label(lang),
                     fmt_number(r["treated_before"], lang, 1),
                     fmt_number(r["treated_after"], lang, 1),
                     fmt_percent(r["change_treated_pct"], lang),
                     fmt_number(r["control_before"], lang, 1),
                     fmt_number(r["control_after"], lang, 1),
                     fmt_percent(r["change_control_pct"], lang), _signed(r["did"], lang),
                     f"{r['weeks_before']} / {r['weeks_after']}"])
    cols = ["indicator", "own_before", "own_after", "own_change", "rest_before", "rest_after",
            "rest_change", "did", "weeks"]
    table = pd.DataFrame(rows, columns=[t(f"measures.effect.col.{c}", lang) for c in cols])
    note = _effect_note(effects, lang)
    if hidden and effects["indicator"].isin(list(hidden)).any():
        note += " " + t("measures.effect.hidden", lang, indicators=", ".join(
            catalog[i].label(lang) for i in effects["indicator"] if i in hidden))
    return table, note


def _signed(value, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    return ("+" if value > 0 else "") + fmt_number(value, lang, 1)


def _effect_note(effects: pd.DataFrame, lang: str) -> str:
    if effects.empty:
        return t("measures.effect.no_indicators", lang)
    r = effects.iloc[0]
    text = t("measures.effect.note", lang, weeks=int(r["weeks"]),
             before=f"{iso_label(r['before_from'], lang)} – {iso_label(r['before_to'], lang)}",
             after=f"{iso_label(r['after_from'], lang)} – {iso_label(r['after_to'], lang)}",
             n_before=int(effects["weeks_before"].min()),
             n_after=int(effects["weeks_after"].min()))
    if int(effects["weeks_after"].min()) < int(r["weeks"]):
        text += " " + t("measures.effect.incomplete", lang)
    if effects["control_before"].isna().all():
        text += " " + t("measures.effect.no_control", lang)
    return text


def markers(measures: pd.DataFrame, indicator: str, district_ids: list,
            lang: str = "de") -> pd.DataFrame:
    """Chart markers (date, label, text) of measures in effect (in Umsetzung, umgesetzt) for
    ``indicator`` (or for no indicator in particular) in the chosen districts
    (``trends.CITY``: every measure)."""
    cols = ["date", "label", "text"]
    if measures is None or measures.empty:
        return pd.DataFrame(columns=cols)
    sel = measures[measures["implemented_on"].notna() & measures["status"].isin(IN_EFFECT)]
    # astype(bool): on an empty selection map() gives an object Series, which pandas would
    # take as a list of column names (the districts column then went missing: KeyError)
    sel = sel[sel["indicators"].map(lambda xs: not xs or indicator in xs).astype(bool)]
    if CITY not in district_ids:
        want = {int(d) for d in district_ids}
        sel = sel[sel["districts"].map(lambda ds: not ds or bool(want & set(ds))).astype(bool)]
    rows = [[pd.Timestamp(m["implemented_on"]), _short(m["title"]),
             t("measures.marker", lang, title=m["title"],
               date=fmt_date(m["implemented_on"], lang))]
            for m in sel.to_dict("records")]
    return pd.DataFrame(rows, columns=cols)


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def meetings_table(meetings: pd.DataFrame, measures: pd.DataFrame, lang: str,
                   today: date) -> pd.DataFrame:
    """One row per meeting: date (planned ones marked), title, participants, decisions,
    number of measures agreed there."""
    agreed = measures["meeting_id"].value_counts() if len(measures) else pd.Series(dtype=int)
    rows = []
    for g in meetings.to_dict("records"):
        when = fmt_date(g["held_on"], lang)
        if pd.Timestamp(g["held_on"]).date() >= today:
            when += " " + t("measures.meetings.planned", lang)
        rows.append([int(g["meeting_id"]), when, g["title"], ", ".join(g["participants"]) or "–",
                     g["decisions"] or "", int(agreed.get(g["meeting_id"], 0))])
    cols = ["id", "held_on", "title", "participants", "decisions", "measures"]
    return pd.DataFrame(rows, columns=[t(f"measures.meetings.col.{c}", lang) for c in cols])


def open_measures(measures: pd.DataFrame) -> pd.DataFrame:
    return measures[measures["status"].isin(list(OPEN))]
