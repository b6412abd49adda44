"""A TV that fits (static/board/tv.js): on a display link at 1366x768, 1920x1080 and 3840x2160,
with 6 queues and 40, 100 and 300 agents, every queue shows, the page never scrolls, the agents
fill the rest in whole rows (none cut in two), paged when they do not all fit, the header's
numbers are at least 4 % of the screen's height and the type is larger on 4K. Screenshots in
``test-output/tv-<agents>-<width>x<height>.png``."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from tests.stack import Stack

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
SCREENS = [(1366, 768), (1920, 1080), (3840, 2160)]

LAYOUT = """() => {
  const box = (el) => el.getBoundingClientRect();
  const agents = document.querySelector('#agents');
  const area = box(agents);
  const cards = Array.from(agents.children).filter((c) => !c.hidden);
  const inside = (r) => r.bottom > area.top && r.top < area.bottom;
  const shown = cards.filter((c) => inside(box(c)));
  const whole = (r) => r.top >= area.top - 0.5 && r.bottom <= area.bottom + 0.5;
  const cut = shown.filter((c) => !whole(box(c)));
  const note = document.querySelector('#agents-page');
  return {
    height: innerHeight,
    scroll: document.documentElement.scrollHeight,
    queues: Array.from(document.querySelectorAll('.queue'), (q) => [box(q).top, box(q).bottom]),
    areaBottom: area.bottom,
    cards: cards.length,
    shown: shown.length,
    rows: new Set(shown.map((c) => Math.round(box(c).top))).size,
    cut: cut.length,
    note: note.hidden ? '' : note.textContent,
    number: parseFloat(getComputedStyle(document.querySelector('.count dd')).fontSize),
    rem: parseFloat(getComputedStyle(document.documentElement).fontSize),
  };
}"""


@pytest.fixture(scope="module", params=[40, 100, 300], ids=lambda n: f"{n}-agents")
def stack(request, tmp_path_factory, _test_redis):
    OUTPUT.mkdir(exist_ok=True)
    agents = request.param
    running = Stack(
        tmp_path_factory.mktemp(f"stack-tv-{agents}"),
        settings.REDIS_URL,
        agents=agents,
        queues=6,
        calls_per_minute=agents / 2,
    )
    try:
        running.start()
        path = running.manage_output("create_display", f"Hall {agents}").strip()
        yield SimpleNamespace(web=running.web, tv_path=path, agents=agents)
    finally:
        running.close()


@pytest.mark.parametrize(("width", "height"), SCREENS, ids=lambda v: str(v))
def test_the_tv_fits_its_screen_every_queue_whole_rows_of_agents_paged(
    browser, stack, width, height
):
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(stack.web + stack.tv_path)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.wait_for_function(
        f"document.querySelectorAll('.agent').length === {stack.agents}", timeout=30_000
    )
    page.wait_for_function("document.querySelector('#agents').style.height !== ''")
    page.wait_for_timeout(2_500)  # a fit or two more: the size settles
    seen = page.evaluate(LAYOUT)
    page.screenshot(path=OUTPUT / f"tv-{stack.agents}-{width}x{height}.png")
    context.close()
    assert seen["scroll"] <= seen["height"] + 1, "the page scrolls"
    assert len(seen["queues"]) == 6
    assert all(top >= 0 and bottom <= seen["height"] for top, bottom in seen["queues"])
    assert seen["areaBottom"] <= seen["height"] + 0.5
    assert seen["cut"] == 0, "a row of cards is cut"
    assert seen["rows"] >= 2
    if seen["shown"] < seen["cards"]:  # paged, and it says so
        dash = "\u2013"  # the note's en dash: "Agents 1-18 of 300"
        assert seen["note"].startswith(f"Agents \u20681\u2069{dash}\u2068{seen['shown']}\u2069 of")
    else:
        assert seen["note"] == ""
    assert seen["number"] >= 0.04 * seen["height"]  # read from 5 m
    assert seen["rem"] == pytest.approx(16 * min(width / 1920, height / 1080), rel=0.35)
