"""The recording format: raw Voicenter events, one per line, as the socket delivers them.

Read by ``manage.py replay`` (into the live path) and ``manage.py simulate --replay`` (played
back to a connected worker). Pure: no I/O; the callers read the file.

Format::

    # a comment
    ["loginStatus", {"errorCode": 0, "queues": [...], "servertime": 1606908000}]
    ["QueueEvent", {"reason": "JOIN", "data": {...}, "ivruniqueid": "..."}]

Each line is one JSON array ``["EventName", {payload}]`` (extra elements are ignored). Blank
lines and lines starting with ``#`` are skipped; any other line that is not such an array is a
:class:`BadLine`, reported with its 1-based line number; the reader goes on with the next line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

RawEvent = tuple[str, object]


@dataclass(frozen=True, slots=True)
class BadLine:
    number: int
    problem: str


def parse_line(line: bytes | str) -> RawEvent:
    """One recorded line -> (name, payload). Raises ValueError with a readable reason."""
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    except RecursionError:  # "[[[[..." past Python's limit: a bad line like any other
        raise ValueError("not JSON (nested too deep)") from None
    if not isinstance(value, list) or len(value) < 2 or not isinstance(value[0], str):
        raise ValueError('not an ["EventName", {payload}] array')
    return value[0], value[1]


def read(lines: Iterable[bytes]) -> Iterator[RawEvent | BadLine]:
    """Every event of a recording, in order, with a :class:`BadLine` for each unusable line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith(b"#"):
            continue
        try:
            yield parse_line(line)
        except ValueError as exc:
            yield BadLine(number, str(exc))
