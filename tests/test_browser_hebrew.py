"""The pages in Hebrew, in Chromium: right to left, with no English left (a walk over the text
a person sees), and names that mix Hebrew with digits, numbers and timers in their logical
order, in Hebrew and in English pages. Screenshots of both languages in ``test-output/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser import sign_in
from tests.helpers import until_now
from tests.stack import AGENT, PASSWORD, USER, Stack

OUTPUT = Path(__file__).resolve().parent.parent / "test-output"
HEBREW = {"locale": "he-IL", "extra_http_headers": {"Accept-Language": "he-IL,he;q=0.9"}}
ENGLISH = {"locale": "en-US", "extra_http_headers": {"Accept-Language": "en-US,en;q=0.9"}}

#: What a Hebrew page may show in Latin letters: names of products and codes, not sentences.
LATIN_ALLOWED = re.compile(
    r"^(Voicenter|Click2Call|SIP|CSV|UTF-8|UTF-16|Excel|Windows|English|Redis|IVR|MB\.?)$"
)
#: What comes from Voicenter or from people: shown as it is, whatever its script (the walk
#: leaves it out; its direction is checked below).
DATA = (
    "bdi, [dir]:not(html), [lang]:not(html), .queue-name, .caller-name, .caller-number,"
    " .agent-name, .agent-ext, .agent-note, .call-name, .call-number, .screen-pop-name, .team-name,"
    " .screen-pop-company, .screen-pop-number, .screen-pop-notes, input, select option,"
    " .call-record td:nth-child(6), code"
)
WALK = """(data) => {
  // the words of what comes from Voicenter or from people, wherever they appear again (a
  // button's label naming a contact, a menu naming an agent)
  const names = new Set();
  for (const el of document.querySelectorAll(data)) {
    for (const word of (el.textContent || "").match(/[A-Za-z][A-Za-z0-9.-]+/g) || []) {
      names.add(word);
    }
  }
  const latin = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest(data) || el.closest("[hidden], script, style, template")) continue;
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (!el.getClientRects().length) continue;
    for (const word of node.data.match(/[A-Za-z][A-Za-z0-9.-]+/g) || []) latin.push(word);
  }
  for (const el of document.querySelectorAll("[title], [aria-label], [placeholder]")) {
    if (el.closest(data) && !el.matches("input")) continue;
    for (const name of ["title", "aria-label", "placeholder"]) {
      const value = el.getAttribute(name) || "";
      if (/^\\s*$/.test(value) || el.closest("[hidden]")) continue;
      for (const word of value.match(/[A-Za-z][A-Za-z0-9.-]+/g) || []) latin.push(word);
    }
  }
  return latin.filter((word) => !names.has(word));
}"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, _test_redis):
    OUTPUT.mkdir(exist_ok=True)
    # the simulator's Hebrew roster: agent SIM0100 is שרה כהן, queue 1001 is תמיכה 2
    running = Stack(tmp_path_factory.mktemp("stack-he"), settings.REDIS_URL, names="he")
    try:
        yield running.start()
    finally:
        running.close()


def english_left(page: Page) -> list[str]:
    words = page.evaluate(WALK, DATA)
    return sorted({w for w in words if not LATIN_ALLOWED.match(w)})


def assert_hebrew(page: Page) -> None:
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "he", "rtl",
    ]  # fmt: skip
    left = english_left(page)
    assert left == [], left


def use_language(page: Page, language: str) -> None:
    """The account's language set to ``language`` (the header's switch), the page reloaded."""
    if page.evaluate("document.documentElement.lang") != language:
        page.locator(".language-switch button").click()
        page.wait_for_function(f"document.documentElement.lang === {language!r}")
        page.wait_for_selector("body[data-ready='1'], main", timeout=15_000)


def new_page(browser, language: dict, width: int = 1920, height: int = 1080) -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=True, **language
    )
    return context.new_page()


def test_the_walk_finds_the_english_of_an_english_page(browser, stack):
    # (the check the Hebrew pages pass is worth something only if it sees words)
    page = new_page(browser, ENGLISH, 1366, 768)
    page.goto(stack.web + "/accounts/login/")
    assert {"Sign", "Password"} <= set(english_left(page))
    page.context.close()


