"""The board in a real browser against the real stack (simulator, worker, daphne, Redis).

Screenshots go to test-output/ (look at them). The contexts bypass the Content-Security-Policy:
Playwright's wait_for_function evaluates its string inside the page, which the policy forbids;
the pages under the policy, in Chromium, are tested in test_production.py."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser import isolated, plain, sign_in
from tests.helpers import until_now
from tests.stack import AGENT, PASSWORD, USER, Stack

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
BEHIND_S = 4  # the server holds back a board that acknowledges nothing for this long
CONFIRM_S = 2  # a board waits this long for Voicenter to confirm a status change


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _test_redis):  # the flush first, then the stack
    OUTPUT.mkdir(exist_ok=True)
    running = Stack(
        tmp_path_factory.mktemp("stack"),
        settings.REDIS_URL,
        log_dir=OUTPUT,
        env={
            "WALLBOARD_SCREEN_BEHIND_S": str(BEHIND_S),  # a board that stops acking shows
            "WALLBOARD_STATUS_CONFIRM_S": str(CONFIRM_S),
        },
    )
    try:
        yield running.start()
    finally:
        running.close()


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
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
        acks = page.evaluate("window.wallboard.stats.acks")
        stack.join(name)
        page.locator(".caller-name", has_text=name).wait_for(timeout=5_000)
        # the next change once the board has told the server it has this one
        page.wait_for_function(f"window.wallboard.stats.acks > {acks}", timeout=5_000)
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
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
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
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
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
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
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
    # (when every change applied so far is drawn: a change drawn later would look like a
    # card redrawn for nothing)
    page.wait_for_function(
        """() => {
          if (window.wallboard.stats.drawPending) return false;
          window.__before = Object.assign({}, window.wallboard.board.state.agents);
          window.__touched = new Set();
          const timers = '.agent-since, .call-duration, .agent-idle-time';
          new MutationObserver(records => {
            for (const r of records) {
              const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
              if (!node || node.closest(timers)) continue;  // timers tick every second
              const card = node.closest('.agent');
              if (card) window.__touched.add(card.dataset.ext);
            }
          }).observe(document.querySelector('#agents'),
                     {subtree: true, childList: true, characterData: true, attributes: true});
          return true;
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
    assert ext in touched
    assert ext in changed
    assert touched <= changed, touched - changed  # no other card was redrawn


def test_a_ticking_timer_changes_its_text_in_place_not_by_a_new_node(page, stack):
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    page.wait_for_function(
        """() => {
          const node = [...document.querySelectorAll('.agent-since')]
            .find(n => n.isConnected && n.textContent !== '—' && n.firstChild);
          if (!node) return false;
          window.__timer = {node: node, text: node.firstChild, was: node.textContent};
          return true;
        }"""
    )
    page.wait_for_function("window.__timer.node.textContent !== window.__timer.was")
    assert page.evaluate(
        """() => window.__timer.node.firstChild === window.__timer.text
                 && window.__timer.node.childNodes.length === 1"""
    )  # the browser redraws the text; it does not style and lay out a new node


def test_an_agent_sets_their_own_status_to_lunch_from_their_card(browser, stack):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, stack.web, AGENT, PASSWORD)
    mine = page.locator(".agent.mine")
    mine.wait_for()
    assert page.locator(".agent").first.get_attribute("data-ext") == mine.get_attribute(
        "data-ext"
    )  # pinned first
    assert mine.locator(".agent-you").inner_text() == "You"
    assert page.locator(".agent-menu-button").count() == 0  # nobody else's status is theirs
    lunch = mine.get_by_role("button", name="Lunch", exact=True)
    if lunch.get_attribute("aria-pressed") == "true":  # a simulated break got there first
        mine.get_by_role("button", name="Available", exact=True).click()
        page.wait_for_function("!document.querySelector('.agent.mine').dataset.pending")
    lunch.click()
    ext = mine.get_attribute("data-ext")
    page.wait_for_function(
        f"(window.wallboard.board.state.agents[{ext!r}] || {{}}).status === 3", timeout=10_000
    )
    page.wait_for_function("!document.querySelector('.agent.mine').dataset.pending")
    assert lunch.get_attribute("aria-pressed") == "true"
    if mine.get_attribute("data-category") == "break":  # (not on a call)
        assert mine.locator(".agent-status-text").inner_text() == "Lunch"
    assert "Lunch: done." in plain(mine.locator(".agent-note").inner_text())
    page.screenshot(path=OUTPUT / "agent-lunch.png")
    context.close()


