"""The content editor and "what we could not answer" in a real browser,
with the whole assistant running (Rasa, actions, api: tests/support/stack.py).

A comms officer, by keyboard, types a curly apostrophe into a text message:
the hard check fails live and Publish is refused. They fix it and publish.
The next family who asks the assistant gets the new words: no retraining,
no restart. A question the assistant cannot answer shows up, masked, on
the unanswered page. axe-core finds no serious or critical problems.
"""

import os
import time

import httpx
import pytest

from tests.browser.conftest import CHROMIUM, axe_violations, describe, screenshot
from tests.support.parts import part_missing
from tests.support.stack import MODEL, start_stack

COMMS = "comms@fernbridge.example"  # Rosie Hart
REDIS_DB = int(os.environ.get("TEST_BROWSER_REDIS_DB", "11"))
CURLY = "\u2019"
NEW_SMS = "You're welcome. Text us any time you need us."
NEW_WEB = "You are very welcome. We are here day and night if you need us again."


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The whole front door, for this module only (stopped before other browser tests run)."""
    if not CHROMIUM.exists():
        part_missing("browser", "browser tests need Debian's chromium at /usr/bin/chromium")
    if not MODEL.exists():
        pytest.fail("No trained model: `make test` trains one before the tests run.")
    running = start_stack(tmp_path_factory.mktemp("editor-stack"), REDIS_DB)
    yield running
    running.stop_all()


@pytest.fixture
def tab(browser, stack):
    context = browser.new_context(base_url=stack.api_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def press_until(page, selector: str, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab (or Shift+Tab) until the element matching `selector` has focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with {key}")


def replace_focused_text(page, words: str) -> None:
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(words)


def sign_in(page, password: str) -> None:
    page.goto("/staff/login")
    press_until(page, "#email")
    page.keyboard.type(COMMS)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/staff")


def no_blocking_problems(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)


def ask_assistant(stack, client: httpx.Client, text: str) -> list[str]:
    response = client.post(f"{stack.api_url}/chat/messages", json={"text": text})
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["messages"]]


def test_comms_edit_see_a_check_fail_fix_it_publish_and_the_assistant_says_it(tab, stack):
    family = httpx.Client(timeout=60)
    assert NEW_WEB not in ask_assistant(stack, family, "thank you so much")

    sign_in(tab, stack.env["DEMO_STAFF_PASSWORD"])
    press_until(tab, "a[href='/staff/content']")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.get_by_role("heading", level=1).inner_text() == "Answers"
    no_blocking_problems(tab)
    screenshot(tab, "content-list")

    tab.goto("/staff/content/answers/thank")
    assert tab.get_by_role("heading", level=1).inner_text() == "Thank you"
    no_blocking_problems(tab)

    # A curly apostrophe, typed by keyboard: the hard check fails as they type.
    press_until(tab, "#sms")
    replace_focused_text(tab, NEW_SMS.replace("'", CURLY))
    tab.locator("#publish[aria-disabled='true']").wait_for()
    assert "Cannot be published yet" in tab.inner_text("#publish-state")
    hard = tab.inner_text("#hard-problems")
    assert "phones treat as special" in hard and "Use ' instead." in hard
    assert tab.inner_text("#check-status") == "1 problem must be fixed before publishing."
    assert tab.inner_text("#preview-sms") == NEW_SMS.replace("'", CURLY)
    press_until(tab, "#web")
    replace_focused_text(tab, NEW_WEB)
    tab.wait_for_function("() => document.getElementById('preview-web').textContent.startsWith('You are very')")
    screenshot(tab, "content-editor-hard-check")
    no_blocking_problems(tab)

    # Publish is refused, and says why, without leaving the page.
    press_until(tab, "#publish")
    tab.keyboard.press("Enter")
    tab.locator("#publish-refused").wait_for(state="visible")
    assert tab.evaluate("document.activeElement.id") == "publish-refused"
    assert tab.url.endswith("/staff/content/answers/thank")

    # Fixed: the check passes and Publish works.
    press_until(tab, "#sms", key="Shift+Tab")
    replace_focused_text(tab, NEW_SMS)
    tab.locator("#publish:not([aria-disabled])").wait_for()
    assert "Can be published" in tab.inner_text("#publish-state")
    press_until(tab, "#publish")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "Your changes are live" in tab.inner_text("#notice")
    assert tab.input_value("#sms") == NEW_SMS
    screenshot(tab, "content-editor-published")
    no_blocking_problems(tab)

    # The next family who asks gets the new words, from the same running assistant.
    assert ask_assistant(stack, httpx.Client(timeout=60), "thank you so much") == [NEW_WEB]
    sms = httpx.get(f"{stack.api_url}/internal/answers/thank", params={"channel": "sms"},
                    headers={"Authorization": f"Bearer {stack.env['ACTIONS_API_TOKEN']}"})
    assert sms.json() == {"messages": [{"text": NEW_SMS}]}

    tab.goto("/staff/content/answers/thank/history")
    assert "Version 2 (live now)" in tab.inner_text("main")
    no_blocking_problems(tab)


def test_what_we_could_not_answer_shows_masked_messages_and_passes_axe(tab, stack):
    family = httpx.Client(timeout=60)
    ask_assistant(stack, family, "can you fix my car engine, my number is 07700 900123")
    sign_in(tab, stack.env["DEMO_STAFF_PASSWORD"])
    deadline = time.monotonic() + 20
    while True:  # the action server reports in the background
        tab.goto("/staff/unanswered")
        if tab.locator("[data-group]").count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    main = tab.inner_text("main")
    assert "my number is [phone]" in main and "07700" not in main
    assert "(so far)" in main
    screenshot(tab, "unanswered")
    no_blocking_problems(tab)

    # Sort it out by keyboard: a new topic for the developers.
    press_until(tab, "input[id^='note-']")
    tab.keyboard.type("Car repairs")
    tab.keyboard.press("Tab")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "marked as a new topic" in tab.inner_text("#notice")
    assert "New topic: Car repairs" in tab.inner_text("#done")
    no_blocking_problems(tab)


def test_answers_in_other_languages_pass_axe_and_a_speaker_check_is_recorded_by_keyboard(tab, stack):
    sign_in(tab, stack.env["DEMO_STAFF_PASSWORD"])
    tab.goto("/staff/content/languages")
    assert "Draft" in tab.inner_text("#language-ar")
    no_blocking_problems(tab)
    tab.goto("/staff/content/answers/crisis_check_in/languages/ar")
    assert "each text holds 70 characters" in tab.inner_text("main")
    no_blocking_problems(tab)
    press_until(tab, "#checked_by")
    tab.keyboard.type("Samira Haddad")
    tab.keyboard.press("Tab")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert "Checked by Samira Haddad" in tab.inner_text("#review")
    screenshot(tab, "answer_in_arabic")
    no_blocking_problems(tab)
