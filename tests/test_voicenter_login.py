"""The realtime login's request and answer formats (pure)."""

from __future__ import annotations

import pytest

from realtime.voicenter.login import LoginRefused, login_request, parse_login_answer

pytestmark = pytest.mark.pure


def test_login_bodies_per_login_type():
    assert login_request("user", {"email": "a@b.c", "pin": "12"}) == (
        "User",
        {"email": "a@b.c", "pin": "12"},
    )
    with pytest.raises(ValueError, match="needs password"):
        login_request("account", {"username": "u"})


def test_login_answer_gives_token_servers_and_expiry_in_either_format():
    socket = {
        "Token": "t",
        "URLList": ["https://m1", "https://m2"],
        "RefreshToken": "r",
        "TokenExpiry": "/Date(1700000000000)/",
        "RefreshTokenExpiry": "2023-11-14T22:13:20Z",
    }
    grant = parse_login_answer(200, {"StatusCode": 0, "Data": {"Socket": socket}})
    assert (grant.token, grant.urls, grant.refresh_token) == (
        "t",
        ("https://m1", "https://m2"),
        "r",
    )
    assert grant.token_expiry == grant.refresh_token_expiry == 1_700_000_000


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"error": "Unauthorized"}),
        (200, {"error": "bad"}),
        (200, {"Data": {}}),
        (200, "nope"),
        (500, None),
    ],
)
def test_refused_logins_raise_login_refused(status, body):
    with pytest.raises(LoginRefused):
        parse_login_answer(status, body)


def test_long_tokens_are_kept_whole():
    token, refresh = "t" * 1_000, "r" * 900  # JWTs run long; a cut token is refused
    socket = {"Token": token, "RefreshToken": refresh, "URLList": ["https://m1"]}
    grant = parse_login_answer(200, {"StatusCode": 0, "Data": {"Socket": socket}})
    assert (grant.token, grant.refresh_token) == (token, refresh)