def choose_from_the_menu(page, ext: str, status: str, code: int) -> None:
    """Open the card's status menu and choose ``status``, from the keyboard only."""
    card = page.locator(f".agent[data-ext='{ext}']")
    card.locator(".agent-menu-button").focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("dialog")
    menu.wait_for()
    menu.get_by_role("button", name=status, exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"window.wallboard.board.state.agents[{ext!r}].status === {code}", timeout=10_000
    )
    page.wait_for_function(f"!document.querySelector(\".agent[data-ext='{ext}']\").dataset.pending")


def test_a_supervisor_logs_an_agent_out_from_the_keyboard(page, stack):
    # one on a break and on no call (no queue rings them meanwhile); else one on no call
    ext = page.wait_for_function(
        "(() => { const idle = Object.values(window.wallboard.board.state.agents)"
        ".filter(a => a.extension !== 'SIM0100' && a.status !== 2 && !a.calls.length)"
        ".sort((a, b) => (a.status === 1) - (b.status === 1));"
        " return idle.length ? idle[0].extension : null; })()",
        timeout=10_000,
    ).json_value()
    card = page.locator(f".agent[data-ext='{ext}']")
    choose_from_the_menu(page, ext, "Logout", 2)
    expect(card).to_have_attribute("data-category", "loggedout")
    assert "Logout: done." in plain(page.locator("#notices").inner_text())
    page.screenshot(path=OUTPUT / "supervisor-logged-out.png")


@pytest.fixture
def agent_page(browser, stack):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, stack.web, AGENT, PASSWORD)
    page.locator(".agent.mine .agent-actions").wait_for()
    yield page
    context.close()
    stack.knobs(status_update_silent=False, status_update_fails=False, status_update_late=False)


def test_an_agents_own_status_buttons_are_in_sight_on_a_laptop_without_scrolling(agent_page):
    # one's own card sits above the queues (agents.js), whatever the number of queues
    buttons = agent_page.locator(".agent.mine .agent-actions button")
    assert buttons.count() > 0
    assert agent_page.evaluate("window.scrollY") == 0
    bottom = buttons.last.evaluate("b => b.getBoundingClientRect().bottom")
    assert bottom <= 768
    assert agent_page.locator("#my-card-slot .agent.mine").count() == 1
    agent_page.screenshot(path=OUTPUT / "agent-own-card-laptop.png")


def a_status_not_current(page) -> str:
    mine = page.locator(".agent.mine")
    for name in ("Training", "Brief"):
        if mine.get_by_role("button", name=name).get_attribute("aria-pressed") != "true":
            return name
    raise AssertionError("two statuses cannot both be current")


def test_a_change_voicenter_never_confirms_is_reported_with_what_it_reports(agent_page, stack):
    stack.knobs(status_update_silent=True)  # Voicenter says OK, the socket never shows it
    mine = agent_page.locator(".agent.mine")
    name = a_status_not_current(agent_page)
    mine.get_by_role("button", name=name).click()
    expect(mine).to_have_attribute("data-pending", re.compile("."))  # "Changing to ..."
    expect(mine).not_to_have_attribute(
        "data-pending", re.compile("."), timeout=(CONFIRM_S + 5) * 1000
    )
    note = plain(mine.locator(".agent-note").inner_text())
    assert f"Voicenter has not confirmed {name}; it reports" in note
    assert mine.get_by_role("button", name=name).get_attribute("aria-pressed") == "false"


def test_a_change_confirmed_after_voicenters_answer_is_done_and_frees_the_buttons(
    agent_page, stack
):
    stack.knobs(status_update_late=True)  # the HTTP answer first, the socket's event after
    mine = agent_page.locator(".agent.mine")
    name = a_status_not_current(agent_page)
    button = mine.get_by_role("button", name=name)
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true", timeout=10_000)
    expect(mine).not_to_have_attribute("data-pending", re.compile("."))
    expect(button).to_have_attribute("aria-disabled", "false")
    expect(mine.locator(".agent-note")).to_have_text(f"{isolated(name)}: done.")


def test_a_refused_change_shows_voicenters_reason(agent_page, stack):
    stack.knobs(status_update_fails=True)
    mine = agent_page.locator(".agent.mine")
    name = a_status_not_current(agent_page)
    mine.get_by_role("button", name=name).click()
    expect(mine.locator(".agent-note")).to_contain_text("Error on update")
    assert "Error on update" in agent_page.locator("#notices").inner_text()
    agent_page.screenshot(path=OUTPUT / "agent-refused.png")