def test_the_sign_in_page_in_hebrew(browser, stack):
    page = new_page(browser, HEBREW, 1366, 768)
    page.goto(stack.web + "/accounts/login/")
    assert_hebrew(page)
    page.screenshot(path=OUTPUT / "he-sign-in.png")
    page.context.close()


def test_the_board_in_hebrew_right_to_left_and_back_to_english_in_one_click(browser, stack):
    page = new_page(browser, HEBREW)
    sign_in(page, stack.web, USER, PASSWORD)
    use_language(page, "he")
    page.wait_for_function("document.querySelectorAll('.agent').length === 12")
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    assert_hebrew(page)
    # mirrored: the header's title at the right, the first tile at the right
    title = page.locator(".title").bounding_box()
    assert title is not None
    assert title["x"] > 1920 / 2
    page.screenshot(path=OUTPUT / "he-board.png")
    page.locator(".language-switch button").click()  # one click back
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    page.screenshot(path=OUTPUT / "en-board.png")
    page.context.close()


def test_a_display_link_in_hebrew_shows_the_tv_without_a_sign_in(browser, stack):
    path = stack.manage_output("create_display", "טלוויזיה מכירות", "--language", "he").strip()
    page = new_page(browser, ENGLISH)  # the TV's browser is English; the link says Hebrew
    page.goto(stack.web + path)
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    assert page.locator("body.tv").count() == 1
    assert_hebrew(page)
    page.screenshot(path=OUTPUT / "he-tv.png")
    page.context.close()


def test_contacts_the_call_log_and_the_reports_in_hebrew(browser, stack):
    stack.manage_output("shell", "-c", "from wallboard.worker.management.commands.demo import"
                        " demo_contacts; demo_contacts()")  # fmt: skip
    page = new_page(browser, HEBREW, 1366, 768)
    sign_in(page, stack.web, USER, PASSWORD, path="/contacts/")
    use_language(page, "he")
    page.locator(".contact-name").first.wait_for()
    assert_hebrew(page)
    page.screenshot(path=OUTPUT / "he-contacts.png")
    page.goto(stack.web + "/reports/calls/")
    page.locator("main.contacts-main").wait_for()
    assert_hebrew(page)
    page.screenshot(path=OUTPUT / "he-call-log.png")
    page.goto(stack.web + "/reports/?range=this_week")  # the table and its charts
    page.locator("main.contacts-main").wait_for()
    assert_hebrew(page)
    page.goto(stack.web + "/reports/agents/")
    page.locator("main.contacts-main").wait_for()
    assert_hebrew(page)
    page.goto(stack.web + "/contacts/import")
    assert_hebrew(page)
    page.context.close()


#: Where a text's first and last letters are drawn: left to right, or right to left.
ORDER = """(el) => {
  const text = el.firstChild && el.firstChild.nodeType === 3 ? el.firstChild : el;
  const node = text.nodeType === 3 ? text : text.firstChild;
  const letters = [...node.data].map((c, i) => [c, i]).filter(([c]) => /\\S/.test(c));
  const box = (i) => {
    const r = document.createRange();
    r.setStart(node, i);
    r.setEnd(node, i + 1);
    return r.getBoundingClientRect();
  };
  const first = box(letters[0][1]), last = box(letters[letters.length - 1][1]);
  return first.x < last.x ? "ltr" : "rtl";
}"""


