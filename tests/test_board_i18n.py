"""The browser's catalog (static/board/i18n.js, run under Node): the words every browser module
puts on screen come from it, each key the modules use is in its English table and each key of
the table is used; placeholders are filled; a value Voicenter sent is shown as it came when the
table has no word for it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "static" / "board" / "i18n.js"
#: The browser modules that put words on screen (all but the catalog itself).
MODULES = sorted(p for p in (ROOT / "static").rglob("*.js") if p != I18N)


def node(script: str) -> object:
    path = shutil.which("node")
    assert path, "Node.js is needed to run the board's modules"
    out = subprocess.run(
        [path, "--input-type=module", "-e", script], capture_output=True, check=True, text=True
    )
    return json.loads(out.stdout)


def catalog(expression: str) -> object:
    return node(
        f"import * as i18n from {json.dumps(I18N.as_uri())};"
        f"const {{ t, word, setLanguage, TABLES }} = i18n;"
        f"console.log(JSON.stringify({expression}));"
    )


_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`')


def code_and_literals(source: str) -> tuple[str, list[tuple[int, str]]]:
    """The source without its comments (strings and regular expressions kept as they are), and
    its string literals with their line numbers."""
    code: list[str] = []
    literals: list[tuple[int, str]] = []
    i = 0
    while i < len(source):
        if source.startswith("//", i):
            end = source.find("\n", i)
            i = len(source) if end < 0 else end
            continue
        if source.startswith("/*", i):
            i = source.index("*/", i) + 2
            continue
        match = _LITERAL.match(source, i) if source[i] in "\"'`" else None
        if match:
            literals.append((source.count("\n", 0, i) + 1, match.group(0)[1:-1]))
            code.append(match.group(0))
            i = match.end()
            continue
        code.append(source[i])
        i += 1
    return "".join(code), literals


#: Two words (letters, whitespace, letters): a sentence a person reads.
WORDS = re.compile(r"[A-Za-z]\s+[A-Za-z]")
#: A literal with letters put on screen directly: an element's text, a title, a label.
_STR = r"""(?:"[^"\n]*"|'[^'\n]*'|`[^`]*`)"""
ON_SCREEN = re.compile(
    rf"""(?:\bel\(\s*{_STR}\s*,\s*{_STR}\s*,\s*|setText\([^,()]*,\s*|\.textContent\s*=\s*"""
    r"""|\.title\s*=\s*|setAttribute\(\s*["'](?:aria-label|title|placeholder)["']\s*,\s*)"""
    r"""(["'`][^"'`]*[A-Za-z][^"'`]*["'`])"""
)


def test_no_browser_module_writes_its_own_words():
    found = []
    for path in MODULES:
        code, literals = code_and_literals(path.read_text())
        where = path.relative_to(ROOT)
        found += [f"{where}:{line}: {text!r}" for line, text in literals if WORDS.search(text)]
        found += [f"{where}: {m.group(1)}" for m in ON_SCREEN.finditer(code)]
    assert not found, "words on screen come from static/board/i18n.js (t, word):\n" + "\n".join(
        found
    )


def used_keys() -> tuple[set[str], set[str]]:
    keys: set[str] = set()
    groups: set[str] = set()
    for path in MODULES:
        code, _ = code_and_literals(path.read_text())
        keys |= set(re.findall(r"\bt\(\s*\"([\w.]+)\"", code))
        groups |= set(re.findall(r"\bword\(\s*\"(\w+)\"", code))
    return keys, groups


def test_every_key_used_is_in_the_english_table_and_every_entry_is_used():
    table = catalog("Object.fromEntries(Object.entries(TABLES.en).map(([k, v]) => "
                    "[k, typeof v === 'string' ? 'text' : 'values']))")  # fmt: skip
    assert isinstance(table, dict)
    keys, groups = used_keys()
    texts = {k for k, kind in table.items() if kind == "text"}
    values = {k for k, kind in table.items() if kind == "values"}
    assert keys - texts == set(), "used, but not in the catalog"
    assert groups - values == set(), "word() groups not in the catalog"
    assert texts - keys == set(), "in the catalog, used by no module"
    assert values - groups == set(), "word() groups used by no module"


def test_placeholders_are_filled_and_a_missing_key_shows_itself():
    assert catalog(
        '[t("banner.live"), t("queue.moreWaiting", {count: 3}), t("queue.alertSl", {sl: 70.5,'
        ' min: 80}), t("status.about", {name: "Dana"}), t("no.such.key")]'
    ) == [
        "● Live", "+ \u20683\u2069 more waiting", "⚠ SL \u206870.5\u2069% (below \u206880\u2069%)",
        "\u2068Dana\u2069: {text}", "no.such.key",
    ]  # fmt: skip


def test_each_value_in_a_sentence_is_isolated_with_its_own_direction():
    # "Talking with שרה כהן · 0:02" read as "Talking with 0:02 · שרה כהן" without isolation
    assert catalog('[t("contacts.talking", {name: "שרה כהן", duration: "0:02"})]') == [
        "Talking with \u2068שרה כהן\u2069 · \u20680:02\u2069"
    ]


def test_voicenters_values_are_worded_or_shown_as_they_came():
    assert catalog(
        '[word("callState", "Talking"), word("direction", "Outgoing"),'
        ' word("callState", "Parked"), word("callState", "constructor")]'
    ) == ["Talking", "Outgoing", "Parked", "constructor"]


def test_a_language_without_a_table_reads_english():
    assert catalog('[setLanguage("en-us"), setLanguage("xx"), t("pop.close")]') == [
        "en", "en", "Close",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "source",
    [
        'el("span", "agent-you", "You")',
        'setText(node, "Unknown number")',
        'button.textContent = "Close"',
        'box.setAttribute("aria-label", "Incoming call")',
        'const text = "Calling the number " + name;',
    ],
)
def test_words_written_in_a_module_are_found(source):
    code, literals = code_and_literals(source)
    assert any(WORDS.search(text) for _, text in literals) or ON_SCREEN.search(code)


@pytest.mark.parametrize(
    "source",
    [
        'el("span", "queue-icon", "☎")',
        'setText(node, t("queue.unknownNumber"))',
        'headers: { "X-CSRFToken": csrfToken() }',
        '// a comment with "Some words" in it',
        'if (event.key === "Escape") close();',
    ],
)
def test_code_that_writes_no_words_passes(source):
    code, literals = code_and_literals(source)
    assert not any(WORDS.search(text) for _, text in literals)
    assert not ON_SCREEN.search(code)
