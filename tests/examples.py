"""Voicenter's own documented example events, the fixtures many tests replay (pure)."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
DOC_FILE = FIXTURES / "voicenter_doc_examples.jsonl"


def doc_examples() -> list[tuple[str, dict]]:
    """Every example event of Voicenter's realtime API doc, in the doc's order."""
    lines = DOC_FILE.read_text().splitlines()
    return [(name, payload) for name, payload in map(json.loads, filter(str.strip, lines))]
