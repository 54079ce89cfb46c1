"""Every word the assistant says is comms': a question changed in the
content editor reaches the next family at once, with no retraining and no
restart; and with the api down, Rasa still says something safe.

Through the whole stack (trained model, Rasa, action server, api)."""
import httpx
import pytest
import yaml

from tests.conversations.conftest import REPO, Chat
from tests.support.handover import OFFER, flat
from tests.support.staff import csrf_token, logged_in

NEW_OFFER = "Would you like a worker from your family hub to contact you?"
NEW_CONSENT = ("If you say yes, I will send what you tell me to the family hub team, and only to them. "
               "Is that OK? Please reply yes or no.")


@pytest.fixture
def comms(stack):
    return logged_in(stack.api_url, "comms@fernbridge.example", stack.env["DEMO_STAFF_PASSWORD"])


def publish(comms, key, sms, web, button_titles=()):
    page = comms.get(f"/staff/content/answers/{key}")
    version = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
    response = comms.post(f"/staff/content/answers/{key}/publish", data={
        "sms": sms, "web": web, "version": version, "note": "whole-stack test",
        "button_title": list(button_titles), "csrf_token": csrf_token(page.text)})
    assert response.status_code == 303, response.text[:2000]
    return int(version)


def roll_back(comms, key, to_version):
    page = comms.get(f"/staff/content/answers/{key}/history")
    live = page.text.split('name="version" value="', 1)[1].split('"', 1)[0]
    response = comms.post(f"/staff/content/answers/{key}/rollback", data={
        "to_version": str(to_version), "version": live, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 303, response.text[:2000]


def replies(chat, text):
    response = chat.send(text)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def test_a_question_changed_in_the_editor_is_what_the_next_family_is_asked(stack, comms):
    before = Chat(stack.api_url)
    offer = replies(before, "can someone from the hub get in touch")
    assert OFFER in flat(m["text"] for m in offer)
    assert [b["title"] for b in offer[-1]["buttons"]] == ["Yes", "No"]

    offer_version = publish(comms, "utter_offer_handover", NEW_OFFER, NEW_OFFER, ["Yes please", "No thanks"])
    consent_version = publish(comms, "utter_ask_consent", NEW_CONSENT, NEW_CONSENT)
    try:
        family = Chat(stack.api_url)
        offer = replies(family, "can someone from the hub get in touch")
        assert NEW_OFFER in flat(m["text"] for m in offer) and OFFER not in flat(m["text"] for m in offer)
        assert offer[-1]["buttons"] == [{"title": "Yes please", "payload": "yes"},
                                        {"title": "No thanks", "payload": "no"}]
        # The consent question comes from the api too (the action fetches
        # it, so the wording kept with a referral is what was shown).
        assert NEW_CONSENT in flat(m["text"] for m in replies(family, "yes"))
        assert "In your own words" in flat(family.say("yes"))
    finally:
        roll_back(comms, "utter_offer_handover", offer_version)
        roll_back(comms, "utter_ask_consent", consent_version)
    assert OFFER in flat(Chat(stack.api_url).say("can someone from the hub get in touch"))


def test_with_the_api_down_rasa_still_says_something_safe(stack):
    """Asked straight through Rasa's REST channel, as the api would."""
    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    safe = " ".join(domain["responses"]["utter_cannot_answer_now"][0]["text"].split())
    stack.stop("api")
    try:
        response = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60, json={
            "sender": "words-test-api-down", "message": "can someone from the hub get in touch",
            "metadata": {"channel": "sms"}})
        assert response.status_code == 200
        texts = [m.get("text") for m in response.json()]
        assert safe in flat(t for t in texts if t), texts
        # A crisis still gets the crisis lines kept in domain.yml.
        crisis = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60, json={
            "sender": "words-test-api-down-crisis", "message": "i want to end it all",
            "metadata": {"channel": "sms"}})
        said = flat(m.get("text") or "" for m in crisis.json())
        assert "999" in said and "116 123" in said and "0808 2000 247" in said, said
    finally:
        stack.start("api")
        stack.wait_until_healthy()
