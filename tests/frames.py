"""The browser protocol's JSON Schema (``realtime/messages.schema.json``), for the tests (pure)."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

import realtime

SCHEMA_FILE = Path(realtime.__file__).parent / "messages.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text())
VALIDATOR = Draft202012Validator(SCHEMA)


def frame_problem(frame: object) -> str | None:
    """Why ``frame`` is not a valid server -> browser frame, or None when it is."""
    error = best_match(VALIDATOR.iter_errors(frame))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(the frame)"
    return f"{where}: {error.message}"


def assert_valid_frame(frame: object) -> None:
    problem = frame_problem(frame)
    assert problem is None, f"not a valid frame: {problem}"
