"""The families' web chat in Debian's chromium: asking, quick replies,
booking end to end, keyboard only, reload, leave quickly, no JavaScript,
the assistant or the api being down, text never read as HTML, the widget
on a council's site, and axe-core on all of it.

Most tests run the api alone with a scripted stand-in for Rasa on loopback
(tests/support/scripted_rasa.py, Redis db TEST_BROWSER_REDIS_DB). Asking a
real question and booking a session use the whole stack: the trained model,
the action server and the api (Redis db TEST_WEBCHAT_REDIS_DB, default 5).
Screenshots go to var/screenshots/web-chat-*.png. The browser is the
session's one (tests/browser/conftest.py: Debian's chromium).
"""

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import yaml

from tests.browser.conftest import CHROMIUM, REDIS_DB, axe_violations, describe, screenshot
from tests.support.parts import part_missing
from tests.support.scripted_rasa import ScriptedRasa, StaticPages, reply
from tests.support.stack import MODEL, Stack, prepare_database, stack_env, start_stack

REPO = Path(__file__).resolve().parents[2]
WEBCHAT_REDIS_DB = int(os.environ.get("TEST_WEBCHAT_REDIS_DB", "5"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BABY_MASSAGE = "Baby massage, Riverside, Tuesday 10am"
STAY_AND_PLAY = "Stay and play, Northgate, Wednesday 1pm"
HOSTILE = ('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
           '" onmouseover="window.__pwned = 3" <b>not bold</b>')


def words(key: str) -> str:
    """The shipped web words for a content key (data/content/*.yml)."""
    for path in sorted((REPO / "data" / "content").glob("*.yml")):
        for answer in yaml.safe_load(path.read_text(encoding="utf-8")).get("answers") or []:
            if answer["key"] == key:
                return " ".join(answer["web"].split())
    raise KeyError(key)


def scripted_answers(text: str) -> list[dict]:
    """What the stand-in Rasa says to each message."""
    said = text.strip().lower()
    if said == "when are you open":
        return [reply("Riverside Family Hub is open today from 9am to 5pm. "
                      "Call 01632 960000, or see www.gov.uk/register-birth.")]
    if said == "what's on":
        return [reply(f"Here is what is on:\n1. {BABY_MASSAGE}\n2. {STAY_AND_PLAY}\nReply 1 or 2.",
                      (BABY_MASSAGE, "1"), (STAY_AND_PLAY, "2"))]
    if said in ("1", "2"):
        return [reply(f"You chose number {said}. What is your first name?")]
    if said == "talk to a person":
        return [reply("Would you like someone from the family hub to get in touch with you?",
                      ("Yes", "yes"), ("No", "no"))]
    if said == "show me something odd":
        return [reply(HOSTILE, (HOSTILE, "1"))]
    return [reply(f"You said: {text}")]


@dataclass
class ChatSite:
    url: str
    rasa: ScriptedRasa
    council: StaticPages
    leave_url: str

    @property
    def council_url(self) -> str:
        return f"http://127.0.0.1:{self.council.port}"

    @property
    def other_site_url(self) -> str:
        """The same pages on an origin that is not allowed to show the widget."""
        return f"http://localhost:{self.council.port}"


def start_api(workdir: Path, **overrides: str) -> Stack:
    env = stack_env(workdir, REDIS_DB, **overrides)
    prepare_database(env)
    api = Stack(workdir=workdir, env=env)
    api.start("api")
    try:
        api.wait_until_healthy(timeout=60, path="/chat")
    except Exception:
        api.stop_all()
        raise
    return api


def host_page(api_url: str) -> str:
    """A council's own page with the widget added by one script tag."""
    return ("<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Family hubs - Fernbridge Council</title></head><body><main><h1>Family hubs</h1>"
            "<p>Family hubs help families with children from pregnancy to 19.</p></main>"
            f"<script src='{api_url}/chat/widget.js' async></script></body></html>")


@pytest.fixture(scope="module")
def chat_site(tmp_path_factory) -> Iterator[ChatSite]:
    if not CHROMIUM.exists():
        part_missing("browser", "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    # "Leave quickly" goes to a neutral page on loopback here (a redirect
    # to the real default, LEAVE_QUICKLY_URL, would leave the machine).
    neutral_page = "<!doctype html><html lang='en'><title>Weather</title><h1>Weather</h1></html>"
    with ScriptedRasa(scripted_answers) as rasa, StaticPages() as council, \
            StaticPages({"/weather": neutral_page}) as neutral:
        leave_url = f"http://127.0.0.1:{neutral.port}/weather"
        api = start_api(tmp_path_factory.mktemp("webchat"), RASA_URL=rasa.url, LEAVE_QUICKLY_URL=leave_url,
                        WIDGET_ALLOWED_ORIGINS=f"http://127.0.0.1:{council.port}")
        council.pages["/"] = host_page(api.api_url)
        try:
            yield ChatSite(api.api_url, rasa, council, leave_url)
        finally:
            api.stop_all()


@pytest.fixture(scope="module")
def real_stack(tmp_path_factory) -> Iterator[Stack]:
    """Rasa with the trained model, the action server and the api."""
    if not CHROMIUM.exists():
        part_missing("browser", "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    if not MODEL.exists():
        pytest.fail("No trained model: `make test` trains one before the tests run.")
    client = redis.Redis(host=os.environ.get("REDIS_HOST", "127.0.0.1"),
                         port=int(os.environ.get("REDIS_PORT", "6379")), db=WEBCHAT_REDIS_DB,
                         password=os.environ.get("REDIS_PASSWORD") or None)
    client.flushdb()
    stack = start_stack(tmp_path_factory.mktemp("webchat-stack"), WEBCHAT_REDIS_DB)
    try:
        yield stack
    finally:
        stack.stop_all()
        client.flushdb()
        client.close()


def open_chat(browser, base_url: str, **options):
    """A fresh tab with no cookies. Should anything reach for the default
    neutral site, it is answered locally: the tests never leave the machine."""
    context = browser.new_context(base_url=base_url, viewport=options.pop("viewport", DESKTOP), **options)
    context.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>Weather</title><h1>Weather</h1>"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def chat(browser, chat_site):
    context, page = open_chat(browser, chat_site.url)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/chat")
    yield page
    context.close()
    assert not errors, errors


def assistant_count(page) -> int:
    return page.locator("#messages li.assistant").count()


def send(page, text: str) -> list[str]:
    """Type a message, press Enter, and return the new assistant replies."""
    before = assistant_count(page)
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    return wait_for_replies(page, before)


def wait_for_replies(page, before: int, timeout: float = 30_000) -> list[str]:
    page.wait_for_function("n => document.querySelectorAll('#messages li.assistant').length > n",
                           arg=before, timeout=timeout)
    page.wait_for_function("() => document.getElementById('sending').hidden", timeout=timeout)
    return assistant_texts(page)[before:]


def assistant_texts(page) -> list[str]:
    """The assistant's words as shown, without the "(opens in a new tab)"
    note screen readers hear after a link."""
    return page.evaluate("""() => [...document.querySelectorAll('#messages li.assistant .text')].map(p => {
        const copy = p.cloneNode(true);
        copy.querySelectorAll('.visually-hidden').forEach(note => note.remove());
        return copy.textContent; })""")


def family_messages(page) -> list[str]:
    return page.locator("#messages li.family .text").all_inner_texts()


def chat_cookie(context) -> str:
    return next((c["value"] for c in context.cookies() if c["name"] == "fh_chat"), "")


def no_blocking_problems(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)


# --- asking, links, quick replies -----------------------------------------

def test_a_reply_shows_its_web_addresses_and_phone_numbers_as_links(chat, chat_site):
    [answer] = send(chat, "when are you open")
    assert answer.startswith("Riverside Family Hub is open today from 9am to 5pm.")
    web = chat.locator("#messages li.assistant a[href='https://www.gov.uk/register-birth']")
    assert web.inner_text().startswith("www.gov.uk/register-birth")
    assert web.get_attribute("target") == "_blank" and "noopener" in web.get_attribute("rel")
    phone = chat.locator("#messages li.assistant a[href='tel:01632960000']")
    assert phone.inner_text() == "01632 960000"
    # The words read out to screen readers as they arrive.
    chat.wait_for_function("() => document.getElementById('announcer').textContent.includes('9am to 5pm')")
    assert chat.get_attribute("#announcer", "aria-live") == "polite"


def test_a_quick_reply_sends_its_number_and_shows_its_words(chat, chat_site):
    send(chat, "what's on")
    choices = chat.locator("#messages .choices button")
    assert choices.all_inner_texts() == [BABY_MASSAGE, STAY_AND_PLAY]
    assert chat.get_attribute("#messages .choices", "role") == "group"
    before = assistant_count(chat)
    choices.nth(0).click()
    [answer] = wait_for_replies(chat, before)
    assert answer == "You chose number 1. What is your first name?"
    assert chat_site.rasa.messages()[-1] == "1"           # the payload went to Rasa
    assert family_messages(chat)[-1] == BABY_MASSAGE      # the title is what the family sees
    assert chat.locator("#messages .choices").count() == 0  # old choices go once one is made
    assert chat.evaluate("document.activeElement.id") == "chat-input"

    send(chat, "what's on")
    [answer] = send(chat, "2")  # typing the number works the same
    assert answer == "You chose number 2. What is your first name?"


def test_talk_to_a_person_and_the_automated_assistant_line_are_always_there(chat, chat_site):
    for _ in range(2):
        send(chat, "tell me about the hubs please " * 8)
    assert chat.locator("#automated").is_visible()
    assert "automated assistant, not a person" in chat.inner_text("#automated")
    talk = chat.get_by_role("button", name="Talk to a person")
    assert talk.is_visible() and chat.get_by_role("button", name="Leave quickly").is_visible()
    before = assistant_count(chat)
    talk.click()
    [answer] = wait_for_replies(chat, before)
    assert answer.startswith("Would you like someone from the family hub")
    assert chat_site.rasa.messages()[-1] == "talk to a person"
    assert family_messages(chat)[-1] == "Talk to a person"
    assert chat.locator("#messages .choices button").all_inner_texts() == ["Yes", "No"]


def test_keyboard_only(browser, chat_site):
    context, page = open_chat(browser, chat_site.url)
    try:
        page.goto("data:text/html,<title>Before</title><p>A page before the chat</p>")
        page.goto("/chat")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "leave-quickly"  # the first stop
        focus_is_visible(page)
        for _ in range(6):
            if page.evaluate("document.activeElement.id") == "chat-input":
                break
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "chat-input"
        focus_is_visible(page)

        page.keyboard.type("what's on")
        before = assistant_count(page)
        page.keyboard.press("Enter")
        wait_for_replies(page, before)
        page.keyboard.press("Shift+Tab")  # back from the box to the last choice
        assert page.evaluate("document.activeElement.textContent") == STAY_AND_PLAY
        focus_is_visible(page)
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.textContent") == BABY_MASSAGE
        before = assistant_count(page)
        page.keyboard.press("Enter")
        wait_for_replies(page, before)
        assert family_messages(page)[-1] == BABY_MASSAGE
        assert page.evaluate("document.activeElement.id") == "chat-input"

        page.keyboard.type("Jo")
        page.keyboard.press("Shift+Enter")  # a new line, not sent
        page.keyboard.type("and my sister")
        assert page.input_value("#chat-input") == "Jo\nand my sister"
        before = assistant_count(page)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "send"
        focus_is_visible(page)
        page.keyboard.press("Enter")
        wait_for_replies(page, before)
        assert family_messages(page)[-1] == "Jo\nand my sister"
        assert page.evaluate("document.activeElement.id") == "chat-input"  # ready for the next message

        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "talk-to-person"
        focus_is_visible(page)
        before = assistant_count(page)
        page.keyboard.press("Space")
        wait_for_replies(page, before)
        assert family_messages(page)[-1] == "Talk to a person"

        page.keyboard.press("Escape")
        with page.expect_navigation():
            page.keyboard.press("Escape")  # Esc twice: leave quickly
        assert page.url == chat_site.leave_url
    finally:
        context.close()


def focus_is_visible(page) -> None:
    style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                          " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; })()")
    assert style[0] == "solid" and float(style[1].rstrip("px")) >= 3, style
    assert style[2] == "rgb(255, 221, 0)", style  # the yellow focus ring


# --- reload, leave quickly, clear ----------------------------------------------

def test_the_chat_is_still_there_after_a_reload(chat, chat_site, browser):
    send(chat, "when are you open")
    send(chat, "what's on")
    before_texts = chat.locator("#messages li .text").all_inner_texts()
    chat.reload()
    assert chat.locator("#messages li .text").all_inner_texts() == before_texts
    assert chat.locator("#messages a[href='tel:01632960000']").count() == 1  # links drawn by the server too
    assert chat.locator("#messages .choices button").all_inner_texts() == [BABY_MASSAGE, STAY_AND_PLAY]
    before = assistant_count(chat)
    chat.locator("#messages .choices button").nth(1).click()
    wait_for_replies(chat, before)
    chat.reload()
    assert family_messages(chat)[-1] == STAY_AND_PLAY
    assert chat.locator("#messages .choices").count() == 0

    # Another browser (another cookie) sees none of it.
    context, other = open_chat(browser, chat_site.url)
    try:
        other.goto("/chat")
        assert other.locator("#messages li").count() == 0
    finally:
        context.close()


def test_leave_quickly_clears_the_screen_forgets_the_chat_and_back_does_not_return(browser, chat_site):
    context, page = open_chat(browser, chat_site.url)
    try:
        page.goto("data:text/html,<title>Before</title><p>A page before the chat</p>")
        page.goto("/chat")
        send(page, "my worry about home")
        cookie = chat_cookie(context)
        sender = chat_site.rasa.received[-1]["sender"]
        assert cookie
        with page.expect_navigation():
            page.get_by_role("button", name="Leave quickly").click()
        assert page.url == chat_site.leave_url
        page.go_back()
        assert page.url.startswith("data:"), page.url  # Back skips the chat
        deadline = time.monotonic() + 5
        while chat_cookie(context) == cookie and time.monotonic() < deadline:
            time.sleep(0.1)
        assert chat_cookie(context) not in ("", cookie)  # a new cookie: the old chat cannot be found from here

        page.goto("/chat")
        assert page.locator("#messages li").count() == 0
        assert "my worry" not in page.content()
        send(page, "hello")
        new_sender = chat_site.rasa.received[-1]["sender"]
        assert new_sender.split("-")[0] != sender.split("-")[0]  # not linked to the family before
    finally:
        context.close()


def test_clear_this_chat(chat, chat_site):
    send(chat, "a private question")
    sender = chat_site.rasa.received[-1]["sender"]
    chat.get_by_role("button", name="Clear this chat").click()
    chat.wait_for_function("() => document.getElementById('notice').textContent.length > 0")
    assert chat.inner_text("#notice") == words("web_chat_cleared")
    assert chat.locator("#messages li").count() == 0
    assert chat.evaluate("document.activeElement.id") == "chat-input"
    chat.reload()
    assert chat.locator("#messages li").count() == 0
    send(chat, "hello again")
    assert chat_site.rasa.received[-1]["sender"].split("-")[0] != sender.split("-")[0]


def test_a_quiet_chat_ends_and_the_family_is_told(browser, tmp_path):
    with ScriptedRasa(scripted_answers) as rasa:
        api = start_api(tmp_path, RASA_URL=rasa.url, CONVERSATION_QUIET_SECONDS="3")
        context, page = open_chat(browser, api.api_url)
        try:
            page.goto("/chat")
            send(page, "when are you open")
            typed = "something I was typing"
            page.fill("#chat-input", typed)
            # The page says so by itself after the quiet time, and keeps what was typed...
            page.wait_for_function("() => document.getElementById('notice').textContent.length > 0",
                                   timeout=10_000)
            assert page.inner_text("#notice") == words("web_chat_earlier_ended")
            assert page.locator("#messages li").count() == 0
            assert page.input_value("#chat-input") == typed
            # ...and so does the api, once, on the next visit: the old chat is gone.
            page.reload()
            assert page.inner_text("#notice") == words("web_chat_earlier_ended")
            assert page.locator("#messages li").count() == 0
            first = rasa.received[-1]["sender"]
            send(page, "hello")
            second = rasa.received[-1]["sender"]
            assert second != first and second.split("-")[0] == first.split("-")[0]  # a new Rasa conversation

            # A page left open (or a script that missed the quiet time) hears it from the api.
            client = httpx.Client(base_url=api.api_url, timeout=10)
            assert "earlier_ended" not in client.post("/chat/messages", json={"text": "hi"}).json()
            time.sleep(3.5)
            body = client.post("/chat/messages", json={"text": "hi again"}).json()
            assert body["earlier_ended"] is True and body["messages"]
        finally:
            context.close()
            api.stop_all()


# --- never HTML; things going wrong ---------------------------------------

def test_words_are_never_read_as_html(chat, chat_site):
    send(chat, HOSTILE)
    send(chat, "show me something odd")
    for check in (chat, None):
        if check is None:
            chat.reload()  # the same, drawn by the server
        assert chat.evaluate("window.__pwned") is None
        assert chat.locator("#messages img, #messages script, #messages b").count() == 0
        texts = chat.locator("#messages li .text").all_inner_texts()
        assert texts[0] == HOSTILE                       # the family's own words, as typed
        assert texts[1] == f"You said: {HOSTILE}"
        assert texts[-1] == HOSTILE                      # the assistant's words
        assert chat.locator("#messages .choices button").all_inner_texts() == [HOSTILE]
        chat.hover("#messages li:last-child .text")
        assert chat.evaluate("window.__pwned") is None


def test_when_the_assistant_is_down_the_page_says_so_kindly_and_keeps_what_was_typed(chat, chat_site):
    chat_site.rasa.down = True
    try:
        chat.fill("#chat-input", "we have no gas")
        chat.press("#chat-input", "Enter")
        chat.wait_for_function("() => document.getElementById('problem').textContent.length > 0")
    finally:
        chat_site.rasa.down = False
    problem = chat.inner_text("#problem")
    assert words("assistant_unavailable") in problem and "call 999" in problem
    assert words("web_chat_not_sent") in problem
    assert chat.get_attribute("#problem", "role") == "alert"
    assert chat.input_value("#chat-input") == "we have no gas"
    assert "not-sent" in chat.get_attribute("#messages li.family", "class")

    # The api itself out of reach: the same kind words, and nothing lost.
    chat.route("**/chat/messages", lambda route: route.abort())
    chat.fill("#chat-input", "still no gas")
    chat.evaluate("document.getElementById('problem').textContent = ''")
    chat.press("#chat-input", "Enter")
    chat.wait_for_function("() => document.getElementById('problem').textContent.length > 0")
    assert words("assistant_unavailable") in chat.inner_text("#problem")
    assert chat.input_value("#chat-input") == "still no gas"
    chat.unroute("**/chat/messages")
    [answer] = send(chat, "still no gas")
    assert answer == "You said: still no gas"


def test_without_javascript_the_page_is_a_plain_form(browser, chat_site):
    context, page = open_chat(browser, chat_site.url, java_script_enabled=False)
    try:
        page.goto("/chat")
        page.fill("#chat-input", "what's on")
        with page.expect_navigation():
            page.click("#send")
        assert page.url.endswith("/chat#latest")  # after a post, a fresh page: reload never sends twice
        assert family_messages(page) == ["what's on"]
        with page.expect_navigation():
            page.get_by_role("button", name=BABY_MASSAGE).click()
        assert chat_site.rasa.messages()[-1] == "1"
        assert family_messages(page)[-1] == BABY_MASSAGE
        assert page.locator("#messages li.assistant .text").last.inner_text() == \
            "You chose number 1. What is your first name?"
        with page.expect_navigation():
            page.get_by_role("button", name="Talk to a person").click()
        assert family_messages(page)[-1] == "Talk to a person"
        page.fill("#chat-input", "when are you open")
        with page.expect_navigation():
            page.click("#send")
        assert page.locator("#messages a[href='tel:01632960000']").count() == 1
        screenshot(page, "web-chat-no-javascript")

        chat_site.rasa.down = True
        try:
            page.fill("#chat-input", "please keep this")
            with page.expect_navigation():
                page.click("#send")
        finally:
            chat_site.rasa.down = False
        assert "call 999" in page.inner_text("#problem")
        assert page.input_value("#chat-input") == "please keep this"

        with page.expect_navigation():
            page.get_by_role("button", name="Clear this chat").click()
        assert page.inner_text("#notice") == words("web_chat_cleared")
        assert page.locator("#messages li").count() == 0

        page.fill("#chat-input", "hello")
        with page.expect_navigation():
            page.click("#send")
        with page.expect_navigation():
            page.get_by_role("button", name="Leave quickly").click()
        assert page.url == chat_site.leave_url
        page.goto("/chat")
        assert page.locator("#messages li").count() == 0
    finally:
        context.close()


# --- looks, zoom, dark mode, axe -------------------------------------------

def test_axe_zoom_dark_mode_and_screenshots(browser, chat_site):
    for name, options in (("phone", {"viewport": PHONE}), ("desktop", {"viewport": DESKTOP}),
                          ("dark", {"viewport": PHONE, "color_scheme": "dark"})):
        context, page = open_chat(browser, chat_site.url, **options)
        try:
            page.goto("/chat")
            no_blocking_problems(page)
            send(page, "when are you open")
            send(page, "what's on")
            no_blocking_problems(page)
            screenshot(page, f"web-chat-{name}")
            if name == "dark":
                background = page.evaluate("getComputedStyle(document.body).backgroundColor")
                assert background == "rgb(18, 18, 18)", background
        finally:
            context.close()

    # 400% zoom of a 1280px screen is 320 CSS pixels: everything reflows, no sideways scrolling.
    context, page = open_chat(browser, chat_site.url, viewport={"width": 320, "height": 256})
    try:
        page.goto("/chat")
        send(page, "what's on")
        send(page, "a" * 120 + " https://www.gov.uk/" + "b" * 120)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert page.get_by_role("button", name="Leave quickly").is_visible()
        no_blocking_problems(page)
        screenshot(page, "web-chat-320px")
    finally:
        context.close()

    context, page = open_chat(browser, chat_site.url)
    try:
        page.goto("/chat?embed=1")
        send(page, "what's on")
        no_blocking_problems(page)
    finally:
        context.close()


def test_font_sizes_are_in_rem_so_text_zooms(chat_site):
    css = httpx.get(f"{chat_site.url}/chat/chat.css").text
    sizes = re.findall(r"font-size:\s*([^;}]+)", css) + re.findall(r"font:\s*(?:\d+\s+)?([\d.]+\w+)", css)
    assert sizes and all(size.strip().endswith(("rem", "%")) for size in sizes), sizes


# --- the widget on a council's own site --------------------------------------

def test_the_widget_on_a_council_site(browser, chat_site):
    context, page = open_chat(browser, chat_site.council_url)
    try:
        page.goto("data:text/html,<title>Before</title><p>A page before the council site</p>")
        page.goto(chat_site.council_url + "/")
        opener = page.get_by_role("button", name="Chat with us")
        assert opener.get_attribute("aria-expanded") == "false"
        no_blocking_problems(page)
        opener.click()
        assert opener.get_attribute("aria-expanded") == "true"
        frame = page.frame_locator("#familyhub-chat-panel iframe")
        assert page.get_attribute("#familyhub-chat-panel iframe", "title") == words("chat_page_title")
        frame.locator("#chat-input").fill("what's on")
        frame.locator("#chat-input").press("Enter")
        frame.locator("#messages .choices button").first.wait_for()
        frame.locator("#messages .choices button").first.click()
        frame.locator("#messages li.assistant").nth(1).wait_for()
        senders = {item["sender"] for item in chat_site.rasa.received[-2:]}
        assert len(senders) == 1  # one conversation: the iframe keeps its cookie
        no_blocking_problems(page)
        page.set_viewport_size(PHONE)
        screenshot(page, "web-chat-widget-phone")
        page.set_viewport_size(DESKTOP)
        # Resized, the newest message is still in view.
        chat_frame = page.frame_locator("#familyhub-chat-panel iframe").locator("#chat")
        page.wait_for_timeout(100)
        assert chat_frame.evaluate("c => c.scrollHeight - c.scrollTop - c.clientHeight") < 24
        screenshot(page, "web-chat-widget-desktop")

        # The close button, then Escape, give focus back to the opener.
        page.get_by_role("button", name="Close the chat").click()
        assert not page.locator("#familyhub-chat-panel").is_visible()
        assert page.evaluate("document.activeElement.id") == "familyhub-chat-button"
        opener.click()
        page.get_by_role("button", name="Close the chat").focus()
        page.keyboard.press("Escape")
        assert not page.locator("#familyhub-chat-panel").is_visible()
        assert page.evaluate("document.activeElement.id") == "familyhub-chat-button"

        # Allowed sites may call the api themselves, with the family's cookie.
        status = page.evaluate("""url => fetch(url + '/chat/messages', {method: 'POST', credentials: 'include',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'hi'})})
            .then(r => r.status, () => 'refused')""", chat_site.url)
        assert status == 200

        # Leave quickly inside the chat takes the whole council page away.
        opener.click()
        with page.expect_navigation():
            frame.get_by_role("button", name="Leave quickly").click()
        assert page.url == chat_site.leave_url
        page.go_back()
        assert page.url.startswith("data:"), page.url
    finally:
        context.close()


def test_a_site_that_is_not_allowed_cannot_show_the_chat_or_call_the_api(browser, chat_site):
    context, page = open_chat(browser, chat_site.other_site_url)
    try:
        page.goto(chat_site.other_site_url + "/")
        page.get_by_role("button", name="Chat with us").click()
        handle = page.wait_for_selector("#familyhub-chat-panel iframe")
        time.sleep(1)
        frame = handle.content_frame()
        assert frame is None or frame.locator("#chat-input").count() == 0  # blocked by frame-ancestors
        status = page.evaluate("""url => fetch(url + '/chat/messages', {method: 'POST', credentials: 'include',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'hi'})})
            .then(r => r.status, () => 'refused')""", chat_site.url)
        assert status == "refused"
    finally:
        context.close()


def test_the_demo_host_page_passes_axe(browser, chat_site):
    context, page = open_chat(browser, chat_site.url)
    try:
        page.goto("/chat/demo-host")
        page.get_by_role("button", name="Chat with us").click()
        page.frame_locator("#familyhub-chat-panel iframe").locator("#chat-input").wait_for()
        no_blocking_problems(page)
    finally:
        context.close()


def test_headers_cookie_and_cross_site_rules(chat_site):
    api, council = chat_site.url, chat_site.council_url
    page = httpx.get(f"{api}/chat")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    embed = httpx.get(f"{api}/chat?embed=1")
    assert f"frame-ancestors 'self' {council}" in embed.headers["content-security-policy"]

    allowed = httpx.options(f"{api}/chat/messages", headers={
        "Origin": council, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == council
    assert allowed.headers["access-control-allow-credentials"] == "true"
    refused = httpx.options(f"{api}/chat/messages", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in refused.headers

    sent = len(chat_site.rasa.received)
    for path, kwargs in (("/chat/messages", {"json": {"text": "hi"}}), ("/chat", {"data": {"text": "hi"}}),
                         ("/chat/forget", {"data": {"then": "clear"}})):
        response = httpx.post(f"{api}{path}", headers={"Origin": "https://elsewhere.example"}, **kwargs)
        assert response.status_code == 403, path
    assert len(chat_site.rasa.received) == sent  # nothing reached the assistant

    answer = httpx.post(f"{api}/chat/messages", json={"text": "what's on"}, headers={"Origin": council})
    assert answer.headers["access-control-allow-origin"] == council
    assert answer.json() == {"messages": [{
        "text": f"Here is what is on:\n1. {BABY_MASSAGE}\n2. {STAY_AND_PLAY}\nReply 1 or 2.",
        "buttons": [{"title": BABY_MASSAGE, "payload": "1"}, {"title": STAY_AND_PLAY, "payload": "2"}]}]}
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/chat" in cookie

    widget = httpx.get(f"{api}/chat/widget.js", headers={"Accept-Encoding": "gzip"})
    assert widget.status_code == 200 and widget.headers["content-type"].startswith("text/javascript")
    assert words("web_chat_open") in widget.text and "innerHTML" not in widget.text
    assert int(widget.headers["content-length"]) < 4000  # small on a poor connection


# --- the whole stack: the trained model, the action server, the api -------

def test_ask_a_real_question_and_read_the_answer(browser, real_stack):
    context, page = open_chat(browser, real_stack.api_url, viewport=PHONE)
    try:
        page.goto("/chat")
        answers = send(page, "how do i register a birth")
        assert " ".join(" ".join(answers).split()) == words("register_birth")
        link = page.locator("#messages a[href='https://www.gov.uk/register-birth']")
        assert link.count() == 1
        no_blocking_problems(page)
    finally:
        context.close()


def test_book_a_session_end_to_end(browser, real_stack):
    context, page = open_chat(browser, real_stack.api_url, viewport=PHONE)
    try:
        page.goto("/chat")
        send(page, "can i book baby massage")
        choices = page.locator("#messages .choices button")
        choices.first.wait_for()
        titles = choices.all_inner_texts()
        assert titles and all(t.startswith("Baby massage") for t in titles), titles
        before = assistant_count(page)
        choices.first.click()
        answers = wait_for_replies(page, before)
        assert family_messages(page)[-1] == titles[0]  # the button's words, not "1"
        assert answers[-1] == "What is your first name?"
        assert send(page, "Jo")[-1].startswith("How many children will come, and how old are they?")
        assert send(page, "1, aged 4 months")[-1] == "How many grown ups will come?"
        assert send(page, "1")[-1].startswith("What mobile number should we text?")
        check = send(page, "07700 900123")[-1]
        assert check.startswith("Please check:") and "Shall I book it? Please reply yes or no." in check
        assert "Jo" in check
        before = assistant_count(page)
        page.locator("#messages .choices").get_by_role("button", name="Yes").click()
        confirmation, number_check = wait_for_replies(page, before, timeout=30_000)
        assert "booked" in confirmation.lower()
        assert re.search(r"\bFH\d{6}\b", confirmation), confirmation
        # A number typed into the web chat is texted nothing but a YES question first.
        assert "Reply YES" in number_check and "booking is made either way" in number_check, number_check
        screenshot(page, "web-chat-booked-phone")
        page.reload()
        assert assistant_texts(page)[-2:] == [confirmation, number_check]
    finally:
        context.close()
