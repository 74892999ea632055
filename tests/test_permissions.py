"""The one permission table (lagebild/access.py): what each role may do, and that no other
module decides by comparing a role with a literal."""

import ast
import re
from pathlib import Path

import pytest

from lagebild.access import (PERMISSIONS, ROLES, AccessDenied, Actor, acts_for, allowed,
                             require)
from lagebild.store import Forbidden, Store

ROOT = Path(__file__).resolve().parents[1]

A, K, O, G = "admin", "krisenstab", "outreach", "gast"
# The roles of README/GUIDE, written out by hand: action -> roles that may do it.
EXPECTED = {
    "cities.all": {A},
    "data.rows": {A, K, O},
    "data.all_organisations": {A, K},
    "app.use": {A, K, O, G},
    "alerts.view": {A, K},
    "city.create": {A},
    "districts.import": {A},
    "places.replace": {A},
    "upload.import": {A, O},
    "upload.withdraw": {A, O},
    "upload.list_all": {A},
    "alerts.refresh": {A, K, O},
    "alerts.acknowledge": {A, K},
    "meetings.add": {A, K},
    "meetings.edit": {A, K},
    "measures.add": {A, K},
    "measures.edit": {A, K},
    "users.add": {A},
    "users.list": {A},
    "users.lock": {A},
    "users.password_of_others": {A},
    "audit.read": {A},
    "backup.create": {A},
    "notify.send": {A},
    "notify.sent.read": {A},
    "notify.by_default": {A, K},
    "share.trust": {A},
    "share.keys.read": {A, K},
    "share.import": {A},
    "share.read": {A, K},
    "drugcheck.view": {A, K, O},
    "warnings.view": {A, K, O, G},
    "warnings.create": {A, K},
    "warnings.edit": {A, K},
    "warnings.languages": {A, K},
    "completeness.read": {A, K},
    "rhythm.set": {A},
    "reminders.send": {A},
    "operations.view": {A},
}


def _actor(role: str) -> Actor:
    return Actor(f"u-{role}", role, organisation="Streetwork" if role == O else None)


def test_the_table_has_exactly_the_expected_actions():
    assert set(PERMISSIONS) == set(EXPECTED)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_and_action(role, action):
    actor = _actor(role)
    assert allowed(actor, action) == (role in EXPECTED[action])
    if role in EXPECTED[action]:
        require(actor, action)
    else:
        with pytest.raises(AccessDenied, match=f"Die Rolle '{role}' darf nicht: "):
            require(actor, action)


def test_restricted_and_organisation_follow_the_table():
    assert [r for r in ROLES if _actor(r).restricted] == [G]
    assert [r for r in ROLES if _actor(r).bound_to_organisation] == [O]
    assert _actor(A).may_see_city("Irgendwo")
    assert not Actor("k", K, cities=frozenset({"Musterstadt"})).may_see_city("Irgendwo")
    outreach = _actor(O)
    assert acts_for(outreach, "upload.withdraw", "Streetwork")
    assert not acts_for(outreach, "upload.withdraw", "Drogenhilfe")
    assert acts_for(_actor(A), "upload.withdraw", "Drogenhilfe")
    assert not acts_for(_actor(K), "upload.withdraw", "Streetwork")


def test_the_store_refuses_with_forbidden_from_the_same_table():
    store = Store(":memory:")
    store.ensure_city(_actor(A), "Teststadt")
    for role in (K, O, G):
        with pytest.raises(Forbidden, match=f"Die Rolle '{role}' darf nicht: Städte anlegen"):
            store.ensure_city(_actor(role), "Neustadt")
    assert store.cities(_actor(A))["name"].tolist() == ["Teststadt"]


def _sources():
    files = [*(ROOT / "lagebild").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]
    return [p for p in files if p.relative_to(ROOT).as_posix() != "lagebild/access.py"]


def _is_role(node) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "role"
    if isinstance(node, ast.Name):
        return node.id == "role" or node.id.endswith("_ROLES")
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "role"
    return False


def _is_literal(node) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(isinstance(e, ast.Constant) for e in node.elts)
    return isinstance(node, ast.Name) and node.id.endswith("_ROLES")


def test_no_module_compares_a_role_with_a_literal_outside_access():
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(_is_role(s) for s in sides) and any(_is_literal(s) for s in sides):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id.endswith("_ROLES") for t in node.targets):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} (own role list)")
    assert offenders == []


ACTION_CALL = re.compile(r"""\b(?:_require|require|require_permission|allowed|role_allows|
                             roles_for|acts_for|may)\((?:[^()"']*,\s*)?["']([a-z_.]+)["']""",
                         re.X)


def test_every_action_named_in_the_code_is_in_the_table():
    named = {m.group(1) for p in _sources()
             for m in ACTION_CALL.finditer(p.read_text(encoding="utf-8"))}
    assert named, "the pattern finds the permission checks"
    assert named <= set(PERMISSIONS), sorted(named - set(PERMISSIONS))
