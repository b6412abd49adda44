"""The repository explains itself: every doc link and anchor it uses resolves inside it, and
nothing points at files outside it (pure)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "var",
    "test-output",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".js", ".html", ".css", ".json", ".yml", ".yaml", ".txt"}
TEXT_NAMES = {"Makefile", "Dockerfile", ".env.example", "run"}

DOC_ANCHOR = re.compile(r"docs/([\w-]+\.md)#([\w-]+)")
LOCAL_LINK = re.compile(r"\]\(([\w./-]*)(?:#([\w-]+))?\)")
MD_NAME = re.compile(r"(?<![\w/.:-])((?:[\w-]+/)*[\w-]+\.md)\b")
BACKTICK_PATH = re.compile(r"`((?:realtime|wallboard|tests|static|templates|docs|bench)/[\w./-]*)`")
# Built from pieces so that this file does not match itself.
OUTSIDE = re.compile(r"(?<![\w-])" + "shared" + "/")


def text_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS or any(p.endswith(".egg-info") for p in parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES):
            found.append(path)
    return found


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)
    return {slug(m) for m in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def test_every_docs_anchor_the_repository_uses_exists():
    used = [
        (path, name, anchor)
        for path in text_files()
        for name, anchor in DOC_ANCHOR.findall(path.read_text(errors="replace"))
    ]
    assert any(name == "voicenter.md" for _, name, _ in used)  # the scan does find them
    missing = [
        f"{path.relative_to(ROOT)}: docs/{name}#{anchor}"
        for path, name, anchor in used
        if not (ROOT / "docs" / name).is_file() or anchor not in anchors(ROOT / "docs" / name)
    ]
    assert missing == []


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_links_inside_the_docs_resolve(path: Path) -> None:
    text = path.read_text()
    broken = []
    for target, anchor in LOCAL_LINK.findall(text):
        linked = (path.parent / target).resolve() if target else path
        if not linked.exists():
            broken.append(target)
        elif anchor and anchor not in anchors(linked):
            broken.append(f"{target}#{anchor}")
    if path.parent.name == "docs":  # the README also names paths that are still to come
        for named in BACKTICK_PATH.findall(text):
            if not (ROOT / named).exists():
                broken.append(named)
    assert broken == []


def test_nothing_points_outside_the_repository():
    md_names = {p.name for p in text_files() if p.suffix == ".md"}
    found = []
    for path in text_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            where = f"{path.relative_to(ROOT)}:{number}"
            if OUTSIDE.search(line):
                found.append(f"{where}: {line.strip()}")
            for name in MD_NAME.findall(line):
                if Path(name).name not in md_names and "://" not in line:
                    found.append(f"{where}: {name}")
    assert found == []
