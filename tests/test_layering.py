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


# --------------------------------------------------------------------------- the layers
# docs/architecture.md: pages → ui / cli → services → store | pure → foundation. A module may
# import its own layer and the layers below; pure modules never the store. Every module of
# lagebild/ has a layer: a new one fails here until it is given one.
FOUNDATION = ["lagebild", "lagebild.config", "lagebild.clock", "lagebild.i18n",
              "lagebild.catalog", "lagebild.access", "lagebild.csv_safe"]
PURE = ["lagebild.analytics.*", "lagebild.geo", "lagebild.privacy", "lagebild.places",
        "lagebild.charts", "lagebild.maps", "lagebild.maps.*", "lagebild.views.*", "lagebild.measures.*",
        "lagebild.alerts.config", "lagebild.alerts.checks", "lagebild.alerts.text",
        "lagebild.alerts.views",
        "lagebild.alerts.daily_text", "lagebild.briefing.model", "lagebild.briefing.sections",
        "lagebild.briefing.html", "lagebild.briefing.pdf", "lagebild.briefing.charts",
        "lagebild.briefing.inputs", "lagebild.alerts.level",
        "lagebild.ingest.*", "lagebild.share.tables", "lagebild.share.views",
        "lagebild.demo.city", "lagebild.demo.geometry", "lagebild.demo.large", "lagebild.alerts", "lagebild.briefing", "lagebild.demo",
        "lagebild.share", "lagebild.views", "lagebild.analytics", "lagebild.measures",
        "lagebild.ingest", "lagebild.ops", "lagebild.ops.completeness", "lagebild.drugcheck",
        "lagebild.drugcheck.*"]
STORE = ["lagebild.store", "lagebild.store.*"]
SERVICES = ["lagebild.ingest.importer", "lagebild.ingest.rawstore", "lagebild.alerts.service",
            "lagebild.alerts.notify", "lagebild.briefing.data", "lagebild.briefing.build",
            "lagebild.share.package", "lagebild.demo.seed", "lagebild.demo.measures",
            "lagebild.export",
            "lagebild.accounts", "lagebild.ops.views", "lagebild.ops.reminders",
            "lagebild.ingest.outcome", "lagebild.drugcheck.importer", "lagebild.drugcheck.demo",
            "lagebild.drugcheck.alerts", "lagebild.drugcheck.warning_mail",
            # (#20) the server's worker: inbox, receipts, backups (lagebild/inbox/)
            "lagebild.inbox", "lagebild.inbox.runtime", "lagebild.inbox.worker",
            "lagebild.inbox.watch", "lagebild.inbox.deliver", "lagebild.inbox.receipt",
            "lagebild.inbox.backup"]
FRONT = ["lagebild.ui", "lagebild.ui.*", "lagebild.cli", "lagebild.cli.*", "lagebild.server",
         "lagebild.inbox.cli"]
RANK = {"foundation": 0, "pure": 1, "store": 1, "services": 2, "front": 3}


def _modules() -> dict[str, Path]:
    out = {}
    for p in (ROOT / "lagebild").rglob("*.py"):
        parts = p.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return out


def _matches(name: str, patterns: list[str]) -> bool:
    return any(name == pat or (pat.endswith(".*") and name.startswith(pat[:-1]))
               for pat in patterns)


def _layer(name: str) -> str | None:
    # most specific first: services name single modules inside pure packages
    for layer, patterns in (("services", SERVICES), ("foundation", FOUNDATION),
                            ("store", STORE), ("front", FRONT), ("pure", PURE)):
        if _matches(name, patterns):
            return layer
    return None


def _edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module → the lagebild modules it imports, at module level or inside functions."""
    def resolve(name):
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None
    edges = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {resolve(a.name) for a in node.names if a.name.startswith("lagebild")}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                    "lagebild"):
                for a in node.names:
                    full = f"{node.module}.{a.name}"
                    targets.add(full if full in modules else resolve(node.module))
        edges[name] = targets - {None, name}
    return edges


def test_every_module_has_a_layer():
    assert [m for m in _modules() if _layer(m) is None] == []


def test_imports_point_down_the_layers():
    modules = _modules()
    wrong = []
    for name, targets in _edges(modules).items():
        for target in targets:
            mine, theirs = _layer(name), _layer(target)
            if RANK[theirs] > RANK[mine] or (mine == "pure" and theirs == "store"):
                wrong.append(f"{name} ({mine}) → {target} ({theirs})")
            if {name.split(".")[:2][-1], target.split(".")[:2][-1]} == {"ui", "cli"}:
                wrong.append(f"{name} → {target} (ui and cli are separate front ends)")
    assert wrong == []


def test_no_import_circles_not_even_inside_functions():
    edges = _edges(_modules())
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def visit(v):               # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    assert circles == []


def test_no_private_names_across_modules():
    """``from lagebild.x import _helper`` is forbidden outside x; a private module
    (``ui/_core.py``, ``store/_db.py``, ``cli/_common.py``) is imported only inside its own
    package. Tests may look inside."""
    modules = _modules()
    wrong = []
    for name, path in [*modules.items(),
                       *((f"pages.{p.stem}", p) for p in (ROOT / "pages").glob("*.py"))]:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                    "lagebild"):
                imported = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                names = [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                imported, names = [a.name for a in node.names], []
            else:
                continue
            for n in names:
                if n.startswith("_") and not n.startswith("__") \
                        and f"{node.module}.{n}" not in modules:
                    wrong.append(f"{name}: {node.module}.{n}")
            for mod in imported:
                parts = mod.split(".")
                for i, part in enumerate(parts):
                    if part.startswith("_") and not part.startswith("__") \
                            and ".".join(parts[:i]) != package:
                        wrong.append(f"{name}: {mod}")
    assert wrong == []


def _code_lines(node) -> int:
    """Lines of a function without its docstring (a worked example in the docstring is
    documentation and a doctest, not length of code)."""
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def test_modules_and_functions_stay_small():
    """No module over 400 lines, no function over 60 lines of code."""
    big = []
    for path in (ROOT / "lagebild").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        if len(source.splitlines()) > 400:
            big.append(f"{rel}: {len(source.splitlines())} Zeilen")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and _code_lines(node) > 60:
                big.append(f"{rel}:{node.lineno} {node.name}: {_code_lines(node)} Zeilen")
    assert big == []


def test_only_the_store_imports_duckdb():
    db = ROOT / "lagebild" / "store" / "_db.py"
    offenders = [p.relative_to(ROOT).as_posix() for p in _python_files()
                 if p != db
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


def test_pure_modules_import_neither_streamlit_nor_duckdb():
    for name, path in _modules().items():
        if _layer(name) == "pure":
            assert not any(n.split(".")[0] in {"streamlit", "duckdb"}
                           for n in _imports(path)), name


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
