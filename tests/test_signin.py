"""Sign-in: guessing passwords is limited per account and per address, with a message a
person understands, for five minutes at most; a good sign-in clears the count."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model

from wallboard.board import signin

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(use_prefix):
    return get_user_model().objects.create_user("boss", password="pw-123456")


def attempt(client, password: str, username: str = "boss", address: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_after_too_many_wrong_passwords_the_account_waits_a_few_minutes(client, boss, use_prefix):
    for _ in range(signin.PER_ACCOUNT):
        assert attempt(client, "wrong").status_code == 200  # the form, with its error
    refused = attempt(client, "pw-123456")  # even the right one, for now
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    ttl = redis.Redis.from_url(settings.REDIS_URL).ttl(use_prefix + "signin:failed:account:boss")
    assert 0 < ttl <= signin.WINDOW_S  # a real supervisor waits five minutes at most


def test_the_limit_is_per_account_and_per_address(client, boss, use_prefix):
    for _ in range(signin.PER_ACCOUNT):
        attempt(client, "wrong", username="someone-else", address="10.0.0.2")
    assert attempt(client, "pw-123456", address="10.0.0.3").status_code == 302  # boss is fine


def test_one_address_guessing_many_accounts_is_stopped(client, boss, use_prefix, monkeypatch):
    monkeypatch.setattr(signin, "PER_ADDRESS", 5)
    for i in range(5):
        attempt(client, "wrong", username=f"user{i}", address="10.9.9.9")
    assert attempt(client, "pw-123456", address="10.9.9.9").status_code == 429
    assert attempt(client, "pw-123456", address="10.0.0.4").status_code == 302


def test_a_good_sign_in_clears_the_accounts_count(client, boss, use_prefix):
    for _ in range(signin.PER_ACCOUNT - 1):
        attempt(client, "wrong")
    assert attempt(client, "pw-123456").status_code == 302
    client.logout()
    for _ in range(signin.PER_ACCOUNT - 1):
        attempt(client, "wrong")
    assert attempt(client, "pw-123456").status_code == 302  # counting started afresh