@pytest.mark.parametrize("language", ["he", "en"])
def test_hebrew_names_beside_numbers_read_in_their_logical_order(browser, stack, language):
    page = new_page(browser, HEBREW if language == "he" else ENGLISH)
    sign_in(page, stack.web, USER, PASSWORD)
    use_language(page, language)
    page.wait_for_function("document.querySelector('#banner').dataset.state === 'live'")
    stack.join("שרה כהן", phone="+972501234567")
    name = page.locator(".caller-name", has_text="שרה כהן").first
    name.wait_for(timeout=15_000)
    caller = name.locator("xpath=ancestor::li[contains(@class,'caller')][1]")
    number = caller.locator(".caller-number")
    assert name.evaluate(ORDER) == "rtl"  # a Hebrew name reads right to left in any page
    assert number.evaluate(ORDER) == "ltr"  # +972 50-123-4567 never flips
    assert name.evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"
    style = "e => [getComputedStyle(e).direction, getComputedStyle(e).unicodeBidi]"
    assert number.evaluate(style) == ["ltr", "isolate"]
    page.screenshot(path=OUTPUT / f"{language}-mixed-names.png")
    page.context.close()


@pytest.mark.parametrize("language", ["he", "en"])
def test_a_hebrew_queue_and_agent_on_a_call_read_in_their_logical_order(browser, stack, language):
    page = new_page(browser, HEBREW if language == "he" else ENGLISH)
    sign_in(page, stack.web, USER, PASSWORD)
    use_language(page, language)
    queue = page.locator(".queue[data-queue-id='1001'] .queue-name")
    expect(queue).to_have_text("תמיכה 2", timeout=15_000)  # Voicenter's spelling, unchanged
    assert queue.evaluate(ORDER) == "rtl"  # the 2 after the word, read from the right
    assert queue.evaluate("e => getComputedStyle(e).unicodeBidi") == "plaintext"
    # a call to שרה כהן's own number, her only one (any other ends); she answers
    until_now(lambda: stack.ring("SIM0100", "+972501234567", alone=True), within_s=30)
    card = page.locator(".agent[data-ext='SIM0100']")
    expect(card.locator(".agent-name")).to_have_text("שרה כהן")
    number = card.locator(".call-number")
    expect(number).to_have_text(re.compile(r"^\+?972\s?50"), timeout=15_000)
    expect(card).to_have_attribute("data-category", "oncall", timeout=15_000)
    assert card.locator(".agent-name").evaluate(ORDER) == "rtl"
    style = "e => [getComputedStyle(e).direction, getComputedStyle(e).unicodeBidi]"
    assert number.evaluate(ORDER) == "ltr"  # +972 50-123-4567 never flips
    assert number.evaluate(style) == ["ltr", "isolate"]
    # number · name: the separator is its own element (a name cut short never takes it
    # along), shown only with both: this caller's network sent no name
    expect(card.locator(".call-name")).to_be_empty()
    expect(card.locator(".call-sep")).to_be_hidden()
    duration = card.locator(".call-duration")
    expect(duration).to_have_text(re.compile(r"^\d+:\d\d$"))
    assert duration.evaluate(ORDER) == "ltr"  # 0:02, never 20:0
    assert duration.evaluate(style) == ["ltr", "isolate"]
    card.screenshot(path=OUTPUT / f"{language}-agent-on-a-call.png")
    page.context.close()


def test_a_contact_note_mixing_hebrew_and_digits_keeps_its_order(browser, stack):
    stack.manage_output(
        "shell", "-c",
        "from wallboard.contacts.models import Contact, PhoneNumber;"
        "c = Contact.objects.create(name='שרה כהן', company='מוקד 2',"
        " notes='פגישה ב-10:30 בחדר 2, טל 03-555-1234');"
        "PhoneNumber.objects.create(contact=c, number='+972501234567', label='נייד')",
    )  # fmt: skip
    for language in ("en", "he"):
        page = new_page(browser, HEBREW if language == "he" else ENGLISH, 1366, 768)
        sign_in(page, stack.web, AGENT, PASSWORD, path="/contacts/?q=שרה")
        use_language(page, language)
        row = page.locator("tr", has_text="שרה כהן").first
        notes = row.locator(".contact-notes")
        assert notes.evaluate("e => getComputedStyle(e).direction") == "rtl"  # its own: Hebrew
        shown = row.locator(".number-shown")
        assert shown.evaluate("e => getComputedStyle(e).direction") == "ltr"
        assert shown.evaluate(ORDER) == "ltr"
        page.screenshot(path=OUTPUT / f"{language}-contact-note.png")
        page.context.close()
