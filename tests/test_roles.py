"""Page × role matrix (AppTest): every page allowed or refused as specified."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lagebild.access import Actor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apptest_kit import frame_with, labelled, only, with_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITY = frozenset({"Musterstadt"})
ACTORS = {
    "admin": Actor("admin", "admin"),
    "krisenstab": Actor("krisenstab", "krisenstab", cities=CITY),
    "outreach": Actor("streetwork", "outreach", cities=CITY,
                      organisation="Streetwork Kontaktladen Lichtblick (Demo)"),
    "gast": Actor("gast", "gast", cities=CITY),
}
ALL = {"overview", "map", "trends", "export",
       "district", "measures", "meetings", "briefing"}          # (#6) readable by every role
# The specification (issue #7): which pages each role may open.
ALLOWED = {
    "admin": ALL | {"admin_users", "admin_boundaries", "upload", "alerts", "network",
              "operations", "drugcheck"},                   # Betrieb (#20), Drug-Checking (#18)
    "krisenstab": ALL | {"alerts", "network", "drugcheck"},     # network: Städtevergleich (#19)
    "outreach": ALL | {"upload", "drugcheck"},                  # drugcheck: Drug-Checking (#18)
    "gast": ALL,
}
PAGES = sorted(set().union(*ALLOWED.values()))


@pytest.fixture
def env(demo_db, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DB_PATH", str(demo_db))
    monkeypatch.setenv("LAGEBILD_DEMO_MODE", "true")
    monkeypatch.chdir(ROOT)


def _app(actor: Actor | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if actor is not None:
        at.session_state["lagebild_actor"] = actor
    return at.run()


def _district_matrix(at: AppTest):
    """The overview's districts × indicators, not the Ampel of #4 above it (same headers)."""
    return frame_with(at, after=with_text(at.subheader, "Stadtteile in"))


def _log_in(at: AppTest) -> None:
    labelled(at.button, "Anmelden").click().run()


@pytest.mark.parametrize("role", list(ACTORS))
@pytest.mark.parametrize("page", PAGES)
def test_page_role_matrix(env, role, page):
    at = _app(ACTORS[role])
    if page in ALLOWED[role]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert not [e for e in at.error if "nicht freigegeben" in e.value]
        assert at.title, "page rendered nothing"
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page}.py")


@pytest.mark.parametrize("role", ["krisenstab", "outreach", "gast"])
def test_admin_page_refuses_even_when_run_directly(env, role):
    at = AppTest.from_file(str(ROOT / "pages" / "admin_users.py"), default_timeout=60)
    at.session_state["lagebild_actor"] = ACTORS[role]
    at.run()
    assert any("nicht freigegeben" in e.value for e in at.error)
    assert not at.dataframe


@pytest.mark.parametrize("page", PAGES)
def test_logged_out_visitor_gets_the_login_on_every_page(env, page):
    at = _app()
    assert only(at.title).value == "Anmeldung"
    at.switch_page(f"pages/{page}.py").run()
    assert [t.value for t in at.title] == ["Anmeldung"]
    assert not at.dataframe and not at.metric
    assert "demo-krisenstab" in only(at.info).value       # demo mode hint


def test_deep_link_shows_the_page_after_login(env):
    at = _app()
    at.switch_page("pages/map.py").run()
    at.text_input(key="login_username").input("krisenstab")
    at.text_input(key="login_password").input("demo-krisenstab")
    _log_in(at)
    assert only(at.title).value == "Karte Musterstadt"


def test_local_login_with_demo_account(env):
    at = _app()
    at.text_input(key="login_username").input("krisenstab")
    at.text_input(key="login_password").input("demo-krisenstab")
    _log_in(at)
    assert only(at.title).value.startswith("Lagebild Musterstadt")
    assert any("Krisenstab" in c.value for c in at.sidebar.caption)


def test_wrong_password_is_refused(env):
    at = _app()
    at.text_input(key="login_username").input("krisenstab")
    at.text_input(key="login_password").input("falsch")
    _log_in(at)
    assert any("fehlgeschlagen" in e.value for e in at.error)
    assert only(at.title).value == "Anmeldung"


def test_demo_accounts_refused_outside_demo_mode(env, monkeypatch):
    monkeypatch.setenv("LAGEBILD_DEMO_MODE", "false")
    at = _app()
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input("demo-admin")
    _log_in(at)
    assert any("Demo-Betrieb" in e.value for e in at.error)


def test_identity_provider_user_is_mapped_by_email(env, demo_db):
    from lagebild.access import SYSTEM
    from lagebild.store import Store
    s = Store(demo_db)
    s.add_user(SYSTEM, "petra", "gast", password_hash=None, email="petra@stadt.example",
               cities=["Musterstadt"])
    s.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.user = {"is_logged_in": True, "email": "petra@stadt.example"}
    at.run()
    assert only(at.title).value.startswith("Lagebild Musterstadt")
    assert at.session_state["lagebild_actor"].role == "gast"
    stranger = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    stranger.user = {"is_logged_in": True, "email": "wer@anders.example"}
    stranger.run()
    assert only(stranger.title).value == "Anmeldung"
    assert any("kein aktives Lagebild-Konto" in e.value for e in stranger.error)


def test_gast_sees_suppressed_overview(env):
    at = _app(ACTORS["gast"])
    assert any("Eingeschränkte Ansicht" in i.value for i in at.info)
    deaths = labelled(at.metric, "Drogentodesfälle")
    assert deaths.value in {"0", "< 5"} or int(deaths.value) >= 5
    matrix = _district_matrix(at)
    for col in ["Drogennotfälle", "Drogentodesfälle", "Naloxon-Gaben"]:
        for cell in matrix[col]:
            assert cell in {"< 5", "×", "0", "–"} or int(cell.replace(".", "")) >= 5, cell


def test_logout(env):
    at = _app(ACTORS["krisenstab"])
    at.sidebar.button(key="logout").click().run()
    assert only(at.title).value == "Anmeldung"


def test_cached_answers_for_the_crisis_team_never_reach_a_guest(env):
    """One server process serves all sessions and ``st.cache_data`` is process-wide: a guest
    who opens the overview right after a crisis-team member must still get the suppressed
    figures, not the exact ones computed (and cached) for the team moments before."""
    person_related = ["Drogennotfälle", "Drogentodesfälle", "Naloxon-Gaben"]
    team = _district_matrix(_app(ACTORS["krisenstab"]))
    # a team cell reads "count (change)", e.g. "2 (+1,4)": the count is the first word
    small = [c for col in person_related for c in team[col]
             if c.split(" ")[0] in {"1", "2", "3", "4"}]
    assert small, "the demo week should have small person-related counts for this test"
    guest = _district_matrix(_app(ACTORS["gast"]))
    for col in person_related:
        for cell in guest[col]:
            assert cell in {"< 5", "×", "0", "–"} or int(cell.replace(".", "")) >= 5, cell
    again = _district_matrix(_app(ACTORS["krisenstab"]))     # and the other way round
    assert again.equals(team)
