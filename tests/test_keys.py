"""One module builds every Redis key (``realtime/keys.py``), and ``docs/protocol.md`` lists
every family it builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from realtime.keys import FAMILIES, Keys

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parent.parent
#: A key built by hand: the prefix and a name glued together.
BUILT_BY_HAND = re.compile(r"prefix\s*\+\s*[\"f]|\{[\w.]*prefix\}\w|PREFIX\s*\+\s*\"")


def test_docs_list_every_family():
    table = (ROOT / "docs" / "protocol.md").read_text()
    documented = {
        re.sub(r"<[^>]+>", "<>", name) for name in re.findall(r"`wallboard:([^`]+)`", table)
    }
    assert {re.sub(r"<[^>]+>", "<>", family) for family in FAMILIES} <= documented


def test_no_code_outside_the_keys_module_builds_a_key():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for top in ("realtime", "wallboard")
        for path in sorted((ROOT / top).rglob("*.py"))
        if path != ROOT / "realtime" / "keys.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BUILT_BY_HAND.search(line)
    ]
    assert found == []


def test_each_family_is_built_under_the_prefix():
    names = Keys("p:")
    assert names.collection("queues") == "p:queues"
    known = names.signin_failed_known("boss", "a:10.0.0.1")
    assert known == "p:signin:failed:known:boss:a:10.0.0.1"
    assert names.status_asked(7, "SIP1", 3) == "p:status:asked:7:SIP1:3"
