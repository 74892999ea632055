"""The admin page speaks German: accounts and audit log without raw column names, None or
JSON (#15 point 7), on the demo database and as an AppTest of the page."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from lagebild.views import admin as admin_views
from lagebild.access import SYSTEM, Actor
from lagebild.store import Store

ROOT = Path(__file__).resolve().parents[1]
RAW = ("is_demo", "created_at", "username", "display_name", "logged_at", "city_id",
       "audit_id", "measure.update", "upload.import", "None", "NaT", "nan", "{", "True",
       "False")


def _text(frame) -> str:
    return " ".join(map(str, frame.columns)) + " " + " ".join(
        str(v) for v in frame.to_numpy().ravel())


def test_accounts_and_audit_log_in_words(demo_db):
    s = Store(demo_db)
    users, log = s.users(SYSTEM), s.audit_log(SYSTEM, 1000)
    cities = s.cities(SYSTEM).set_index("city_id")["name"].to_dict()
    s.close()
    table = admin_views.users_frame(users, "de")
    assert list(table.columns) == ["Benutzername", "Name", "E-Mail", "Rolle", "Organisation",
                                   "Städte", "aktiv", "Demo-Konto", "angelegt am"]
    assert set(table["Demo-Konto"]) == {"ja"} and "Krisenstab" in set(table["Rolle"])
    audit = admin_views.audit_frame(log, cities, "de")
    text = _text(table) + " " + _text(audit)
    for raw in RAW:
        assert raw not in text, raw
    assert "Maßnahme geändert" in set(audit["Was"])
    changed = audit.loc[audit["Was"] == "Maßnahme geändert", "Einzelheiten"].iloc[0]
    assert changed.startswith("Maßnahme ") and "Status: " in changed
    english = admin_views.audit_frame(log, cities, "en")
    assert list(english.columns) == ["Time", "Who", "What", "City", "Details"]


def test_admin_page_shows_the_tables_in_german(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["lagebild_actor"] = Actor("admin", "admin")
    at.run()
    at.switch_page("pages/admin_users.py").run()
    assert not at.exception
    text = " ".join(_text(d.value) for d in at.dataframe)
    for raw in RAW:
        assert raw not in text, raw
