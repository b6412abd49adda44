"""Who reads which language (``wallboard/core/language.py``): a person's pick, kept on their
account; a display link's own; the browser's when Hebrew or English; else the site's default.
Hebrew pages are right to left; Hebrew names from Voicenter and from people come through as
they are."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from realtime.voicenter.rest import parse_extensions
from wallboard.agents.onboarding import import_extensions
from wallboard.board.models import DisplayLink

pytestmark = pytest.mark.django_db


def page_language(html: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', html)
    assert found, html[:200]
    return found.group(1), found.group(2)


def test_a_hebrew_browser_gets_hebrew_right_to_left():
    page = Client().get("/accounts/login/", headers={"accept-language": "he-IL,he;q=0.9"})
    assert page_language(page.content.decode()) == ("he", "rtl")
    assert "כניסה" in page.content.decode()  # "Sign in"


def test_another_language_gets_the_sites_default(settings):
    page = Client().get("/accounts/login/", headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert page_language(page.content.decode()) == ("en", "ltr")


def test_the_site_default_may_be_hebrew(settings):
    settings.LANGUAGE_CODE = "he"
    page = Client().get("/accounts/login/", headers={"accept-language": "fr"})
    assert page_language(page.content.decode()) == ("he", "rtl")


@pytest.fixture
def person(roles_and_statuses, use_prefix):
    from wallboard.agents.onboarding import create_agent

    create_agent("dana", password="a-long-pass-phrase", supervisor=True)
    web = Client()
    assert web.login(username="dana", password="a-long-pass-phrase")
    return web


def test_a_person_picks_hebrew_it_is_kept_on_their_account_and_english_is_one_click_back(
    person,
):
    picked = person.post("/accounts/language", {"language": "he", "next": "/"})
    assert picked.status_code == 302
    assert picked["Location"] == "/"
    assert page_language(person.get("/").content.decode()) == ("he", "rtl")
    elsewhere = Client()  # another browser, an English one: the account's choice
    assert elsewhere.login(username="dana", password="a-long-pass-phrase")
    english_browser = {"accept-language": "en-US"}
    assert page_language(elsewhere.get("/", headers=english_browser).content.decode())[0] == "he"
    person.post("/accounts/language", {"language": "en", "next": "/contacts/"})
    assert page_language(person.get("/contacts/").content.decode()) == ("en", "ltr")


def test_the_switch_goes_back_to_the_page_it_was_on_and_nowhere_else(person):
    assert (
        person.post("/accounts/language", {"language": "he", "next": "/contacts/"})["Location"]
        == "/contacts/"
    )
    off_site = person.post(
        "/accounts/language", {"language": "he", "next": "https://evil.example/"}
    )
    assert off_site["Location"] == "/"
    unknown = person.post("/accounts/language", {"language": "xx", "next": "/"})
    assert unknown.status_code == 302
    assert page_language(person.get("/").content.decode())[0] == "he"  # unchanged


@pytest.mark.django_db(transaction=True)  # sign-ins run on threads of their own
def test_a_language_picked_before_signing_in_becomes_the_accounts(roles_and_statuses, use_prefix):
    from wallboard.agents.onboarding import create_agent
    from wallboard.core.models import Preferences

    create_agent("noa", password="a-long-pass-phrase", supervisor=True)
    web = Client()
    web.post("/accounts/language", {"language": "he", "next": "/accounts/login/"})
    signed = web.post("/accounts/login/", {"username": "noa", "password": "a-long-pass-phrase"})
    assert signed.status_code == 302
    assert Preferences.objects.get(user__username="noa").language == "he"


def test_hebrew_pages_name_the_statuses_in_hebrew_status_1_as_the_cards_do(person):
    person.post("/accounts/language", {"language": "he", "next": "/"})
    html = person.get("/").content.decode()
    config = re.search(r'id="board-config" type="application/json">(.*?)</script>', html)
    assert config is not None
    assert '"name": "\\u05d6\\u05de\\u05d9\\u05df"' in config.group(1)  # זמין (agent.available)
    assert "\\u05d4\\u05e4\\u05e1\\u05e7\\u05ea \\u05e6\\u05d4\\u05e8\\u05d9\\u05d9\\u05dd" in (
        config.group(1)
    )  # הפסקת צהריים


def test_a_display_link_carries_its_language_without_a_sign_in(use_prefix):
    out = io.StringIO()
    call_command("create_display", "Sales TV", "--language", "he", stdout=out)
    path = out.getvalue().strip()
    assert DisplayLink.objects.get(name="Sales TV").language == "he"
    tv = Client().get(path, headers={"accept-language": "en-US"})
    assert tv.status_code == 200
    assert page_language(tv.content.decode()) == ("he", "rtl")
    plain = DisplayLink.objects.create(name="Lobby")
    assert page_language(
        Client().get(plain.path(), headers={"accept-language": "en-US"}).content.decode()
    ) == ("en", "ltr")


def test_hebrew_names_from_voicenters_extension_list_come_through_as_they_are():
    # the Hebrew extension-list page's example, with the names an Israeli account gives
    answer = {
        "ERR": 0, "DESC": "OK",
        "EXTENSIONS": [
            {"SIP": "SIPSIP1", "Name": "שלוחה 1", "SpeedDial": "11", "AccountID": 12345678,
             "AccountName": "מחלקת מכירות", "UserName": "שרה כהן", "UserEmail": "sara@example.com"},
        ],
    }  # fmt: skip
    rows, skipped = parse_extensions(answer)
    assert skipped == 0
    get_user_model().objects.create_user("sara", email="sara@example.com", password="x" * 12)
    import_extensions(rows, {})
    from wallboard.agents.models import Extension

    stored = Extension.objects.get(sip="SIPSIP1")
    assert (stored.name, stored.user_name) == ("שלוחה 1", "שרה כהן")


def test_a_page_with_the_language_cookie_reads_no_session_and_no_account(
    person, django_assert_num_queries
):
    from django.test import RequestFactory

    from wallboard.core.language import language_of

    person.post("/accounts/language", {"language": "he", "next": "/"})
    cookie = person.cookies[settings.LANGUAGE_COOKIE_NAME].value
    request = RequestFactory().get("/", headers={"accept-language": "en-US"})
    request.COOKIES = {settings.LANGUAGE_COOKIE_NAME: cookie, settings.SESSION_COOKIE_NAME: "x"}
    with django_assert_num_queries(0):
        assert language_of(request) == "he"


@pytest.mark.django_db(transaction=True)  # sign-ins run on threads of their own
def test_signing_in_puts_the_accounts_language_in_the_browsers_cookie(person):
    from wallboard.core.models import Preferences

    dana = get_user_model().objects.get(username="dana")
    Preferences.objects.update_or_create(user=dana, defaults={"language": "he"})
    web = Client()
    signed = web.post("/accounts/login/", {"username": "dana", "password": "a-long-pass-phrase"})
    assert signed.status_code == 302
    assert web.cookies[settings.LANGUAGE_COOKIE_NAME].value == "he"