def test_a_display_link_shows_the_board_without_signing_in_and_cannot_act(browser, stack):
    path = stack.manage_output("create_display", "Wall TV").strip()
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    page = context.new_page()
    page.goto(stack.web + path)
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    assert page.locator("body.tv").count() == 1
    assert page.locator(".agent").count() > 0
    assert page.locator(".agent-menu-button, .agent-actions").count() == 0
    page.screenshot(path=OUTPUT / "display-link.png")
    context.close()


def calling_yossi(browser, stack):
    """The agent, on the contacts page at laptop size, has just clicked to call Yossi Levi (the
    demo's contacts): the context, the page and the call's panel."""
    stack.manage_output("shell", "-c", "from wallboard.worker.management.commands.demo import"
                        " demo_contacts; demo_contacts()")  # fmt: skip
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, stack.web, AGENT, PASSWORD, path="/contacts/")
    page.get_by_role("button", name="Call Yossi Levi, mobile 052-765-4321").click()
    panel = page.locator("#my-call")
    return context, page, panel


def test_an_agent_calls_a_contact_and_watches_the_call_go_through(browser, stack):
    context, page, panel = calling_yossi(browser, stack)
    panel.get_by_text("Your phone is ringing").wait_for(timeout=15_000)
    page.screenshot(path=OUTPUT / "contacts-ringing.png")
    panel.get_by_text(f"Talking with {isolated('Yossi Levi')}").wait_for(timeout=30_000)
    page.screenshot(path=OUTPUT / "contacts-talking.png")
    panel.get_by_role("button", name="Hang up").click()
    panel.get_by_text("Call ended.").wait_for(timeout=15_000)
    page.screenshot(path=OUTPUT / "contacts-ended.png")
    context.close()


def test_a_reload_during_a_call_brings_back_its_panel_and_hang_up(browser, stack):
    context, page, panel = calling_yossi(browser, stack)
    hang_up = panel.get_by_role("button", name="Hang up")
    panel.get_by_text("Your phone is ringing").wait_for(timeout=15_000)
    page.evaluate("localStorage.clear(); sessionStorage.clear()")  # the server remembers it
    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    expect(hang_up).to_be_visible(timeout=10_000)
    expect(panel).to_contain_text(isolated("Yossi Levi"))
    row = page.locator('.number[data-call="live"]')  # and the number's row shows it again
    expect(row).to_contain_text("052-765-4321")
    expect(row.locator(".call-state")).to_contain_text(isolated("Yossi Levi"))
    page.screenshot(path=OUTPUT / "contacts-reloaded.png")
    hang_up.click()
    panel.get_by_text("Call ended.").wait_for(timeout=15_000)
    expect(hang_up).to_be_hidden()
    page.reload()  # an ended call does not come back
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    page.wait_for_timeout(1_500)  # a second's follow() after the snapshot
    expect(panel).to_be_hidden()
    context.close()


def test_a_call_ringing_at_the_agents_extension_pops_its_contact(agent_page, stack):
    stack.manage_output("shell", "-c", "from wallboard.worker.management.commands.demo import"
                        " demo_contacts; demo_contacts()")  # fmt: skip
    stack.ring("SIM0100", "0539987766")  # Tamar Shapiro's mobile, as Voicenter spells it
    pop = agent_page.get_by_role("alert", name="Incoming call")
    expect(pop.locator(".screen-pop-name")).to_have_text("Tamar Shapiro", timeout=10_000)
    expect(pop.locator(".screen-pop-notes")).to_have_text("VIP customer.")
    # on the agent's own card: number · name, the separator an element of its own
    call = agent_page.locator(".agent.mine .call-party")
    expect(call.locator(".call-name")).to_have_text("Tamar Shapiro")
    expect(call.locator(".call-sep")).to_be_visible()
    expect(call.locator(".call-sep")).to_have_text(" · ")
    assert pop.locator("a.screen-pop-name").get_attribute("href").startswith("/contacts/")
    agent_page.screenshot(path=OUTPUT / "screen-pop.png")
    pop.get_by_role("button", name="Close").click()
    stack.ring("SIM0100", "0509999999")
    expect(agent_page.get_by_role("alert", name="Incoming call")).to_contain_text(
        "Unknown caller", timeout=10_000
    )


