"""Sign-in: one limit on password guessing for every way in (our form and the admin's), keyed on
the account as Django authenticates it and on the address as the proxy saw it; strangers never
lock the owner out of a known address or browser; a storm of sign-ins is turned away at once
instead of queueing in front of the boards (``wallboard/core/signin.py``)."""

from __future__ import annotations

import threading

import pytest
import redis
from django.conf import settings
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.views import LoginView
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from wallboard.core import signin

pytestmark = pytest.mark.django_db(transaction=True)  # sign-ins run on threads of their own

PASSWORD = "pw-123456"


@pytest.fixture
def boss(use_prefix):
    return get_user_model().objects.create_user("boss", password=PASSWORD, is_staff=True)


def attempt(client, password: str, username: str = "boss", address: str = "10.0.0.1",
            path: str = "/accounts/login/"):  # fmt: skip
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302


def lock_out_strangers(client, username: str = "boss") -> None:
    """PER_ACCOUNT wrong guesses at the account, each from an address of its own, in a browser
    of their own."""
    stranger = type(client)()
    for i in range(signin.PER_ACCOUNT):
        assert attempt(stranger, "wrong", username, address=f"10.1.0.{i}").status_code == 200


@pytest.fixture
def hashed(monkeypatch):
    """How many passwords were checked, and on which threads."""
    threads: list[str] = []
    verify = MD5PasswordHasher.verify

    def counting(self, password, encoded):
        threads.append(threading.current_thread().name)
        return verify(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "verify", counting)
    return threads


def test_after_too_many_wrong_passwords_a_stranger_waits_with_a_message(client, boss, use_prefix):
    lock_out_strangers(client)
    refused = attempt(client, PASSWORD, address="10.2.0.1")  # even the right one, for now
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= signin.WINDOW_S
    assert "_auth_user_id" not in client.session
    ttl = redis.Redis.from_url(settings.REDIS_URL).ttl(use_prefix + "signin:failed:account:boss")
    assert 0 < ttl <= signin.WINDOW_S


def test_a_refused_attempt_checks_no_password_and_is_not_counted(client, boss, hashed):
    lock_out_strangers(client)
    checked = len(hashed)
    for _ in range(5):
        assert attempt(client, "wrong", address="10.2.0.2").status_code == 429
    assert len(hashed) == checked
    key = settings.WALLBOARD_REDIS_PREFIX + "signin:failed:account:boss"
    assert redis.Redis.from_url(settings.REDIS_URL).get(key) == str(signin.PER_ACCOUNT).encode()


