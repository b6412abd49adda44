"""Headless Chromium (Debian's) driven by Playwright, for the browser tests and benchmark."""

from __future__ import annotations

import shutil

from playwright.sync_api import Browser, Page, Playwright

CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--no-first-run",
    # this machine's network is closed: without these Chromium keeps trying Google's hosts
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Debian's chromium is needed: `make test` installs it"
    return path


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def sign_in(page: Page, base: str, user: str, password: str, path: str = "/") -> None:
    page.goto(base + path)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)


#: Unicode's first-strong isolate and its end: the board's catalog puts them around every
#: value it puts in a sentence (static/board/i18n.js), invisible on screen.
ISOLATES = {0x2068: None, 0x2069: None}


def plain(text: str) -> str:
    """``text`` as a person reads it: without the invisible isolates."""
    return text.translate(ISOLATES)


def isolated(value: str) -> str:
    """``value`` as the catalog puts it in a sentence."""
    return "\u2068" + value + "\u2069"
