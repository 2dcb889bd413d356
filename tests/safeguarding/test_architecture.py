"""The layout rules of DESIGN §3, read from the code itself, so a new module cannot slip past:

- dependencies between apps point one way: teams <- cases <- workbook <- supervision, and
  nothing imports kpis;
- ``safeguarding/lib`` imports no app (a type-only import under ``TYPE_CHECKING`` is allowed);
- no module imports another app's private (underscore) module or private name;
- demo loaders live in ``safeguarding/demo``, not in the apps.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("teams", "cases", "workbook", "supervision", "kpis")
# What each app may import: the apps below it in the one-way chain.
ALLOWED = {
    "teams": set(),
    "cases": {"teams"},
    "workbook": {"teams", "cases"},
    "supervision": {"teams", "cases", "workbook"},
    "kpis": {"teams", "cases", "workbook", "supervision"},
}


def _modules(top: str) -> Iterator[tuple[str, Path]]:
    for path in sorted((ROOT / top).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        yield ".".join(p for p in parts if p != "__init__"), path


def _runtime_imports(module: str, path: Path) -> Iterator[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every import that runs, with relative
    imports resolved. Imports under ``if TYPE_CHECKING:`` are for the type checker only."""
    tree = ast.parse(path.read_text(), filename=str(path))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(child) for child in ast.walk(node)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                yield target, alias.name, node.lineno


def _app_of(module: str) -> str:
    return module.split(".")[0]


def test_apps_depend_on_each_other_one_way() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for app in APPS
        for module, path in _modules(app)
        for target, _, line in _runtime_imports(module, path)
        if _app_of(target) in APPS
        and _app_of(target) != app
        and _app_of(target) not in ALLOWED[app]
    ]

    assert wrong == []


def test_the_shared_library_imports_no_app() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for module, path in _modules("safeguarding/lib")
        for target, _, line in _runtime_imports(module, path)
        if _app_of(target) in APPS
    ]

    assert wrong == []


def test_no_module_imports_a_private_module_or_name_of_another_app() -> None:
    wrong = []
    for top in (*APPS, "safeguarding"):
        for module, path in _modules(top):
            for target, name, line in _runtime_imports(module, path):
                other_app = _app_of(target) in APPS and _app_of(target) != _app_of(module)
                private_module = any(part.startswith("_") for part in target.split("."))
                private_name = name.startswith("_") and name != "__future__"
                if other_app and (private_module or private_name):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} {name}")

    assert wrong == []


def test_demo_loaders_live_in_one_package() -> None:
    stray = sorted(
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).rglob("demo*.py")
        if "migrations" not in path.parts
    )

    assert stray == []
    assert (ROOT / "safeguarding" / "demo" / "teams.py").exists()