def test_the_admin_login_counts_and_obeys_the_same_limit(client, boss):
    for i in range(signin.PER_ACCOUNT // 2):
        attempt(client, "wrong", address=f"10.3.0.{i}", path="/admin/login/")
    for i in range(signin.PER_ACCOUNT - signin.PER_ACCOUNT // 2):
        attempt(client, "wrong", address=f"10.4.0.{i}")
    refused = attempt(client, PASSWORD, address="10.5.0.1", path="/admin/login/")
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert attempt(client, PASSWORD, address="10.5.0.2").status_code == 429


def test_another_spelling_of_the_name_is_the_same_account(client, boss):
    for i in range(signin.PER_ACCOUNT):
        attempt(
            client, "wrong", username=("\uff42oss", "BOSS", "boss ")[i % 3], address=f"10.6.0.{i}"
        )
    assert attempt(client, PASSWORD, username="\uff42oss", address="10.6.1.1").status_code == 429
    assert attempt(client, PASSWORD, username="boss", address="10.6.1.2").status_code == 429


def test_the_owner_signs_in_from_a_known_address_while_strangers_are_locked_out(client, boss):
    assert signed_in(attempt(client, PASSWORD, address="192.168.1.20"))
    client.logout()  # (which forgets every cookie: the address alone, not the browser)
    lock_out_strangers(client)
    assert attempt(client, PASSWORD, address="10.7.0.1").status_code == 429  # a stranger
    assert signed_in(attempt(client, PASSWORD, address="192.168.1.20"))  # the owner's office


def test_the_owner_signs_in_from_a_known_browser_anywhere(client, boss):
    first = attempt(client, PASSWORD, address="192.168.1.21")
    assert signed_in(first)
    device = first.cookies[signin.DEVICE_COOKIE]
    assert device["httponly"]
    client.logout()
    client.cookies[signin.DEVICE_COOKIE] = device.value
    lock_out_strangers(client)
    assert signed_in(attempt(client, PASSWORD, address="172.16.9.9"))  # a hotel, same laptop


def test_a_known_source_has_a_limit_of_its_own(client, boss):
    assert signed_in(attempt(client, PASSWORD, address="192.168.1.22"))
    client.logout()  # the address is known
    for _ in range(signin.PER_KNOWN):
        assert attempt(client, "wrong", address="192.168.1.22").status_code == 200
    assert attempt(client, PASSWORD, address="192.168.1.22").status_code == 429
    # other accounts from that browser are not held up by it
    get_user_model().objects.create_user("other", password=PASSWORD)
    assert signed_in(attempt(client, PASSWORD, username="other", address="192.168.1.22"))


def test_one_address_guessing_many_accounts_is_stopped(client, boss, monkeypatch):
    monkeypatch.setattr(signin, "PER_ADDRESS", 5)
    for i in range(5):
        attempt(client, "wrong", username=f"user{i}", address="10.9.9.9")
    assert attempt(client, PASSWORD, address="10.9.9.9").status_code == 429
    assert signed_in(attempt(client, PASSWORD, address="10.0.0.4"))


def test_a_known_browser_is_not_held_up_by_its_offices_failures(client, boss, monkeypatch):
    first = attempt(client, PASSWORD, address="10.9.9.8")
    assert signed_in(first)
    client.logout()
    client.cookies[signin.DEVICE_COOKIE] = first.cookies[signin.DEVICE_COOKIE].value
    monkeypatch.setattr(signin, "PER_ADDRESS", 5)
    stranger = type(client)()
    for i in range(5):
        attempt(stranger, "wrong", username=f"user{i}", address="10.9.9.8")
    assert attempt(stranger, PASSWORD, address="10.9.9.8").status_code == 429
    assert signed_in(attempt(client, PASSWORD, address="10.9.9.8"))


def test_an_ipv6_subscriber_counts_as_one_address(client, boss, monkeypatch):
    monkeypatch.setattr(signin, "PER_ADDRESS", 5)
    for i in range(5):
        attempt(client, "wrong", username=f"user{i}", address=f"2001:db8:1:2::{i + 1:x}")
    assert attempt(client, PASSWORD, address="2001:db8:1:2:ffff::1").status_code == 429
    assert signed_in(attempt(client, PASSWORD, address="2001:db8:1:3::1"))


def test_a_forwarded_for_header_from_the_client_is_not_its_address(client, boss, monkeypatch):
    monkeypatch.setattr(signin, "PER_ADDRESS", 5)
    for i in range(5):
        client.post(
            "/accounts/login/",
            {"username": f"user{i}", "password": "wrong"},
            REMOTE_ADDR="10.8.8.8",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{i}",
        )
    refused = client.post(
        "/accounts/login/",
        {"username": "boss", "password": PASSWORD},
        REMOTE_ADDR="10.8.8.8",
        HTTP_X_FORWARDED_FOR="1.2.3.200",
    )
    assert refused.status_code == 429


def test_a_good_sign_in_clears_its_sources_count(client, boss):
    for _ in range(signin.PER_KNOWN - 1):
        attempt(client, "wrong")
    assert signed_in(attempt(client, PASSWORD))
    client.logout()
    for _ in range(signin.PER_KNOWN - 1):
        attempt(client, "wrong")
    assert signed_in(attempt(client, PASSWORD))  # counting started afresh


def test_password_checks_run_on_the_sign_in_threads(client, boss, hashed):
    assert signed_in(attempt(client, PASSWORD))
    assert hashed
    assert all(name.startswith("wallboard-signin") for name in hashed)


def test_a_sign_in_beyond_the_threads_is_turned_away_at_once(client, boss, hashed, monkeypatch):
    monkeypatch.setattr(signin, "_in_flight", signin.CONCURRENCY + signin.WAITING)
    busy = attempt(client, PASSWORD, path="/admin/login/")
    assert busy.status_code == 429
    assert busy["Retry-After"] == str(signin.BUSY_RETRY_S)
    page = busy.content.decode()
    assert "Many people are signing in" in page
    assert 'value="boss"' in page  # the name is kept
    assert 'action="/admin/login/"' in page  # trying again goes where it came from
    assert hashed == []


def _login_routes(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _login_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            view = entry.callback
            view_class = getattr(view, "view_class", None)
            own = getattr(view, "__wrapped__", view)
            is_login = (view_class is not None and issubclass(view_class, LoginView)) or (
                getattr(own, "__func__", None) is AdminSite.login
            )
            if is_login:
                yield "/" + prefix + str(entry.pattern)


def test_every_sign_in_route_is_guarded():
    routes = sorted(set(_login_routes(get_resolver().url_patterns)))
    assert "/accounts/login/" in routes
    assert "/admin/login/" in routes
    for route in routes:
        assert getattr(resolve(route).func, "signin_guarded", False), route


def test_the_backend_guards_a_sign_in_that_bypasses_the_forms(boss):
    from django.contrib.auth import authenticate

    for _ in range(signin.PER_ACCOUNT):
        assert authenticate(username="boss", password="wrong") is None
    assert authenticate(username="boss", password=PASSWORD) is None  # no request: a stranger


def test_a_browser_id_this_server_did_not_make_is_never_known(client, boss):
    client.cookies[signin.DEVICE_COOKIE] = "planted-by-a-page-0123456789"
    first = attempt(client, PASSWORD, address="192.168.1.30")
    assert signed_in(first)
    made = first.cookies[signin.DEVICE_COOKIE].value
    assert made != "planted-by-a-page-0123456789"  # replaced by one of ours
    client.logout()
    lock_out_strangers(client)
    client.cookies[signin.DEVICE_COOKIE] = "planted-by-a-page-0123456789"
    assert attempt(client, PASSWORD, address="172.16.9.10").status_code == 429
    client.cookies[signin.DEVICE_COOKIE] = made
    assert signed_in(attempt(client, PASSWORD, address="172.16.9.10"))


def test_a_source_unused_for_known_days_is_a_stranger_again(client, boss, use_prefix):
    import time

    assert signed_in(attempt(client, PASSWORD, address="192.168.1.31"))
    client.logout()
    known = redis.Redis.from_url(settings.REDIS_URL)
    long_ago = time.time() - signin.KNOWN_DAYS * 86_400 - 60
    key = use_prefix + "signin:known:boss"
    for member in known.zrange(key, 0, -1):  # every source, last used long ago
        name = member.decode() if isinstance(member, bytes) else str(member)
        known.zadd(key, {name: long_ago})
    lock_out_strangers(client)
    assert attempt(client, PASSWORD, address="192.168.1.31").status_code == 429


async def test_a_check_given_up_on_is_counted_until_its_password_is_checked(monkeypatch):
    import asyncio
    import threading

    from django.http import HttpRequest, HttpResponse

    started, release = threading.Event(), threading.Event()

    def slow_view(request):
        started.set()
        release.wait(10)
        return HttpResponse("checked")

    view = signin.guarded(slow_view)
    request = HttpRequest()
    request.method = "POST"
    task = asyncio.ensure_future(view(request))
    await asyncio.to_thread(started.wait, 10)
    task.cancel()  # the browser went away
    await asyncio.sleep(0)
    assert signin._in_flight == 1  # its hash still runs: still counted
    release.set()
    for _ in range(100):
        if signin._in_flight == 0:
            break
        await asyncio.sleep(0.05)
    assert signin._in_flight == 0
