import json

import pytest

from lagebild import accounts
from lagebild.access import SYSTEM, Actor, AccessDenied
from lagebild.store import Invalid
from lagebild.cli import main


@pytest.fixture
def store_with_city(empty_store):
    empty_store.ensure_city(SYSTEM, "Teststadt")
    empty_store.ensure_city(SYSTEM, "Anderstadt")
    return empty_store


def _add(store, name="anna", role="krisenstab", pw="ein-langes-passwort", **kw):
    kw.setdefault("cities", ["Teststadt"])
    store.add_user(SYSTEM, name, role, password_hash=accounts.hash_password(pw), **kw)


def test_password_is_stored_as_argon2_hash(store_with_city):
    _add(store_with_city)
    rec = store_with_city.credentials(username="anna")
    assert rec["password_hash"].startswith("$argon2id$")
    assert "ein-langes-passwort" not in rec["password_hash"]
    assert "password_hash" not in store_with_city.users(SYSTEM).columns


def test_login_gives_an_actor_bound_to_its_cities(store_with_city):
    _add(store_with_city)
    account = accounts.authenticate(store_with_city, "anna", "ein-langes-passwort", False)
    assert account.actor == Actor("anna", "krisenstab", cities=frozenset({"Teststadt"}))
    assert list(store_with_city.cities(account.actor)["name"]) == ["Teststadt"]
    log = store_with_city.audit_log(SYSTEM)
    assert (log["action"] == "login").sum() == 1


def test_wrong_password_disabled_account_and_lockout(store_with_city):
    _add(store_with_city)
    with pytest.raises(accounts.LoginError, match="fehlgeschlagen"):
        accounts.authenticate(store_with_city, "anna", "falsch-falsch", False)
    store_with_city.set_active(SYSTEM, "anna", False)
    with pytest.raises(accounts.LoginError):
        accounts.authenticate(store_with_city, "anna", "ein-langes-passwort", False)
    store_with_city.set_active(SYSTEM, "anna", True)
    for _ in range(accounts.MAX_FAILED):
        with pytest.raises(accounts.LoginError):
            accounts.authenticate(store_with_city, "anna", "nochmal-falsch", False)
    with pytest.raises(accounts.LoginError, match="Zu viele Fehlversuche"):
        accounts.authenticate(store_with_city, "anna", "ein-langes-passwort", False)


def test_demo_accounts_only_in_demo_mode(demo_store):
    with pytest.raises(accounts.LoginError, match="Demo-Betrieb"):
        accounts.authenticate(demo_store, "krisenstab", "demo-krisenstab", demo_mode=False)
    account = accounts.authenticate(demo_store, "krisenstab", "demo-krisenstab", demo_mode=True)
    assert account.actor.role == "krisenstab"
    roles = dict(zip(demo_store.users(SYSTEM)["username"], demo_store.users(SYSTEM)["role"]))
    assert roles == {"admin": "admin", "krisenstab": "krisenstab", "streetwork": "outreach",
                     "gast": "gast"}


def test_identity_provider_login_maps_by_email(store_with_city):
    store_with_city.add_user(SYSTEM, "bernd", "gast", password_hash=None,
                             email="bernd@stadt.example", cities=["Teststadt"])
    assert accounts.account_for_email(store_with_city, "Bernd@Stadt.example ").actor.role == "gast"
    with pytest.raises(accounts.LoginError, match="kein aktives Lagebild-Konto"):
        accounts.account_for_email(store_with_city, "fremd@example.org")


@pytest.mark.parametrize("kwargs,fragment", [
    ({"role": "outreach"}, "Organisation"),
    ({"role": "chef"}, "Unbekannte Rolle"),
    ({"cities": ["Nirgendwo"]}, "Unbekannte Stadt"),
])
def test_bad_accounts_are_refused(store_with_city, kwargs, fragment):
    with pytest.raises(Invalid, match=fragment):
        _add(store_with_city, **kwargs)


def test_only_admins_manage_accounts(store_with_city):
    reader = Actor("k", "krisenstab", cities=frozenset({"Teststadt"}))
    with pytest.raises(AccessDenied):
        store_with_city.add_user(reader, "x", "gast", password_hash=None)
    with pytest.raises(AccessDenied):
        store_with_city.users(reader)
    with pytest.raises(AccessDenied):
        store_with_city.audit_log(reader)


def test_short_password_refused():
    with pytest.raises(ValueError, match="mindestens 10 Zeichen"):
        accounts.hash_password("kurz")


def test_user_cli_add_list_disable_passwd(tmp_path, monkeypatch, capsys):
    import io
    db = str(tmp_path / "u.duckdb")
    assert main(["districts", "import", str(tmp_path / "none.geojson"), "--city", "X",
                 "--db", db]) == 1                              # no file: clean error
    from lagebild.store import Store
    s = Store(db)
    s.ensure_city(SYSTEM, "Teststadt")
    s.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("sehr-geheimes-pw\n"))
    assert main(["user", "add", "sw1", "--role", "outreach", "--org", "Streetwork Nord",
                 "--city", "Teststadt", "--password-stdin", "--db", db]) == 0
    capsys.readouterr()
    assert main(["user", "list", "--json", "--db", db]) == 0
    users = json.loads(capsys.readouterr().out)
    assert users == [{"username": "sw1", "display_name": None, "email": None,
                      "role": "outreach", "organisation": "Streetwork Nord", "active": True,
                      "is_demo": False, "cities": "Teststadt"}]
    assert main(["user", "disable", "sw1", "--db", db]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("kurz\n"))
    assert main(["user", "passwd", "sw1", "--password-stdin", "--db", db]) == 1
    assert "mindestens 10" in capsys.readouterr().err
    s = Store(db)
    with pytest.raises(accounts.LoginError):
        accounts.authenticate(s, "sw1", "sehr-geheimes-pw", False)   # disabled
    s.close()


def test_guessing_from_one_address_does_not_lock_out_the_user_elsewhere(store_with_city):
    """Issue #21: anyone could lock a known account for 15 minutes by guessing. Now only the
    guessing address is refused; the user's own address gets in, after a short delay that
    grows with the failures (it slows attackers with many addresses)."""
    _add(store_with_city)
    waits: list[float] = []
    for _ in range(accounts.MAX_FAILED):
        with pytest.raises(accounts.LoginError, match="fehlgeschlagen"):
            accounts.authenticate(store_with_city, "anna", "geraten-falsch", False,
                                  address="203.0.113.9", sleep=waits.append)
    with pytest.raises(accounts.LoginError, match="Zu viele Fehlversuche von dieser Adresse"):
        accounts.authenticate(store_with_city, "anna", "ein-langes-passwort", False,
                              address="203.0.113.9", sleep=waits.append)
    assert waits == []                       # nothing slowed before the limit
    account = accounts.authenticate(store_with_city, "anna", "ein-langes-passwort", False,
                                    address="198.51.100.7", sleep=waits.append)
    assert account.actor.username == "anna"
    assert waits == [1.0]
    for _ in range(5):                       # more guesses from other addresses
        with pytest.raises(accounts.LoginError, match="fehlgeschlagen"):
            accounts.authenticate(store_with_city, "anna", "geraten-falsch", False,
                                  address="192.0.2.1", sleep=waits.append)
    assert waits == [1.0, 1.0, 2.0, 4.0, 8.0, 8.0]   # growing, capped at MAX_DELAY
    failed = store_with_city.audit_log(SYSTEM, limit=100)
    assert "203.0.113.9" in " ".join(failed["detail"].astype(str))