def test_an_unknown_callers_pop_offers_who_may_add_contacts_to_add_it(agent_page, browser, stack):
    # a supervisor who takes calls too: an extension of their own, and the contacts' admin
    stack.manage_output("create_agent", "lead", "--password", PASSWORD, "--supervisor",
                        "--voicenter-user-id", "500003", "--extension", "SIM0103")  # fmt: skip
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, stack.web, "lead", PASSWORD)
    until_now(lambda: stack.ring("SIM0103", "0507770011", alone=True), within_s=30)
    pop = page.get_by_role("alert", name="Incoming call")
    expect(pop).to_contain_text("Unknown caller", timeout=10_000)
    expect(pop.locator(".screen-pop-number")).to_have_text("0507770011")
    page.screenshot(path=OUTPUT / "screen-pop-unknown.png")
    with context.expect_page() as opened:  # a tab of its own: the board stays
        pop.get_by_role("link", name="Add contact").click()
    form = opened.value
    number = form.locator('input[name="numbers-0-number"]')
    expect(number).to_have_value("050-777-0011")
    form.fill('input[name="name"]', "New caller")
    form.click('input[name="_save"]')
    form.goto(stack.web + "/contacts/?q=New+caller")
    expect(form.locator(".contact .number-shown")).to_have_text("050-777-0011")
    assert page.url.endswith("/")  # the board is still there
    context.close()
    # an agent may not add contacts: their pop of an unknown caller has no such link
    until_now(lambda: stack.ring("SIM0100", "0507770022", alone=True), within_s=30)
    agent_pop = agent_page.get_by_role("alert", name="Incoming call")
    expect(agent_pop.locator(".screen-pop-number")).to_have_text("0507770022", timeout=10_000)
    expect(agent_pop).to_contain_text("Unknown caller")
    expect(agent_pop.get_by_role("link", name="Add contact")).to_have_count(0)


def test_a_ringing_cards_bell_shakes_on_a_board_of_few_agents(page, stack):
    # a board of up to 60 cards shakes a ringing card's bell (board.css keeps it still above:
    # bench_browser's team board of 150 cards had its long tasks from the bells' layers)
    page.wait_for_function("document.querySelectorAll('.agent').length === 12")
    until_now(lambda: stack.ring("SIM0105", "0501112233", alone=True), within_s=30)
    bell = page.locator('.agent[data-ext="SIM0105"][data-category="ringing"] .icon')
    bell.wait_for(timeout=10_000)
    assert page.locator(".agents.still").count() == 0
    assert bell.evaluate("(icon) => getComputedStyle(icon).animationName") == "ring"


def test_an_agent_over_their_status_limit_stands_out_in_words_and_in_the_header(page, stack):
    expect(page.locator(".count-over")).to_be_hidden()  # no limit set: nothing to be over
    # an agent off calls, in their status for over a minute (earlier tests change statuses):
    # a 1-minute limit on that status puts them over it. The queues offer no caller meanwhile,
    # or a busy stack hands that agent a call before the board shows them over (a flake CI met)
    stack.knobs(dispatch_paused=True)
    try:
        code = page.wait_for_function(
            """() => {
              const b = window.wallboard.board;
              const now = Date.now() / 1000 + b.serverOffsetMs / 1000;
              for (const a of Object.values(b.state.agents || {})) {
                if (!a.calls.length && a.status && now - a.status_since > 75) return a.status;
              }
              return null;
            }""",
            timeout=120_000,
        ).json_value()
        stack.manage_output(
            "shell", "-c",
            "from wallboard.agents.models import StatusOption;"
            f"StatusOption.objects.filter(code={int(code)}).update(limit_min=1)",
        )  # fmt: skip
        page.reload()
        over = page.locator(".agent.over:not(.over-call)").first
        expect(over.locator(".agent-over")).to_have_text(
            re.compile(r"^over by \u2068\d+\u2069 min$"), timeout=30_000
        )
        expect(over).to_have_css("background-color", "rgb(61, 18, 18)")  # --red-bg
        expect(page.locator("#count-over")).not_to_have_text("0", timeout=5_000)
        expect(page.locator(".count-over")).to_have_class(re.compile(r"\bhas-over\b"))
        page.screenshot(path=OUTPUT / "board-over-limit.png")
    finally:
        stack.knobs(dispatch_paused=False)
        stack.manage_output(
            "shell", "-c",
            "from wallboard.agents.models import StatusOption;"
            "StatusOption.objects.update(limit_min=None, call_limit_min=None)",
        )  # fmt: skip


