"""Teams in Chromium: a supervisor's board shows their team, with its name and a picker when
there are several; picking another team redraws the board; someone in no team sees an empty
board that says why; a team's TV shows that team. Screenshots in ``test-output/`` at TV,
laptop and phone sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser import sign_in
from tests.stack import AGENT, PASSWORD, USER, Stack

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
SIZES = {"tv": (1920, 1080), "laptop": (1366, 768), "phone": (390, 844)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _test_redis):
    OUTPUT.mkdir(exist_ok=True)
    running = Stack(tmp_path_factory.mktemp("stack-teams"), settings.REDIS_URL, queues=3)
    try:
        running.start()
        # Sales: the first queue and agents SIM0101-SIM0103; Support: the other two queues and
        # agents SIM0104-SIM0105; the supervisor supervises both, the agent (SIM0100) neither
        running.manage_output(
            "create_team", "Sales", "--queues", "1000", "--agents", "SIM0101,SIM0102,SIM0103",
            "--supervisors", USER,
        )  # fmt: skip
        running.manage_output(
            "create_team", "Support", "--queues", "1001,1002", "--agents", "SIM0104,SIM0105",
            "--supervisors", USER,
        )  # fmt: skip
        yield running
    finally:
        running.close()


def new_page(browser, size: str = "laptop") -> Page:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    return context.new_page()


def tiles(page: Page) -> list[str]:
    return sorted(page.locator(".queue").evaluate_all("qs => qs.map(q => q.dataset.queueId)"))


def cards(page: Page) -> list[str]:
    return sorted(page.locator(".agent").evaluate_all("as => as.map(a => a.dataset.ext)"))


def test_a_supervisor_sees_their_first_team_and_picks_the_other(browser, stack):
    page = new_page(browser)
    sign_in(page, stack.web, USER, PASSWORD)
    expect(page.locator("#team-name")).to_have_text("Sales", timeout=15_000)
    page.wait_for_function("document.querySelectorAll('.queue').length === 1")
    assert tiles(page) == ["1000"]
    assert cards(page) == ["SIM0101", "SIM0102", "SIM0103"]
    # who can take the queue's calls: Sales' agents, and the tile says so
    agents = page.locator(".queue[data-queue-id='1000'] .queue-agents")
    expect(agents).to_have_attribute("title", "Its agents: the agents of \u2068Sales\u2069")
    shown = agents.locator(".queue-agents-count").all_inner_texts()
    categories = page.locator(".agent").evaluate_all("cards => cards.map(c => c.dataset.category)")
    assert int(shown[0].strip("\u2068\u2069")) == categories.count("available")
    assert int(shown[2].strip("\u2068\u2069")) == categories.count("break")
    pick = page.locator("#team-pick")
    expect(pick).to_be_visible()
    assert pick.locator("option").all_text_contents() == ["Sales", "Support"]  # no All teams
    page.screenshot(path=OUTPUT / "teams-sales-laptop.png")
    pick.select_option(label="Support")
    expect(page.locator("#team-name")).to_have_text("Support", timeout=15_000)
    page.wait_for_function("document.querySelectorAll('.queue').length === 2")
    assert tiles(page) == ["1001", "1002"]
    assert cards(page) == ["SIM0104", "SIM0105"]
    page.reload()  # the choice is kept
    expect(page.locator("#team-name")).to_have_text("Support", timeout=15_000)
    page.wait_for_function("document.querySelectorAll('.queue').length === 2")
    pick = page.locator("#team-pick")
    pick.select_option(label="Sales")  # (back, for the other tests)
    expect(page.locator("#team-name")).to_have_text("Sales", timeout=15_000)
    page.context.close()


def test_someone_in_no_team_sees_an_empty_board_that_says_why(browser, stack):
    page = new_page(browser, "phone")
    sign_in(page, stack.web, AGENT, PASSWORD)
    note = page.locator("#view-note")
    expect(note).to_be_visible(timeout=15_000)
    expect(note).to_contain_text("You are in no team")
    expect(page.locator("#team-pick")).to_be_hidden()
    page.wait_for_selector("body[data-ready='1']")
    assert tiles(page) == []
    assert cards(page) == []
    page.screenshot(path=OUTPUT / "teams-no-team-phone.png")
    page.context.close()


@pytest.mark.parametrize("size", ["tv", "laptop", "phone"])
def test_a_teams_tv_shows_that_team_only(browser, stack, size):
    path = stack.manage_output("create_display", f"Support TV {size}", "--team", "Support")
    page = new_page(browser, size)
    page.goto(stack.web + path.strip())
    expect(page.locator("#team-name")).to_have_text("Support", timeout=15_000)
    page.wait_for_function("document.querySelectorAll('.queue').length === 2")
    assert tiles(page) == ["1001", "1002"]
    assert cards(page) == ["SIM0104", "SIM0105"]
    expect(page.locator("#team-pick")).to_be_hidden()
    page.screenshot(path=OUTPUT / f"teams-tv-{size}.png")
    page.context.close()
