"""The recording format: one ["EventName", {payload}] per line."""

from __future__ import annotations

import pytest

from realtime.recording import BadLine, parse_line, read

pytestmark = pytest.mark.pure


def test_each_line_is_one_event_in_order_and_extra_elements_are_ignored():
    lines = [
        b'["loginStatus", {"queues": []}]',
        b'["QueueEvent", {"reason": "JOIN"}, "extra"]',
    ]
    assert list(read(lines)) == [
        ("loginStatus", {"queues": []}),
        ("QueueEvent", {"reason": "JOIN"}),
    ]


def test_blank_lines_and_comments_are_skipped_but_keep_their_line_numbers():
    lines = [b"# recorded 2026-11-22", b"", b"   ", b'["A", {}]', b"oops"]
    event, bad = list(read(lines))
    assert event == ("A", {})
    assert isinstance(bad, BadLine)
    assert bad.number == 5
    assert bad.problem.startswith("not JSON")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"{not json", "not JSON"),
        (b'{"name": "A"}', "not an"),
        (b'["A"]', "not an"),
        (b"[1, {}]", "not an"),
    ],
)
def test_a_line_that_is_not_a_named_event_is_a_bad_line_and_reading_goes_on(line, problem):
    [bad, good] = list(read([line, b'["After", null]']))
    assert isinstance(bad, BadLine)
    assert bad.number == 1
    assert problem in bad.problem
    assert good == ("After", None)  # the payload is the normaliser's to judge


def test_parse_line_takes_text_as_well_as_bytes():
    assert parse_line('["Ünïcode", {"name": "דנה"}]') == ("Ünïcode", {"name": "דנה"})
    with pytest.raises(ValueError, match="not JSON"):
        parse_line("")
