"""The layering of GUIDE.md §2, checked on the import statements and page sources."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b\s+\w", re.I)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _python_files():
    return [p for p in ROOT.rglob("*.py")
            if not any(part in {".venv", "node_modules", "static"} for part in p.parts)]


def test_only_the_store_imports_duckdb():
    offenders = [str(p.relative_to(ROOT)) for p in _python_files()
                 if p.relative_to(ROOT).as_posix() != "lagebild/store/_db.py"
                 and not p.relative_to(ROOT).as_posix().startswith(("tests/", "benchmarks/"))
                 and any(n == "duckdb" or n.startswith("duckdb.") for n in _imports(p))]
    assert offenders == []


def test_pages_talk_only_to_ui_and_contain_no_sql():
    pages = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    assert len(pages) >= 4
    for page in pages:
        lagebild_imports = {n for n in _imports(page) if n.startswith("lagebild")}
        assert lagebild_imports <= {"lagebild", "lagebild.ui"}, (page.name, lagebild_imports)
        assert not SQL.search(page.read_text(encoding="utf-8")), page.name
        assert "duckdb" not in page.read_text(encoding="utf-8")


def test_only_ui_and_pages_import_streamlit():
    allowed = {"lagebild/server.py"}
    offenders = [p.relative_to(ROOT).as_posix() for p in (ROOT / "lagebild").rglob("*.py")
                 if p.relative_to(ROOT).as_posix() not in allowed
                 and not p.relative_to(ROOT).as_posix().startswith("lagebild/ui/")
                 and any(n.split(".")[0] == "streamlit" for n in _imports(p))]
    assert offenders == []


def test_analytics_import_neither_streamlit_nor_store():
    for p in (ROOT / "lagebild" / "analytics").rglob("*.py"):
        names = _imports(p)
        assert not any(n.split(".")[0] in {"streamlit", "duckdb"} for n in names), p.name
        assert not any(n.startswith(("lagebild.store", "lagebild.ui")) for n in names), p.name


def test_arrows_point_down():
    """Lower layers never import upper ones (store/ingest/geo/analytics/maps/charts)."""
    lower = ["store", "ingest", "geo", "maps", "charts", "catalog", "config", "i18n"]
    for name in lower:
        paths = [ROOT / "lagebild" / f"{name}.py", *(ROOT / "lagebild" / name).rglob("*.py")]
        for path in (p for p in paths if p.exists()):
            names = _imports(path)
            assert not any(n.startswith(("lagebild.ui", "lagebild.cli", "lagebild.views.situation"))
                           for n in names), path.name


def test_every_page_guards_itself_before_showing_anything():
    """Pages are reachable by URL; each must call a login/role guard first."""
    for page in sorted((ROOT / "pages").glob("*.py")):
        if page.name == "login.py":
            continue
        code = [line.strip() for line in page.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith(("#", '"""', "import", "from"))
                and not line.startswith(" ")]
        body = [c for c in code if not (c.endswith('"""') or c.startswith(("places", "(")))]
        assert body and body[0].startswith(("ui.require_login()", "ui.require_permission(")), page.name


def test_download_buttons_do_not_rerun_the_page():
    """A download that reruns the page replaces the other buttons' prepared files: a second
    button clicked during that rerun delivers nothing (seen in the network journey). Every
    download button in pages/ therefore says ``on_click="ignore"``."""
    found = 0
    for page in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "download_button"):
                found += 1
                kw = {k.arg: k.value for k in node.keywords}
                assert isinstance(kw.get("on_click"), ast.Constant) \
                    and kw["on_click"].value == "ignore", (page.name, node.lineno)
    assert found >= 8
