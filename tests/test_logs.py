"""What the product's logs leave out: display links' tokens (a token opens the board), in the
lines uvicorn writes for each socket and page, as well as the secret paths (their own tests:
test_contacts.py, test_reports.py)."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.pure

TOKEN = "tv-TOKEN-abcdefghijklmnop"


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def kept():
    handler = Kept()
    logging.getLogger("uvicorn").addHandler(handler)
    yield handler.lines
    logging.getLogger("uvicorn").removeHandler(handler)


@pytest.mark.parametrize(
    ("logger", "line", "args"),
    [
        # uvicorn.protocols.websockets: every socket it accepts, with its query
        ("uvicorn.error", '%s - "WebSocket %s" [accepted]',
         ("1.2.3.4:5", f"/ws/wallboard/?display={TOKEN}")),
        ("uvicorn.access", '%s - "%s %s HTTP/%s" %d',
         ("1.2.3.4:5", "GET", f"/display/{TOKEN}/", "1.1", 200)),
    ],
)  # fmt: skip
def test_a_display_token_stays_out_of_the_web_servers_logs(kept, logger, line, args):
    logging.getLogger(logger).warning(line, *args)
    assert kept
    assert TOKEN not in kept[-1]
    assert "[redacted]" in kept[-1]
    assert "1.2.3.4" in kept[-1]


def test_the_api_code_of_an_active_calls_question_stays_out_of_the_console():
    from wallboard.core.logs import RedactSecrets

    consoles = [
        h for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecrets) for f in h.filters)
    ]  # fmt: skip
    assert consoles  # the settings' console handler, which every logger reaches
    console = consoles[0]
    url = "https://monitor.voicenter.co.il/comet/API/GetQueuesCallers?code=S3CRET&x=1"
    # httpx logs every request it makes so, at INFO
    record = logging.LogRecord(
        "httpx", logging.INFO, "", 0, 'HTTP Request: %s %s "%s %d %s"',
        ("GET", url, "HTTP/1.1", 200, "OK"), None,
    )  # fmt: skip
    assert console.filter(record)
    message = record.getMessage()
    assert "S3CRET" not in message
    assert "GetQueuesCallers?code=[redacted]&x=1" in message
