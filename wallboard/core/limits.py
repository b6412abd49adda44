"""What every command a person sends from the board (a status change, a call, a hang-up) goes
through before Voicenter is asked: a refusal with an HTTP status and a message (in the words of
the person refused: translatable), and a rate limit per person, counted in Redis so that every
web process shares it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from realtime.store import StateStore

#: A person's commands per RATE_WINDOW_S, the window starting at their first: "a few changes
#: per second" (issue #10).
RATE_PER_WINDOW = 3
RATE_WINDOW_S = 1


@dataclass(frozen=True)
class Refusal(Exception):
    http_status: int
    reason: str
    message: str
    quiet: bool = False  # counted and logged, not written to the audit log


async def rate_limit(user: User, store: StateStore, message: str = "") -> None:
    """At most RATE_PER_WINDOW commands per person per window, or :class:`Refusal` (429) with
    ``message`` (default: too many requests); the first refusal of a window is for the audit
    log, the rest only counted (``quiet``)."""
    key = store.names.rate(user.pk)
    async with store.redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, nx=True, px=int(RATE_WINDOW_S * 1000))
        pipe.incr(key)
        count = (await pipe.execute())[1]
    if count > RATE_PER_WINDOW:
        quiet = count > RATE_PER_WINDOW + 1
        message = message or _("Too many requests at once: wait a second.")
        raise Refusal(429, "too_many", message, quiet)


def ascii_int(raw: str, limit: int = 18) -> int | None:
    """``raw`` as a non-negative integer if it is plain ASCII digits (``"²"`` is a digit to
    ``str.isdigit``, not to ``int``)."""
    if raw.isascii() and raw.isdigit() and len(raw) <= limit:
        return int(raw)
    return None