def test_a_queue_without_a_team_counts_the_agents_who_answered_its_calls_today(page, stack):
    # the simulator's agents answer its queues' calls: a tile names those who did
    titled = page.locator(".queue-agents[title^='Its agents: those who answered']").first
    titled.wait_for(state="attached", timeout=90_000)
    # read in one turn of the page: the tile and the cards as the same drawing left them
    shown, answered_by, categories = titled.evaluate(
        """line => {
          const queue = line.closest('.queue').dataset.queueId;
          const exts = window.wallboard.board.state.today[queue].answered_by;
          const card = (e) => document.querySelector(`.agent[data-ext='${e}']`);
          return [
            Array.from(line.querySelectorAll('.queue-agents-count'), (n) => n.textContent),
            exts,
            exts.map((e) => card(e) && card(e).dataset.category),
          ];
        }"""
    )
    assert answered_by
    numbers = [int(n.strip("\u2068\u2069")) for n in shown]
    assert numbers[0] == categories.count("available")
    assert numbers[2] == categories.count("break")
    busy = ("oncall", "ringing", "listening")
    assert numbers[1] == sum(categories.count(c) for c in busy)


def test_a_waiting_caller_who_is_a_contact_shows_by_the_contacts_name(page, stack):
    stack.manage_output("shell", "-c", "from wallboard.worker.management.commands.demo import"
                        " demo_contacts; demo_contacts()")  # fmt: skip
    # the worker reloads the directory within a second of its change; a caller who joins
    # after that is named (a later one is, in any case: keep trying a few)
    name = page.locator(".caller-name.contact", has_text="Avi Mizrahi")
    for _ in range(10):
        stack.join("network name", phone="0546112233")  # Avi Mizrahi's mobile
        try:
            name.first.wait_for(timeout=1_500)
            break
        except PlaywrightTimeout:  # joined before the worker reloaded the directory
            continue
    expect(name.first).to_be_visible()
    page.screenshot(path=OUTPUT / "named-caller.png")


def test_todays_numbers_and_a_queues_alert_show_on_its_tile(page, stack):
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    sound = page.locator("#sound-toggle")
    expect(sound).to_have_attribute("aria-pressed", "false")  # off unless this screen asks
    sound.click()
    expect(sound).to_have_attribute("aria-pressed", "true")
    joined = stack.join("Dana Alert", "0501239876")  # the simulator's first queue
    queue_id = str(joined["queue_id"])
    stack.manage_output(
        "shell", "-c",
        "from wallboard.reports.models import QueueSettings;"
        f"QueueSettings.objects.create(queue_id={queue_id!r}, display_name='VIP line',"
        " alert_waiting=1)",
    )  # fmt: skip
    try:
        tile = page.locator(f".queue[data-queue-id='{queue_id}']")
        expect(tile.locator(".queue-name")).to_have_text("VIP line", timeout=10_000)
        answered = int(page.locator("#count-answered").inner_text())
        # a caller waits in a queue whose alert is at one waiting: red, and said in words
        expect(tile.locator(".queue-alerts")).to_contain_text(f"waiting (alert at {isolated('1')})")
        expect(tile).to_have_class(re.compile(r"\balert\b"))
        assert page.evaluate("window.wallboard.sound.plays") >= 1  # the tile began alerting
        assert tile.locator(".figure-sl").get_attribute("title").startswith("Service level")
        page.screenshot(path=OUTPUT / "board-queue-alert.png")
        # an agent answers (the simulator's agents pick up): today's numbers move on the page
        page.wait_for_function(
            f"Number(document.querySelector('#count-answered').textContent) > {answered}",
            timeout=60_000,
        )
        expect(page.locator("#count-sl")).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
        page.reload()
        expect(sound).to_have_attribute("aria-pressed", "true")  # this screen remembers
        sound.click()
    finally:
        stack.manage_output(
            "shell", "-c",
            "from wallboard.reports.models import QueueSettings;"
            "QueueSettings.objects.all().delete()",
        )  # fmt: skip


