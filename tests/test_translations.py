"""The translations are complete: every string the code marks for translation has its Hebrew,
none fuzzy, none missing (``make check`` fails otherwise), in Django's catalog
(``locale/he/LC_MESSAGES/django.po``) and in the board's (``static/board/i18n.js``: its own
test, ``tests/node/board.test.mjs``)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))
#: What makemessages reads: the code and the templates (the tests and benchmarks mark nothing).
SOURCES = ("wallboard", "realtime", "templates", "static", "manage.py")


def msgids(po: Path) -> set[tuple[str, str]]:
    """The (context, message) pairs a catalog holds, obsolete ones aside."""
    found: set[tuple[str, str]] = set()
    context = ""
    field = None
    parts: dict[str, list[str]] = {}

    def flush() -> None:
        if "msgid" in parts:
            found.add((context, "".join(parts["msgid"])))

    for line in po.read_text().splitlines():
        if line.startswith("#~"):
            continue
        if line.startswith("msgctxt "):
            flush()
            parts, context, field = {}, ast.literal_eval(line[8:]), "msgctxt"
        elif line.startswith("msgid "):
            if field != "msgctxt":
                flush()
                parts, context = {}, ""
            field = "msgid"
            parts["msgid"] = [ast.literal_eval(line[6:])]
        elif line.startswith('"') and field == "msgid":
            parts["msgid"].append(ast.literal_eval(line))
        elif line.startswith(("msgid_plural", "msgstr")):
            field = "msgstr"
    flush()
    found.discard(("", ""))  # the header
    return found


def test_there_is_a_hebrew_catalog():
    assert [po.parent.parent.name for po in CATALOGS] == ["he"]


@pytest.mark.parametrize("po", CATALOGS, ids=lambda po: po.parent.parent.name)
def test_every_message_is_translated_and_none_is_fuzzy(po):
    done = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "fuzzy" not in done.stderr, done.stderr
    assert "untranslated" not in done.stderr, done.stderr


@pytest.mark.parametrize("po", CATALOGS, ids=lambda po: po.parent.parent.name)
def test_the_catalog_holds_every_string_the_code_marks(po, tmp_path):
    for name in SOURCES:  # a copy: makemessages writes where it reads
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    language = po.parent.parent.name
    (tmp_path / "locale" / language / "LC_MESSAGES").mkdir(parents=True)
    env = {**os.environ, "WALLBOARD_DEV_SECRET_KEY": "1", "PYTHONPATH": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", language, "--no-obsolete"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    marked = msgids(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
    assert len(marked) > 300  # the copy was read
    missing = sorted(marked - msgids(po))
    assert missing == [], f"run: manage.py makemessages -l {language}, and translate {missing}"
