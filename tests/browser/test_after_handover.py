"""After the handover, per role, in a real browser: a partner asks the hub
to contact a family and front door sees it on the queue marked as from a
partner; a returning family is matched to their earlier request; an
escalation is recorded and shown on the queue; a manager's report totals
match the rows they count. axe-core finds no serious or critical problems."""

import re

from tests.browser.conftest import screenshot
from tests.browser.test_queue import FRONT_DOOR, make_referral, new_tab, no_blocking_problems, sign_in

PARTNER = "school.partner@fernbridge.example"  # Helen Brooks, Fernbridge Primary School
MANAGER = "manager@fernbridge.example"          # Dev Sharma


def test_a_partner_request_reaches_the_queue_marked_as_from_a_partner(browser, site):
    context, page = new_tab(browser, site)
    door_context, door = new_tab(browser, site)
    try:
        sign_in(page, PARTNER, site.password)
        page.goto("/staff/partner")
        with page.expect_navigation():
            page.locator("#new-request").click()
        no_blocking_problems(page)
        page.fill("#first_name", "Sam")
        page.fill("#phone", "07700 900777")
        page.select_option("#hub", "riverside")
        page.fill("#help_wanted", "Sam would like help with her son's sleep and some time to talk.")
        page.check("#contact_method-call")
        page.check("#safe_to_text-yes")
        page.check("#agreed-yes")
        page.fill("#asked_by", "Mr Lee, class teacher")
        page.fill("#asked_on", "2026-11-20")
        with page.expect_navigation():
            page.locator("#send-request").click()
        # No words of agreement: refused with the field named.
        assert "Write what the family said when they agreed" in page.inner_text(".govuk-error-summary")
        no_blocking_problems(page)
        page.fill("#agreement_words", "Yes that would be good")
        with page.expect_navigation():
            page.locator("#send-request").click()
        assert "Your request has been sent to the family hub." in page.inner_text(".govuk-notification-banner")
        row = page.locator("#partner-requests tbody tr").first
        assert "Sam" in row.inner_text() and "Waiting for a worker" in row.inner_text()
        reference = row.get_attribute("data-referral")
        screenshot(page, "partner-requests")
        assert page.goto("/staff/queue").status == 403  # partners never see the queue

        sign_in(door, FRONT_DOOR, site.password)
        door.goto("/staff/queue")
        queue_row = door.locator(f"tr[data-referral='{reference}']")
        assert "From a partner: Fernbridge Primary School" in queue_row.inner_text()
        with door.expect_navigation():
            queue_row.get_by_role("link", name=reference).click()
        assert "Mr Lee, class teacher" in door.inner_text("#from-partner")
        assert "Fernbridge Primary School asked Riverside Family Hub to get in touch" in door.inner_text("#history")
    finally:
        context.close()
        door_context.close()


def test_a_returning_family_is_matched_and_an_escalation_shows_on_the_queue(browser, site):
    context, page = new_tab(browser, site)
    try:
        earlier = make_referral(site, contact={"method": "call", "phone": "07700 900888", "times": "any time",
                                               "safe_to_text": True, "safe_to_leave_message": True})
        sign_in(page, FRONT_DOOR, site.password)
        page.goto(f"/staff/referrals/{earlier}")
        with page.expect_navigation():
            page.locator("#claim").click()
        page.check("#outcome-helped_here")
        with page.expect_navigation():
            page.locator("#close").click()
        # Closing sends the family the warm closing text, and the history shows it.
        history = page.inner_text("#history")
        assert "Text to the family" in history and "thank you for letting us help" in history, history
        later = make_referral(site, contact={"method": "call", "phone": "+44 7700 900888", "times": "any time",
                                             "safe_to_text": True, "safe_to_leave_message": True})
        page.goto(f"/staff/referrals/{later}")
        earlier_rows = page.inner_text("#earlier-requests")
        assert "Closed" in earlier_rows and "Riverside Family Hub" in earlier_rows
        page.locator("#safeguarding summary").click()
        page.check("#passed-to-safeguarding_front_door")
        page.fill("#escalation-reason", "Jo said her partner takes her money and watches her phone.")
        no_blocking_problems(page)
        with page.expect_navigation():
            page.locator("#escalate").click()
        assert "cannot be changed or removed" in page.inner_text(".govuk-notification-banner")
        assert "Jo said her partner takes her money" in page.inner_text("#escalated")
        no_blocking_problems(page)
        screenshot(page, "referral-escalated")
        page.goto("/staff/queue")
        assert "Passed on for safeguarding" in page.locator(f"tr[data-referral='{later}']").inner_text()
    finally:
        context.close()


def test_a_managers_report_totals_match_the_rows_they_count(browser, site):
    context, page = new_tab(browser, site)
    try:
        sign_in(page, MANAGER, site.password)
        page.goto("/staff/reports")
        requests = int(re.search(r"(\d+) requests? from", page.inner_text("main")).group(1))
        assert requests >= 1
        for key in ("by_hub", "by_week", "by_area", "out_of_hours", "first_contact"):
            cells = page.locator(f"#table-{key} tbody tr td:first-of-type").all_inner_texts()
            assert sum(int(cell) for cell in cells) == requests, key
        assert page.locator("svg.report-chart[role='img']").count() == 10
        no_blocking_problems(page)
        screenshot(page, "reports")
        assert page.goto("/staff/queue").status == 403  # figures, never a family's words
    finally:
        context.close()
