"""The referrals queue in a real browser: a referral made by the assistant
appears live (no reload), one front door worker claims it and a second sees
that at once, a text goes to the outbox, and it is closed with how it ended
(the family's closing text goes to the outbox).
axe-core finds no serious or critical problems on the queue or referral page."""

import secrets

import httpx
import pytest

from tests.browser.conftest import Site, axe_violations, describe, screenshot

FRONT_DOOR = "frontdoor1@fernbridge.example"       # Beth Carter
SECOND_FRONT_DOOR = "frontdoor2@fernbridge.example"  # Kwame Mensah


def new_tab(browser, site):
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def sign_in(page, email: str, password: str) -> None:
    page.goto("/staff/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert page.url.endswith("/staff")


def make_referral(site: Site, **changes) -> str:
    body = {
        "conversation_id": "browser-" + secrets.token_hex(4), "channel": "sms",
        "consent": {"wording": "Can I pass this to the Riverside team?", "answer": "yes",
                    "at": "2026-11-23T09:58:00+00:00"},
        "family_words": "We have no money for food until Friday and my baby needs milk.",
        "first_name": "Jo",
        "contact": {"method": "text", "phone": "07700 900123", "times": "any time", "safe_to_text": True,
                    "safe_to_leave_message": False, "needs": "Polish interpreter"},
        "hub": "riverside", "topics": ["money_help"], "urgent": True,
        "transcript": [{"from": "family", "text": "no money for food", "at": "2026-11-23T09:57:00+00:00"}],
        **changes,
    }
    response = httpx.post(f"{site.url}/internal/referrals", json=body, timeout=10,
                          headers={"Authorization": f"Bearer {site.actions_token}",
                                   "Idempotency-Key": secrets.token_hex(8)})
    assert response.status_code == 201, response.text
    return response.json()["referral_id"]


def no_blocking_problems(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_a_referral_appears_live_is_claimed_texted_and_closed(browser, site):
    beth_context, beth = new_tab(browser, site)
    kwame_context, kwame = new_tab(browser, site)
    try:
        sign_in(beth, FRONT_DOOR, site.password)
        sign_in(kwame, SECOND_FRONT_DOOR, site.password)
        for page in (beth, kwame):
            page.goto("/staff/queue")
            assert page.locator("#queue-table").count() == 1, f"{page.url}: {page.inner_text('main')[:300]}"
            page.evaluate("window.__notReloaded = true")
        # Other browser tests may have left requests on the queue: what
        # matters is that the new one appears without a reload.
        no_blocking_problems(beth)
        screenshot(beth, "queue-before")

        reference = make_referral(site)
        row = beth.locator(f"tr[data-referral='{reference}']")
        row.wait_for(state="visible", timeout=10_000)
        assert beth.evaluate("window.__notReloaded") is True  # it came in live, with no reload
        assert "Urgent" in row.inner_text() and "New" in row.inner_text()
        assert "The queue was updated" in beth.inner_text("#queue-live")
        kwame.locator(f"tr[data-referral='{reference}']").wait_for(state="visible")
        no_blocking_problems(beth)
        screenshot(beth, "queue-live-update")

        with beth.expect_navigation():
            row.get_by_role("link", name=reference).click()
        assert "We have no money for food until Friday" in beth.inner_text("#family-words")
        assert beth.locator("#no-voicemail").is_visible()
        no_blocking_problems(beth)
        screenshot(beth, "referral-new")

        with beth.expect_navigation():
            beth.locator("#claim").click()
        assert "You have claimed this referral." in beth.inner_text(".govuk-notification-banner")
        # The other front door worker sees the claim without reloading.
        kwame_row = kwame.locator(f"tr[data-referral='{reference}']")
        kwame_row.filter(has_text="by Beth Carter").wait_for(timeout=10_000)
        assert "Claimed" in kwame_row.inner_text()
        assert kwame.evaluate("window.__notReloaded") is True

        beth.fill("#message", "Hi Jo, this is Beth. I can call you at 2pm today. Is that ok?")
        with beth.expect_navigation():
            beth.locator("#send-text").click()
        assert "Your text is in the outbox" in beth.inner_text(".govuk-notification-banner")
        assert "I can call you at 2pm today" in beth.inner_text("#history")

        # Closing asks how it ended; "Other" needs notes.
        beth.check("#outcome-other")
        with beth.expect_navigation():
            beth.locator("#close").click()
        assert "Say in the notes how the request ended." in beth.inner_text(".govuk-error-summary")
        no_blocking_problems(beth)
        screenshot(beth, "referral-close-needs-notes")

        beth.check("#outcome-passed_on")
        beth.fill("#passed_to", "Fernbridge Food Bank")
        beth.fill("#notes", "Food bank voucher sent; Jo is happy to be contacted again next week.")
        with beth.expect_navigation():
            beth.locator("#close").click()
        assert "The request is closed." in beth.inner_text(".govuk-notification-banner")
        assert "Closed" in beth.inner_text("main h1 + p")
        assert "Passed to another service: Fernbridge Food Bank" in beth.inner_text("#outcome")
        # The family's warm closing text, with how to come back, is in the outbox.
        assert "we have passed you on to Fernbridge Food Bank" in beth.inner_text("#history")
        no_blocking_problems(beth)
        screenshot(beth, "referral-closed")

        kwame_row.wait_for(state="detached", timeout=10_000)  # gone from the open queue, live
    finally:
        beth_context.close()
        kwame_context.close()
