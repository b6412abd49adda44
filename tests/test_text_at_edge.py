"""Style rule: the realtime core returns codes and values; the words a person reads are made at
the edge (the views, the templates, the commands, the browser's catalog), where they can be
translated. ``realtime/`` may not import Django (``tests/test_purity.py``), so a sentence built
there could never be translated: this test fails when one is.

Every string literal under ``realtime/`` (an f-string's literal parts, its values left out) of
three words or more, or of two that begin with a capital and end with a stop ("Hung up."), is a
sentence for a person unless it is:

- a docstring;
- an argument of a log call (``log.warning(...)``, ...) or of :data:`LOG_LIKE` calls;
- the text of an exception (or an event) for the logs: one of :data:`FOR_LOGS`, whose texts
  engineers read (an exception for a person carries a code and values, as ``BadNumber``,
  ``RestRefused`` and ``CallLogRefused`` do, and is not in the list);
- code in another language (:data:`CODE`);
- the worker's ``last_error`` (its health for ``dump_state``; the boards never see it:
  ``realtime.messages.PUBLIC_HEALTH``);
- under ``realtime/simulator/`` (the test double of Voicenter, which speaks English as Voicenter
  does);
- in :data:`ALLOWED`, each with why.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
REALTIME = ROOT / "realtime"

#: Exceptions (and events) whose texts are for the logs (engineers), never shown to a person.
FOR_LOGS = {
    "Rejected",  # realtime.events: an event the normaliser rejected (the pipeline logs why)
    "ValueError",  # a format or an argument a developer got wrong
    "RuntimeError",  # a bug, or the embedded Redis that did not start
    "Bad",  # realtime.voicenter.fields: an event the normaliser rejects (logged, counted)
    "CdrRefused",  # the errdesc Voicenter's CDR notifier gets back (a machine's answer)
    "LoginRefused",  # the worker's login: its log and its health (dump_state)
    "BadMessage",  # a board's message the server did not understand: an error frame's text
    "EpochLost",  # the store's internal signal to rebuild
}
#: Calls that log their argument (besides ``log.*`` and ``logging.*``).
LOG_LIKE = {
    "_error",  # realtime.worker: logs the text and keeps it as last_error (dump_state)
    "_recount",  # realtime.projections.day: logs why the day is counted again
    "_step_down",  # realtime.worker: logs why the worker steps down to standby
}
#: Constants whose value is code in another language, by file.
CODE: dict[str, set[str]] = {
    "realtime/store.py": {"_COMMIT"},  # the commit's Lua script
    "realtime/lease.py": {"_RENEW", "_RELEASE", "_FENCED"},  # the lease's Lua scripts
}
#: Strings of three words or more that are not a person's sentence, by file: why each is here.
ALLOWED: dict[str, set[str]] = {
    # orjson's own message, matched to tell its refusals apart
    "realtime/voicenter/socket.py": {"unexpected content after document"},
    # Voicenter's documented SetStatusFromAPI messages, as its documents write them: matched in
    # its answers (a person reads our words for each, and Voicenter's own only quoted as said)
    "realtime/voicenter/rest.py": {
        "Phone error.",
        "Status not support",
        "Extension is already in use",
        "No extension found",
        "Error on update",
        "Failed - Hour Log Error",
        "Failed - Queue registration error",
        "You're already logged in with a different extension",
        "Please choose extension",
        "Successfully Logged In",
        "Not logged in",
        "Wrong Username or Password",
        "There was a problem with the user, please contact support",
        "An unexpected error occurred",
        "Failed - Extension Monitor doesn't exist",
        "Failed - User has no organizational PIN Code",
    },
}

#: A word: letters (an apostrophe or a hyphen inside), maybe bracketed or punctuated; not an
#: identifier (``alert_sl_pct``), a path or a format.
WORD = re.compile("[(\"'\u201c\u2018]?[A-Za-z][A-Za-z'\u2019-]*[.,:;!?\u2026)\"'\u201d\u2019]*")
#: Two words are a sentence too when they read as one: a capital first, a stop last ("Hung up.").
SHORT_SENTENCE = re.compile(r"[A-Z].*[.!?…]")
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_log_call(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in LOG_METHODS:
        return _name(func.value) in ("log", "logger", "logging") or _name(func.value).endswith(
            "log"
        )
    return _name(func) in LOG_LIKE


def _literal(node: ast.expr) -> str | None:
    """A string constant, or an f-string's literal parts (each value a space)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(part.value) if isinstance(part, ast.Constant) else " " for part in node.values
        )
    return None


