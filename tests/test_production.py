"""Production settings (issue "Hardening"): HTTPS behind a TLS proxy with WALLBOARD_HTTPS=1, a
strict Content-Security-Policy the pages satisfy, ``check --deploy`` without a warning, no start
without a SECRET_KEY of one's own, and no password reset pages without e-mail."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import AsyncClient, Client, override_settings
from django.urls import clear_url_caches

import wallboard.core.urls
import wallboard.urls
from wallboard.agents.onboarding import create_agent
from wallboard.board.models import DisplayLink
from wallboard.contacts.models import Contact, PhoneNumber

ROOT = Path(__file__).resolve().parent.parent

STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self';"
    " frame-ancestors 'none'"
)


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The production environment docs/deployment.md documents (Production settings), with Redis and
    PostgreSQL out of reach: starting and checking need neither."""
    return {
        **os.environ,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "WALLBOARD_HTTPS": "1",
        "WALLBOARD_DEV_SECRET_KEY": "0",
        "ALLOWED_HOSTS": "board.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://board.example.com",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "DATABASE_URL": "postgres://wallboard@127.0.0.1:1/wallboard",
        "WALLBOARD_DATA_DIR": str(tmp_path / "data"),
        **overrides,
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )


def settings_of(names: str, env: dict[str, str]) -> list[str]:
    code = "import sys, wallboard.settings as s\nfor n in sys.argv[1:]: print(repr(getattr(s, n)))"
    result = run(["-c", code, *names.split()], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


# --- HTTPS ------------------------------------------------------------------------------------

HTTPS_SETTINGS = (
    "SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SECURE_SSL_REDIRECT SECURE_HSTS_SECONDS"
    " SECURE_HSTS_INCLUDE_SUBDOMAINS SECURE_HSTS_PRELOAD SECURE_PROXY_SSL_HEADER"
)


@pytest.mark.pure
def test_https_settings_are_off_by_default_so_the_demo_works_over_http(tmp_path):
    env = production_env(tmp_path, WALLBOARD_HTTPS="")
    assert settings_of(HTTPS_SETTINGS, env) == ["False"] * 3 + ["0"] + ["False"] * 2 + ["None"]


@pytest.mark.pure
def test_wallboard_https_turns_on_secure_cookies_redirect_hsts_and_the_proxy_header(tmp_path):
    values = settings_of(HTTPS_SETTINGS + " SECURE_REDIRECT_EXEMPT", production_env(tmp_path))
    assert values == [
        "True",
        "True",
        "True",
        str(365 * 86_400),
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "['^healthz$', '^readyz$', '^metrics$']",
    ]


@pytest.fixture
def https(settings):
    """WALLBOARD_HTTPS=1's settings, in this process (the middleware reads them when a new
    test client loads it)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 86_400
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


@pytest.mark.django_db
def test_with_https_plain_http_is_redirected_but_the_health_probes_are_not(https, client):
    page = client.get("/accounts/login/")
    assert page.status_code == 301
    assert page["Location"] == "https://testserver/accounts/login/"
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)  # answered, not redirected
    assert client.get("/metrics").status_code == 200  # Prometheus, from loopback


@pytest.mark.django_db
def test_with_https_the_proxys_forwarded_proto_is_trusted_and_hsts_sent(https, client):
    page = client.get("/accounts/login/", headers={"x-forwarded-proto": "https"})
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Secure" in page.cookies["csrftoken"].output()


# --- Content-Security-Policy -------------------------------------------------------------------


class BlockedByPolicy(HTMLParser):
    """What a strict policy blocks in a page: inline scripts (a json_script data block is data,
    not script), <style> elements, style attributes, on... handlers, javascript: URLs, and
    scripts or stylesheets from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        data = attributes.get("type") == "application/json"  # json_script: never run
        if tag == "script" and not attributes.get("src") and not data:
            self.found.append(f"inline <script {attrs}>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')
        source = attributes.get("src") if tag == "script" else None
        if tag == "link" and attributes.get("rel") == "stylesheet":
            source = attributes.get("href")
        if source and not (source.startswith("/") and not source.startswith("//")):
            self.found.append(f"<{tag}> from elsewhere: {source}")


def blocked(html: str) -> list[str]:
    parser = BlockedByPolicy()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.pure
def test_the_checker_finds_what_the_policy_blocks():
    page = (
        '<script id="c" type="application/json">{"a": 1}</script>'
        '<script type="module" src="/static/board/main.js"></script>'
        "<script>alert(1)</script><style>p{}</style>"
        '<p style="color: red" onclick="go()"><a href="javascript:go()">x</a></p>'
        '<script src="https://cdn.example.com/x.js"></script>'
    )
    assert len(blocked(page)) == 6


@pytest.fixture
def pages(db, client: Client) -> Client:
    """A supervisor with an extension, signed in, and a contact with a number."""
    create_agent(
        "boss", password="pw-123456", voicenter_user_id="1", extension="SIP1", supervisor=True
    )
    contact = Contact.objects.create(name="Dana Cohen", company="Cohen Logistics", notes="A\nB")
    PhoneNumber.objects.create(contact=contact, label="mobile", number="+972507234567")
    assert client.login(username="boss", password="pw-123456")
    return client


def assert_strict(response, status: int = 200) -> None:
    assert response.status_code == status
    assert response["Content-Security-Policy"] == STRICT_CSP
    assert blocked(response.content.decode()) == []


def test_the_login_page_has_the_policy_and_nothing_it_blocks(db, client):
    assert_strict(client.get("/accounts/login/"))
    assert_strict(client.post("/accounts/login/", {"username": "x", "password": "y"}))


def test_the_board_and_tv_pages_have_the_policy_and_nothing_they_block(pages):
    assert_strict(pages.get("/"))
    assert_strict(pages.get("/?tv=1"))


def test_the_contacts_pages_have_the_policy_and_nothing_they_block(pages):
    html = pages.get("/contacts/").content.decode()
    assert "Dana Cohen" in html
    assert "call-button" in html
    assert_strict(pages.get("/contacts/"))
    assert_strict(pages.get(f"/contacts/{Contact.objects.get().pk}/"))
    assert_strict(pages.get("/contacts/import"))


def test_the_display_link_pages_have_the_policy_and_nothing_they_block(db, client):
    link = DisplayLink.objects.create(name="TV")
    assert_strict(client.get(link.path()))
    assert_strict(client.get("/display/not-a-token/"), status=404)


def test_the_admin_needs_no_relaxed_policy(db, client):
    boss = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456")
    contact = Contact.objects.create(name="Dana Cohen")
    PhoneNumber.objects.create(contact=contact, number="+972507234567")
    client.force_login(boss)
    for url in (
        "/admin/",
        "/admin/contacts/contact/",
        f"/admin/contacts/contact/{contact.pk}/change/",
        "/admin/contacts/contact/add/",
        f"/admin/auth/user/{boss.pk}/change/",
        f"/admin/auth/user/{boss.pk}/password/",
        "/admin/agents/statuschange/",
        "/admin/board/displaylink/add/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == STRICT_CSP, url
        assert blocked(response.content.decode()) == [], url


def test_json_and_static_files_carry_no_policy(db, client):
    assert "Content-Security-Policy" not in client.get("/healthz")
    assert "Content-Security-Policy" not in client.get("/static/board/main.js")


async def test_the_policy_is_set_under_asgi_too():
    response = await AsyncClient().get("/accounts/login/")
    assert response["Content-Security-Policy"] == STRICT_CSP


#: Records the policy's violations of a page, in the page (an init script is not subject to it).
VIOLATIONS_JS = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));"""


def test_in_a_real_browser_the_pages_run_under_the_policy_without_a_violation(tmp_path):
    """The whole stack in Chromium with the policy enforced (no bypass_csp): sign-in, the board
    with its websocket and a status menu (placed from script), TV mode, contacts, and the admin
    with its calendar widget."""
    from playwright.sync_api import Page, sync_playwright

    from tests.browser import launch, sign_in
    from tests.stack import PASSWORD, USER, Stack

    stack = Stack(tmp_path, django_settings.REDIS_URL).start()
    stack.manage_output(
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        " User.objects.create_superuser('root', 'root@example.com', 'root-pw-123456')",
    )
    seen: dict[str, list[str]] = {}
    console: list[str] = []

    def new_page(browser) -> Page:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.add_init_script(VIOLATIONS_JS)
        page = context.new_page()
        page.on("console", lambda m: console.append(m.text) if "Policy" in m.text else None)
        return page

    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = new_page(browser)
            page.goto(stack.web + "/accounts/login/")
            seen["login"] = page.evaluate("window.__violations")
            sign_in(page, stack.web, USER, PASSWORD)
            page.wait_for_selector("#banner[data-state='live']", timeout=15_000)
            page.locator(".agent-menu-button").first.click()
            page.wait_for_selector("#status-menu", state="visible")
            seen["board"] = page.evaluate("window.__violations")
            page.goto(stack.web + "/?tv=1")
            page.wait_for_selector("#banner[data-state='live']", timeout=15_000)
            seen["tv"] = page.evaluate("window.__violations")
            page.goto(stack.web + "/contacts/")
            page.wait_for_selector(".call-button")
            seen["contacts"] = page.evaluate("window.__violations")

            admin = new_page(browser)
            admin.goto(stack.web + "/admin/login/")
            admin.fill("input[name=username]", "root")
            admin.fill("input[name=password]", "root-pw-123456")
            admin.click("input[type=submit]")
            admin.wait_for_selector("#site-name")
            admin.goto(stack.web + "/admin/auth/user/1/change/")
            admin.locator(".datetimeshortcuts a").nth(1).click()  # the calendar
            admin.wait_for_selector(".calendarbox", state="visible")
            seen["admin"] = admin.evaluate("window.__violations")
            browser.close()
    finally:
        stack.close()
    assert seen == {label: [] for label in ("login", "board", "tv", "contacts", "admin")}
    assert console == []


BLOCKED_IN_SCRIPTS = re.compile(
    r"innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function"
    r"|setAttribute\(\s*[\"']style|setAttribute\(\s*[\"']on|javascript:|setTimeout\(\s*[\"'`]"
    r"|setInterval\(\s*[\"'`]"
)


@pytest.mark.pure
def test_the_scripts_write_no_markup_or_code_the_policy_blocks():
    scripts = sorted((ROOT / "static").rglob("*.js"))
    assert len(scripts) > 10
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BLOCKED_IN_SCRIPTS.search(line)
    ]
    assert found == []  # element.style.x = ... (CSSOM) is allowed, and used


@pytest.mark.pure
def test_the_templates_have_no_inline_script_or_style():
    """Every template, also the parts the page tests do not render: template tags read as a
    URL ({% static %}, {% url %}, {{ value }}) or as nothing."""
    for path in sorted((ROOT / "templates").rglob("*.html")):
        html = re.sub(r"{%\s*(?:static|url)\s.*?%}|{{.*?}}", "/x", path.read_text())
        assert blocked(re.sub(r"{%.*?%}", " ", html)) == [], path


# --- check --deploy and the secret key ---------------------------------------------------------


@pytest.mark.pure
def test_check_deploy_in_the_documented_production_environment_has_no_warning(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


NEW_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(50))"'


@pytest.mark.pure
@pytest.mark.parametrize(
    "start", [["manage.py", "check"], ["-c", "import wallboard.asgi"]], ids=["manage", "asgi"]
)
def test_without_secret_key_outside_debug_nothing_starts_and_it_says_how_to_make_one(
    tmp_path, start
):
    env = production_env(tmp_path, SECRET_KEY="", WALLBOARD_DEV_SECRET_KEY="", DEBUG="")
    result = run(start, env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert NEW_KEY in result.stderr
    assert not (tmp_path / "data").exists()  # refused before anything was made


@pytest.mark.pure
@pytest.mark.parametrize(
    "opt_in", [{"WALLBOARD_DEV_SECRET_KEY": "1"}, {"DEBUG": "1"}], ids=["dev-key", "debug"]
)
def test_the_development_key_is_used_only_when_asked_for(tmp_path, opt_in):
    env = production_env(tmp_path, SECRET_KEY="", WALLBOARD_HTTPS="", **opt_in)
    [key, dev_key] = settings_of("SECRET_KEY DEV_SECRET_KEY", env)
    assert key == dev_key
    assert run(["manage.py", "check"], env).returncode == 0


@pytest.mark.pure
def test_a_secret_key_that_is_the_development_key_is_refused(tmp_path):
    [dev_key] = settings_of("DEV_SECRET_KEY", production_env(tmp_path))
    env = production_env(tmp_path, SECRET_KEY=dev_key.strip("'"), DEBUG="1")
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY is the development key" in result.stderr
    assert NEW_KEY in result.stderr


# --- password reset -----------------------------------------------------------------------------

RESET_URLS = [
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/MQ/set-password/",
    "/accounts/reset/done/",
]


def test_without_email_password_reset_is_404_and_the_login_page_does_not_offer_it(db, client):
    for url in RESET_URLS:
        assert client.get(url).status_code == 404, url
    html = client.get("/accounts/login/").content.decode()
    assert "password_reset" not in html
    assert "Forgot" not in html
    assert client.get("/accounts/password_change/").status_code == 302  # to sign in, as before


@pytest.fixture
def email_configured() -> Iterator[None]:
    """EMAIL_HOST set: the URLs are read again with it (they are fixed when first imported)."""
    with override_settings(
        EMAIL_HOST="smtp.example.com", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
    ):
        read_urls_again()
        yield
    read_urls_again()


def read_urls_again() -> None:
    importlib.reload(wallboard.core.urls)  # the sign-in pages' routes (wallboard.urls includes)
    importlib.reload(wallboard.urls)
    clear_url_caches()


def test_with_email_the_login_page_offers_password_reset_and_it_mails_a_link(
    db, client, email_configured
):
    get_user_model().objects.create_user("boss", "boss@example.com", "pw-123456")
    login = client.get("/accounts/login/")
    assert 'href="/accounts/password_reset/"' in login.content.decode()
    assert_strict(login)
    sent = client.post("/accounts/password_reset/", {"email": "boss@example.com"})
    assert sent.status_code == 302
    assert sent["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
