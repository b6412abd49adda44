"""The apps import one way (``docs/architecture.md``): the kernel (``wallboard/core``) imports
no app; each feature app imports only the kernel and the apps below it; the worker's host sits
on top and no app imports it. Read from the source (every import, those inside functions too),
so a new import that points the wrong way fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
#: Each app's layer: an app may import the apps of lower layers only (and itself).
LAYERS = {
    "core": 0, "agents": 1, "contacts": 2, "teams": 2, "reports": 3, "board": 4, "callbacks": 4,
    "worker": 5,
}  # fmt: skip


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "wallboard" and parts[1] in LAYERS else None


def test_every_app_has_a_layer():
    apps = {p.name for p in (ROOT / "wallboard").iterdir() if (p / "apps.py").exists()}
    assert apps == set(LAYERS)


@pytest.mark.parametrize("app", sorted(LAYERS))
def test_an_app_imports_only_the_apps_below_it(app):
    wrong = []
    for path in sorted((ROOT / "wallboard" / app).rglob("*.py")):
        for module in imports(path):
            other = app_of(module)
            if other is not None and other != app and LAYERS[other] >= LAYERS[app]:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_the_realtime_core_imports_neither_django_nor_the_apps():
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "realtime").rglob("*.py"))
        for module in imports(path)
        if module.split(".")[0] in ("django", "wallboard", "channels")
    ]
    assert wrong == []
