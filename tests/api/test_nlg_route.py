"""`POST /internal/nlg`: Rasa's NLG endpoint. Every response Rasa says is
an answer comms can edit; the route picks the SMS or web words from the
message's channel, fills `{slots}` and keeps the quick replies."""

import pytest

from api.content.service import load_shipped_answers
from api.settings import REPO_ROOT
from tests.api.conftest import AUTH
from tests.api.content_editor_helpers import NOW, add_answer, remove_answer, signed_in  # noqa: F401 - fixture

BUTTONS = [{"title": "Yes please", "payload": "yes"}, {"title": "No thanks", "payload": "no"}]


@pytest.fixture
def response_key(session_factory):
    key = add_answer(session_factory, sms="Hi {first_name}, shall I book {booking_label}? Reply yes or no.",
                     web="Hello {first_name}. Shall I book {booking_label} for you?",
                     placeholders={"first_name": "Jo", "booking_label": "Messy play"}, buttons=BUTTONS,
                     key="utter_test_nlg_route")
    yield key
    remove_answer(session_factory, key)


def rasa_body(response, channel="web", slots=None, **arguments):
    """As Rasa 3.6's callback sends it (rasa.core.nlg.callback.nlg_request_format)."""
    return {"response": response, "id": None, "arguments": arguments,
            "tracker": {"sender_id": "a1b2", "slots": slots or {}, "events": [{"event": "action"}],
                        "latest_message": {"text": "yes", "intent": {"name": "affirm"},
                                           "metadata": {"channel": channel} if channel else {}}},
            "channel": {"name": "rest"}}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-actions-token"}])
def test_the_nlg_route_needs_the_token(make_client, headers):
    response = make_client().post("/internal/nlg", json=rasa_body("utter_ask_consent"), headers=headers)
    assert response.status_code == 401
    assert "text" not in response.json()


