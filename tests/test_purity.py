"""Style rule 1: the pure core imports no framework and no I/O library; nothing under
``realtime/`` imports Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

PURE = [
    "realtime.events",
    "realtime.voicenter.fields",
    "realtime.voicenter.wire",
    "realtime.voicenter.login",
    "realtime.voicenter.rest",
    "realtime.voicenter.cdr",
    "realtime.metrics",
    "realtime.history",
    "realtime.simulator.model",
    "realtime.phones",
    "realtime.contacts",
    "realtime.state",
    "realtime.messages",
    "realtime.recording",
    "realtime.projections",
    "realtime.pipeline",
    "realtime.scopes",
]
ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("django", "channels", "redis", "socketio", "engineio", "httpx", "aiohttp", "orjson")


def imported_by(modules: list[str], packages: tuple[str, ...]) -> str:
    """The modules of ``packages`` that importing ``modules`` (in a fresh interpreter) loads."""
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {packages!r})\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@pytest.mark.parametrize("module", PURE)
def test_pure_module_imports_no_io(module):
    assert imported_by([module], FORBIDDEN) == ""


REALTIME = sorted(
    "realtime." + ".".join(path.relative_to(ROOT / "realtime").with_suffix("").parts)
    for path in (ROOT / "realtime").rglob("*.py")
    if path.name != "__init__.py"
)


def test_nothing_under_realtime_imports_django():
    assert len(REALTIME) > 10  # the walk found the package
    assert imported_by(REALTIME, ("django", "channels")) == ""
