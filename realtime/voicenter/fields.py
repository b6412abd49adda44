"""How Voicenter's JSON is read: case-insensitive keys, lenient numbers, capped text.

Pure helpers shared by the realtime normaliser (:mod:`realtime.voicenter.wire`) and the HTTP
answer parsers (:mod:`realtime.voicenter.login`). Voicenter spells keys differently from one
source to the next (``ivruniqueid`` / ``IvrUniqueID``, ``CallerID`` / ``CallerId``) and sends
numbers as numbers or strings; see ``docs/voicenter.md#events``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Strings from Voicenter (caller names, numbers) come from strangers; we keep at most this many
#: characters of each so that one odd event cannot bloat the state every screen receives.
MAX_TEXT = 200

#: Epoch seconds past this (the year 2286) are junk, not times: seconds sent where
#: milliseconds belong, or noise. They become None ("unknown").
MAX_EPOCH = 10**10

#: Integers beyond this (2^53 - 1, the largest a browser's number holds exactly; far below the
#: 64-bit limit of the JSON encoder) are junk from Voicenter, not ids or counts: None.
MAX_INT = 2**53 - 1


class Bad(Exception):
    """Unusable input, raised inside the parsers; the caller turns it into a readable refusal."""


#: Each key seen, lower-cased: Voicenter sends the same few dozen keys in every event (and
#: the JSON reader hands over the same key objects), so a lookup replaces a new string per key
#: (about 40% faster, and ``ci`` was a tenth of the worker's time at full speed). Bounded:
#: keys beyond it, and long ones (odd keys from a stranger's payload, which must neither fill
#: it before Voicenter's own nor be kept for good), are lower-cased each time.
_LOWER: dict[str, str] = {}
_LOWER_MAX = 4096
_LOWER_KEY_MAX = 64


def ci(obj: Mapping[Any, Any]) -> dict[str, Any]:
    """The object with lower-cased string keys (Voicenter's spelling varies)."""
    try:
        return {_LOWER[k]: v for k, v in obj.items()}
    except (KeyError, TypeError):  # a key not seen yet, or not a string
        return {_lower(k): v for k, v in obj.items() if isinstance(k, str)}


def _lower(key: str) -> str:
    low = _LOWER.get(key)
    if low is None:
        low = key.lower()
        if len(_LOWER) < _LOWER_MAX and len(key) <= _LOWER_KEY_MAX:
            _LOWER[key] = low
    return low


def obj(value: object) -> dict[str, Any] | None:
    if isinstance(value, Mapping):
        return ci(value)
    return None


def integer(value: object) -> int | None:
    """An integer within ``MAX_INT`` either way, else None."""
    if isinstance(value, bool):
        return None
    found: int | None = None
    if isinstance(value, int):
        found = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        found = int(value)
    elif isinstance(value, str) and len(value) < 40:
        try:
            found = int(value.strip())
        except ValueError:
            return None
    return found if found is not None and -MAX_INT <= found <= MAX_INT else None


def number(value: object) -> float | int | None:
    """A finite number within ``MAX_INT`` either way, else None."""
    found = _number(value)
    return found if found is not None and -MAX_INT <= found <= MAX_INT else None


def _number(value: object) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = float(value.strip())
        except ValueError:
            return None
        if not math.isfinite(parsed):
            return None
        return int(parsed) if parsed.is_integer() else parsed
    return None


def text(value: object) -> str:
    """A string field as text: capped, and without NUL characters (no database keeps them)."""
    if isinstance(value, str):
        return value[:MAX_TEXT].replace("\x00", "")
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)[:MAX_TEXT]
    return ""


def first(obj: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = obj.get(key)
        if value is not None and value != "":
            return value
    return None


def listed(obj: Mapping[str, Any], key: str, what: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise Bad(f"{what} is missing or not a list")
    return value


def error_code(obj: Mapping[str, Any]) -> int:
    """``errorCode``: absent or 0 is fine; anything else is an error (unreadable counts)."""
    raw = obj.get("errorcode")
    if raw is None or raw == "":
        return 0
    code = integer(raw)
    return -1 if code is None else code