@pytest.mark.parametrize("channel, words", [
    ("sms", "Hi Jo, shall I book Messy play on Tuesday? Reply yes or no."),
    ("web", "Hello Jo. Shall I book Messy play on Tuesday for you?"),
    (None, "Hello Jo. Shall I book Messy play on Tuesday for you?"),
])
def test_sms_or_web_words_with_the_slots_filled_and_the_buttons_kept(make_client, response_key, channel, words):
    body = rasa_body(response_key, channel, slots={"first_name": "Jo", "booking_label": "Messy play on Tuesday",
                                                   "hub": None})
    response = make_client().post("/internal/nlg", json=body, headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {"text": words, "buttons": BUTTONS}


def test_what_the_action_passed_wins_and_a_slot_not_set_is_left_empty(make_client, response_key):
    # rasa-sdk's message fields (text, buttons, template...) are never template values.
    body = rasa_body(response_key, "sms", slots={"first_name": None, "booking_label": "old"},
                     booking_label="Baby massage", text=None, buttons=[], template=response_key)
    response = make_client().post("/internal/nlg", json=body, headers=AUTH)
    assert response.json()["text"] == "Hi , shall I book Baby massage? Reply yes or no."


def test_a_shipped_question_comes_back_filled_with_its_buttons(make_client):
    slots = {"booking_label": "Messy play, Tuesday 10am", "first_name": "Sam",
             "booking_children": "2, aged 1 and 3", "booking_adults": 1}
    response = make_client().post("/internal/nlg", json=rasa_body("utter_ask_booking_confirm", "sms", slots),
                                  headers=AUTH)
    assert response.json() == {
        "text": "Please check: Messy play, Tuesday 10am. Name: Sam. Children: 2, aged 1 and 3. Grown ups: 1. "
                "Shall I book it? Please reply yes or no.",
        "buttons": [{"title": "Yes", "payload": "yes"}, {"title": "No", "payload": "no"}]}


def test_a_response_with_no_answer_is_a_404(make_client):
    response = make_client().post("/internal/nlg", json=rasa_body("utter_no_such_thing"), headers=AUTH)
    assert response.status_code == 404


def test_a_body_that_is_not_rasas_is_refused(make_client):
    assert make_client().post("/internal/nlg", json={"arguments": {}}, headers=AUTH).status_code == 422
    # A NUL in the name was a 500 on PostgreSQL (bench/fuzz_api.py --postgres found it).
    assert make_client().post("/internal/nlg", json={"response": "\x00"}, headers=AUTH).status_code == 422
    assert make_client().post("/internal/nlg", json={"response": "utter_\x00greet"}, headers=AUTH).status_code == 422


def test_the_answers_route_gives_the_buttons_too(make_client, response_key):
    """The consent question is fetched this way, so the words kept are the words shown."""
    body = make_client().get(f"/internal/answers/{response_key}", params={"channel": "sms"}, headers=AUTH).json()
    assert body == {"messages": [{"text": "Hi {first_name}, shall I book {booking_label}? Reply yes or no.",
                                  "buttons": BUTTONS}]}


# --- comms change the words and the buttons; Rasa's next request gets them ---

def test_new_words_and_button_titles_are_live_at_once_and_roll_back(signed_in, response_key):  # noqa: F811
    client, token = signed_in("comms")
    page = client.get(f"/staff/content/answers/{response_key}").text
    assert 'name="button_title"' in page and 'value="Yes please"' in page and '(sends "yes")' in page

    response = client.post(f"/staff/content/answers/{response_key}/publish", data={
        "sms": "Hi {first_name}, book {booking_label}? Please reply yes or no.",
        "web": "Hello {first_name}. Shall I book {booking_label} for you?", "version": "1",
        "button_title": ["Yes, book it", "No"], "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    body = rasa_body(response_key, "sms", slots={"first_name": "Jo", "booking_label": "Rhyme time"})
    assert client.post("/internal/nlg", json=body, headers=AUTH).json() == {
        "text": "Hi Jo, book Rhyme time? Please reply yes or no.",
        "buttons": [{"title": "Yes, book it", "payload": "yes"}, {"title": "No", "payload": "no"}]}

    history = client.get(f"/staff/content/answers/{response_key}/history").text
    assert "Yes, book it, No" in history and "Yes please, No thanks" in history
    client.post(f"/staff/content/answers/{response_key}/rollback", data={
        "to_version": "1", "version": "2", "csrf_token": token})
    assert client.post("/internal/nlg", json=body, headers=AUTH).json()["buttons"] == BUTTONS


def test_a_button_without_a_title_is_refused(signed_in, response_key):  # noqa: F811
    client, token = signed_in("comms")
    response = client.post(f"/staff/content/answers/{response_key}/publish", data={
        "sms": "Hi {first_name}, shall I book {booking_label}? Reply yes or no.",
        "web": "Hello {first_name}. Shall I book {booking_label} for you?", "version": "1",
        "button_title": ["", "No thanks"], "csrf_token": token})
    assert response.status_code == 422
    assert "Each button needs a title" in response.text


def test_every_response_rasa_can_say_is_editable_in_the_content_editor(signed_in):  # noqa: F811
    """The staff home's promise: everything the assistant says can be changed
    by comms. Every response in domain.yml is an answer with an editor page
    whose words pass the checks, and the NLG route serves it."""
    import yaml

    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    names = sorted(domain["responses"])
    assert len(names) >= 30
    client, _ = signed_in("comms")
    not_editable = []
    for name in names:
        page = client.get(f"/staff/content/answers/{name}")
        served = client.post("/internal/nlg", json=rasa_body(name, "sms"), headers=AUTH)
        publishable = 'id="publish"' in page.text and 'aria-disabled="true"' not in page.text
        if page.status_code != 200 or not publishable or served.status_code != 200:
            not_editable.append(name)
    assert not not_editable, f"responses comms cannot edit: {not_editable}"
    shipped = {answer.key for answer in load_shipped_answers(REPO_ROOT / "data" / "content")}
    assert set(names) <= shipped
