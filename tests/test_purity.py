"""Style rule 1: the pure core imports no framework and no I/O library."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.pure

PURE = ["realtime.events", "realtime.voicenter", "realtime.state", "realtime.messages"]
FORBIDDEN = ("django", "channels", "redis", "socketio", "engineio", "httpx", "aiohttp", "orjson")


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io(module):
    code = (
        f"import sys, {module}\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
