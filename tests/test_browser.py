"""The board in a real browser against the real stack (simulator, worker, daphne, Redis).

Screenshots go to test-output/ (look at them)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from tests.browser import launch, sign_in
from tests.stack import PASSWORD, USER, Stack

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
BEHIND_S = 4  # the server holds back a board that acknowledges nothing for this long


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _test_redis):  # the flush first, then the stack
    OUTPUT.mkdir(exist_ok=True)
    running = Stack(
        tmp_path_factory.mktemp("stack"),
        settings.REDIS_URL,
        log_dir=OUTPUT,
        env={"WALLBOARD_SCREEN_BEHIND_S": str(BEHIND_S)},  # a board that stops acking shows
    )
    try:
        yield running.start()
    finally:
        running.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, stack.web, USER, PASSWORD)
    yield page
    context.close()


def test_sign_in_shows_the_simulators_queues_and_agents(page, stack):
    page.wait_for_function("document.querySelectorAll('.agent').length === 12")
    assert page.locator(".queue").count() == 3
    names = page.locator(".agent .agent-name").all_inner_texts()
    assert all(name.strip() for name in names)
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    page.screenshot(path=OUTPUT / "board.png", full_page=True)


def test_a_new_caller_reaches_the_open_page_without_a_reload(page, stack):
    # (how fast: bench/bench_browser.py times it)
    page.evaluate("window.__samePage = true")
    snapshots = page.evaluate("window.wallboard.stats.snapshots")
    name = f"Caller {time.time_ns() % 10**8}"
    stack.join(name)
    page.locator(".caller-name", has_text=name).wait_for(timeout=15_000)
    assert page.evaluate("window.__samePage === true")  # the same document, not reloaded
    assert page.evaluate("window.wallboard.stats.snapshots") == snapshots  # a delta brought it


def test_a_board_that_keeps_up_acknowledges_and_is_never_held_back(page, stack):
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    snapshots = page.evaluate("window.wallboard.stats.snapshots")
    deltas = page.evaluate("window.wallboard.stats.deltas")
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < 2 * BEHIND_S:  # changes for twice the server's patience
        n += 1
        name = f"Steady {n} {time.time_ns() % 10**8}"
        stack.join(name)
        page.locator(".caller-name", has_text=name).wait_for(timeout=5_000)
        page.wait_for_timeout(300)
    # held back, it would have been sent a fresh snapshot (or nothing more at all)
    assert page.evaluate("window.wallboard.stats.snapshots") == snapshots
    assert page.evaluate("window.wallboard.stats.deltas") > deltas


def test_a_hostile_caller_name_is_shown_as_text(page, stack):
    hostile = "<img src=x onerror=alert(1)>"
    stack.join(hostile)
    shown = page.locator(".caller-name", has_text=hostile)
    shown.first.wait_for(timeout=5_000)
    assert shown.first.inner_text() == hostile
    assert page.evaluate("document.querySelectorAll('.queue img, .agent img').length") == 0
    # a later caller drawn after it: had the name become an <img>, its onerror had fired by now
    after = f"After {time.time_ns() % 10**8}"
    stack.join(after)
    page.locator(".caller-name", has_text=after).wait_for(timeout=15_000)
    assert page.dialogs == []


def test_tv_mode_has_no_chrome_and_large_type(browser, stack):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sign_in(page, stack.web, USER, PASSWORD, path="/?tv=1")
    assert page.evaluate("document.body.classList.contains('tv')")
    assert not page.locator("#filter-text").is_visible()
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.agent .agent-name')).fontSize)"
    )
    assert size >= 24  # readable across the room on a 1080p TV
    page.screenshot(path=OUTPUT / "board-tv.png")
    context.close()


def test_the_banner_tells_when_the_worker_stops_and_the_board_recovers(page, stack):
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    epoch = page.evaluate("window.wallboard.board.epoch")
    stack.stop_worker()
    try:
        page.wait_for_function(
            "document.querySelector('#banner').dataset.state !== 'live'", timeout=10_000
        )
        assert "Voicenter" in page.locator("#banner").inner_text()
        page.screenshot(path=OUTPUT / "board-worker-stopped.png")
    finally:
        stack.start_worker()
    page.wait_for_function(
        "document.querySelector('#banner').dataset.state === 'live'", timeout=20_000
    )
    assert page.evaluate("window.wallboard.board.epoch") != epoch  # rebuilt, and the board has it
    assert page.locator(".agent").count() == 12


def test_a_restarted_web_server_is_reconnected_to_without_a_reload(page, stack):
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloaded
    snapshots = page.evaluate("window.wallboard.stats.snapshots")
    stack.stop_web()
    try:
        page.wait_for_function(
            "document.querySelector('#banner').dataset.state === 'reconnecting'", timeout=10_000
        )
        assert page.locator(".agent").count() == 12  # the last data stays on screen meanwhile
    finally:
        stack.start_web()
    page.wait_for_function(
        "document.querySelector('#banner').dataset.state === 'live'", timeout=40_000
    )
    assert page.evaluate("window.wallboard.stats.snapshots") > snapshots  # started over
    assert page.evaluate("window.__sameDocument") is True


def test_a_board_whose_session_ended_shows_the_sign_in_page(browser, stack):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, stack.web, USER, PASSWORD, path="/?tv=1")
    context.clear_cookies()  # the session is gone (expired, or signed out elsewhere)
    stack.stop_web()
    stack.start_web()  # the board reconnects, without a session now
    page.wait_for_function(
        "document.querySelector('#banner').dataset.state === 'signed-out'", timeout=30_000
    )
    page.wait_for_url("**/accounts/login/?next=%2F%3Ftv%3D1", timeout=10_000)
    assert page.locator("input[name=username]").is_visible()
    context.close()


def test_timers_follow_server_time_on_a_screen_whose_clock_is_an_hour_off(browser, stack):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(
        "(() => { const real = Date.now.bind(Date); Date.now = () => real() + 3600e3; })()"
    )
    page = context.new_page()
    sign_in(page, stack.web, USER, PASSWORD)
    name = f"Skew {time.time_ns() % 10**8}"
    stack.join(name)
    caller = page.locator(".caller", has=page.locator(".caller-name", has_text=name))
    caller.wait_for(timeout=15_000)
    # the first value past 0:00: the screen's clock would make it 1:00:00 (or stick at 0:00)
    ticked = caller.locator(".caller-wait").element_handle()
    page.wait_for_function("el => !['—', '0:00'].includes(el.textContent)", arg=ticked)
    wait = ticked.inner_text()
    assert re.fullmatch(r"0:0\d", wait), wait  # seconds, not 1:00:0x
    context.close()


def test_a_change_touches_only_its_own_card(page, stack):
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    # an agent without a call (a call would decide the card's category) and not at lunch,
    # preferably one not available, whom the simulator will not offer a call meanwhile
    ext = page.wait_for_function(
        """() => {
          const agents = window.wallboard.board.state.agents;
          const free = Object.keys(agents)
            .filter(e => agents[e].status !== 3 && !agents[e].calls.length);
          return free.find(e => agents[e].status !== 1) || free[0];  // no call can reach those
        }""",
        timeout=20_000,
    ).json_value()
    user_id = page.evaluate(f"window.wallboard.board.state.agents[{ext!r}].user_id")
    page.evaluate(
        """() => {
          window.__before = Object.assign({}, window.wallboard.board.state.agents);
          window.__touched = new Set();
          const timers = '.agent-since, .call-duration';
          new MutationObserver(records => {
            for (const r of records) {
              const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
              if (!node || node.closest(timers)) continue;  // timers tick every second
              const card = node.closest('.agent');
              if (card) window.__touched.add(card.dataset.ext);
            }
          }).observe(document.querySelector('#agents'),
                     {subtree: true, childList: true, characterData: true, attributes: true});
        }"""
    )
    import httpx

    answer = httpx.post(
        f"{stack.sim}/UserLogin/SetStatusFromAPI",
        json={"code": "demo-code", "userId": user_id, "extensionUser": ext, "status": 3},
    )
    assert answer.json()["Status"] == 1, answer.text
    card = page.locator(f'.agent[data-ext="{ext}"]')
    card.locator(".agent-status", has_text="Lunch").wait_for(timeout=5_000)
    touched = set(page.evaluate("[...window.__touched]"))
    # the agents that deltas replaced meanwhile (the simulator's own traffic goes on)
    changed = set(
        page.evaluate(
            """() => Object.keys(window.wallboard.board.state.agents)
                 .filter(e => window.wallboard.board.state.agents[e] !== window.__before[e])"""
        )
    )
    assert ext in touched and ext in changed
    assert touched <= changed, touched - changed  # no other card was redrawn
