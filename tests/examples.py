"""Example data for the tests (pure): Voicenter's own documented example events, which many tests
replay, and whole state entries for tests that write the state directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from realtime.events import Agent
from realtime.state import agent_view

FIXTURES = Path(__file__).parent / "fixtures"
DOC_FILE = FIXTURES / "voicenter_doc_examples.jsonl"


def doc_examples() -> list[tuple[str, dict]]:
    """Every example event of Voicenter's realtime API doc, in the doc's order."""
    lines = DOC_FILE.read_text().splitlines()
    return [(name, payload) for name, payload in map(json.loads, filter(str.strip, lines))]


def agent_entity(extension: str, **fields) -> Any:
    """A whole agent entry of the state, as the reducer builds it (for tests that write state
    directly); ``fields`` override its values (any: so the entry is typed Any)."""
    agent = Agent(
        extension=extension,
        number="100",
        user_id=7,
        user_name="Clark Kent",
        agent_name="Clark Kent",
        status=1,
        status_name="Login",
        status_since=1_600_000_000,
        peer_status="OK",
        calls=(),
    )
    return {**agent_view(agent, None, None), **fields}