def test_an_available_agent_shows_the_time_since_their_last_call_longest_idle_first(page, stack):
    import httpx

    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    talking = """() => {
      const agents = window.wallboard.board.state.agents;
      return Object.keys(agents).filter(e => agents[e].status === 1
        && agents[e].calls.length === 1 && agents[e].calls[0].state === 'Talking'
        && !document.querySelector(`.agent[data-ext="${e}"]`).classList.contains('over'));
    }"""

    def hang_up(ext: str) -> None:  # the far end hangs up (Click2Call's terminate)
        httpx.get(
            f"{stack.sim}/ForwardDialer/click2call.aspx",
            params={"code": "demo-code", "phone": ext, "action": "terminate", "format": "JSON"},
        ).raise_for_status()

    stack.knobs(dispatch_paused=True)  # who is freed stays available: no queue rings them
    try:
        first, second = page.wait_for_function(
            f"(() => {{ const t = ({talking})(); return t.length >= 2 ? t : null; }})()",
            timeout=60_000,
        ).json_value()[:2]
        hang_up(first)
        card = page.locator(f'.agent[data-ext="{first}"]')
        idle = card.locator(".agent-idle")
        expect(idle).to_have_text(re.compile(r"^Idle 0:0\d$"), timeout=10_000)
        timer = idle.locator(".agent-idle-time")
        expect(timer).not_to_have_text(timer.inner_text(), timeout=5_000)  # it ticks
        hang_up(second)
        later = page.locator(f'.agent[data-ext="{second}"] .agent-idle')
        expect(later).to_have_text(re.compile(r"^Idle 0:0\d$"), timeout=10_000)
        # the available cards, longest idle first: the next one a queue rings comes first
        page.wait_for_function(
            """([first, second]) => {
              if (window.wallboard.stats.drawPending) return false;
              const agents = window.wallboard.board.state.agents;
              const since = (a) => {
                const t = [a.last_hangup_at, a.last_answered_at].filter(v => typeof v === 'number');
                return t.length ? Math.max(...t) : Infinity;
              };
              const cards = [...document.querySelectorAll(
                '#agents .agent[data-category="available"]:not(.over)')];
              const order = cards.map(c => c.dataset.ext);
              const times = cards.map(c => since(agents[c.dataset.ext]));
              return order.indexOf(first) >= 0 && order.indexOf(first) < order.indexOf(second)
                && times.every((t, i) => i === 0 || times[i - 1] <= t);
            }""",
            arg=[first, second],
            timeout=10_000,
        )
        page.screenshot(path=OUTPUT / "board-idle.png")
    finally:
        stack.knobs(dispatch_paused=False)


def test_a_supervisor_listening_in_is_counted_apart_from_the_calls(page, stack):
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # someone with no call of their own listens in (Voicenter's "Spy" call, for a minute)
    ext = next(
        ext for ext in (f"SIM{n:04d}" for n in range(100, 112)) if stack.listen_in(ext, "SIM0111")
    )
    card = page.locator(f".agent[data-ext='{ext}']")
    expect(card).to_have_attribute("data-category", "listening", timeout=15_000)
    expect(card.locator(".agent-status-text")).to_have_text("Listening in")
    # the header still draws (and says it apart): "<on calls> +1 listening"
    on_calls = page.locator("#count-oncall")
    expect(on_calls).to_contain_text("listening")
    assert re.fullmatch(r"\d+ \+1 listening", plain(on_calls.inner_text())), on_calls.inner_text()
    assert errors == []


def test_a_caller_who_gave_up_is_marked_when_calling_again_and_called_back_from_the_list(
    agent_page, page, stack
):
    first = stack.join("Gave Up", phone="0523456789")
    stack.hang_up(str(first["call_id"]))
    again = stack.join("Gave Up", phone="0523456789")  # a repeat caller: marked on the tile
    mark = page.locator(f'.caller[data-call-id="{again["call_id"]}"] .caller-repeat')
    expect(mark).to_have_text("↻ 1", timeout=15_000)
    stack.hang_up(str(again["call_id"]))
    # the agent's list: the caller, with both calls, and a button that calls them back
    agent_page.goto(stack.web + "/callbacks/")
    row = agent_page.locator(".callback-row", has_text="052-345-6789")
    expect(row.locator(".callback-calls")).to_have_text("2", timeout=15_000)
    agent_page.screenshot(path=OUTPUT / "callbacks.png")
    row.get_by_role("button", name=f"Call back {isolated('052-345-6789')}").click()
    expect(row.locator(".callback-done.mine")).to_contain_text("You called back at", timeout=15_000)
    # the simulator rings the agent's extension first: their card on the board shows the call
    page.locator(".agent .call-number", has_text="0523456789").first.wait_for(timeout=15_000)
    # the supervisor's list tells who took it, and offers no second call
    page.goto(stack.web + "/callbacks/")
    taken = page.locator(".callback-row", has_text="052-345-6789")
    expect(taken.locator(".callback-done")).to_contain_text("Called back by", timeout=15_000)
    assert taken.get_by_role("button").count() == 0
    page.screenshot(path=OUTPUT / "callbacks-taken.png")