def _skipped(tree: ast.Module) -> set[int]:
    """The ids of the nodes whose strings are not for a person (docstrings, logs, ...)."""
    skip: set[int] = set()

    def under(node: ast.AST) -> None:
        skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                under(first)
        elif isinstance(node, ast.Call) and (_is_log_call(node) or _name(node.func) in FOR_LOGS):
            under(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "last_error" for t in node.targets
        ):
            under(node.value)
    return skip


def sentences(source: str, where: str) -> list[str]:
    """The strings of ``source`` that read as a person's sentence (see the module's rule)."""
    tree = ast.parse(source)
    skip = _skipped(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in CODE.get(where, set()) for t in node.targets
        ):
            skip.add(id(node.value))
    allowed = ALLOWED.get(where, set())
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or (isinstance(node, ast.Constant) and _inside_fstring(node, tree)):
            continue
        text = _literal(node)  # type: ignore[arg-type]
        if text is None or text in allowed:
            continue
        words = sum(1 for token in text.split() if WORD.fullmatch(token))
        if words >= 3 or (words == 2 and SHORT_SENTENCE.fullmatch(text.strip())):
            found.append(f"{where}:{node.lineno}: {text!r}")  # type: ignore[attr-defined]
    return found


_FSTRING_PARTS: dict[int, set[int]] = {}


def _inside_fstring(node: ast.Constant, tree: ast.Module) -> bool:
    """An f-string's literal part (read with its f-string, not alone)."""
    parts = _FSTRING_PARTS.get(id(tree))
    if parts is None:
        parts = {
            id(part)
            for joined in ast.walk(tree)
            if isinstance(joined, ast.JoinedStr)
            for part in joined.values
        }
        _FSTRING_PARTS[id(tree)] = parts
    return id(node) in parts


def core_files() -> list[Path]:
    return sorted(
        path for path in REALTIME.rglob("*.py") if "simulator" not in path.relative_to(ROOT).parts
    )


def test_the_realtime_core_builds_no_sentence_a_person_reads():
    found = []
    for path in core_files():
        found += sentences(path.read_text(), str(path.relative_to(ROOT)))
    assert not found, (
        "words a person reads are made at the edge (wallboard/, templates/, the browser's "
        "catalog static/board/i18n.js); the realtime core returns codes and values:\n"
        + "\n".join(found)
    )


def test_every_allowed_string_is_still_there():
    """An allow-list entry whose string is gone is dropped, not left to allow a new one."""
    for where, texts in ALLOWED.items():
        source = (ROOT / where).read_text()
        for text in texts:
            assert text in source, (where, text)


@pytest.mark.parametrize(
    "source",
    [
        'MESSAGE = "Voicenter could not be reached. Try again."',
        'def f(x):\n    return f"Calling {x}: your phone rings first"',
        'raise BadNumber(f"{text!r} is not a valid phone number")',
        'WORDS = {"strict": "answered within T / answered"}',
        'def f():\n    """Doc."""\n    return "the number is empty"',
        'message = "Hung up." if hang_up else ""',
    ],
)
def test_a_sentence_in_the_core_is_found(source):
    assert sentences(source, "realtime/x.py")


@pytest.mark.parametrize(
    "source",
    [
        '"""A module docstring, with several words."""',
        'log.warning("Voicenter closed the socket: %s", reason)',
        'self._error(f"cannot open the socket at {url}")',
        'raise ValueError(f"not JSON ({exc})")',
        'self.health.last_error = f"Redis is unavailable: {exc!r}"',
        "said = f\"Status {code}, StatusError {error}, {text or 'no message'}\"",
        'CODES = ("strict", "answered", "no_short")',
    ],
)
def test_what_is_not_a_persons_sentence_passes(source):
    assert sentences(source, "realtime/x.py") == []
