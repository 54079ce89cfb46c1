"""A family who writes in another language is answered in it where comms
have words for it (the crisis answers first), and the worker who picks up
their request sees that an interpreter is needed.

Which language: api/languages/. The words: data/content/languages/.
"""

import asyncio

import pytest
import yaml
from redis.asyncio import Redis

from api.languages.service import (
    chosen_language, detected_language, language_for_turn, language_key, switched_on,
)
from api.settings import REPO_ROOT
from tests.api.conftest import AUTH, make_settings
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    TEST_DATA_KEY, encryption_key, london, make_staff, new_key, no_referrals, payload, sign_in,
)

SETTINGS = make_settings("sqlite://")
LANGUAGES = switched_on(SETTINGS)
SAFETY = REPO_ROOT / "data" / "safety" / "languages"


def everyday(code: str) -> list[str]:
    return yaml.safe_load((SAFETY / f"{code}.yml").read_text(encoding="utf-8"))["everyday"]


# --- which language ---

def test_the_six_starting_languages_are_switched_on_with_english_first():
    assert list(LANGUAGES) == ["en", "pl", "ro", "ur", "ar", "uk", "bn"]
    assert [code for code in switched_on(make_settings("sqlite://", languages="pl,xx"))] == ["en", "pl"]


@pytest.mark.parametrize("code", ["pl", "ro", "ar", "uk", "bn"])
def test_everyday_messages_are_known_for_their_language(code):
    found = [detected_language(text, LANGUAGES, SETTINGS.language_min_confidence) for text in everyday(code)]
    assert found.count(code) >= len(found) - 1, found  # one message left unsure is fine; a wrong one is not
    assert set(found) <= {code, None}


def test_urdu_in_urdu_script_is_not_taken_for_arabic():
    for text in ["قریبی فیملی سینٹر کہاں ہے", "میرا بچہ رات کو نہیں سوتا", "بیٹی کو کل سے بخار ہے"]:
        assert detected_language(text, LANGUAGES, SETTINGS.language_min_confidence) == "ur"


@pytest.mark.parametrize("text", ["ok", "tak", "hi", "2pm?", "FH123456", "x", "Agnieszka Kowalska",
                                  "Oleksandra Kovalenko"])
def test_a_message_too_short_to_judge_changes_nothing(text):
    assert detected_language(text, LANGUAGES, SETTINGS.language_min_confidence) is None


@pytest.mark.parametrize("text", ["what time does stay and play start tomorrow",
                                  "my baby wont settle at night any tips",
                                  "can i talk to someone about my sons behaviour"])
def test_english_stays_english(text):
    assert detected_language(text, LANGUAGES, SETTINGS.language_min_confidence) in ("en", None)


@pytest.mark.parametrize("text, code", [
    ("English please", "en"), ("in english pls", "en"), ("po polsku", "pl"), ("Polski prosze", "pl"),
    ("în română", "ro"), ("بالعربي", "ar"), ("українською", "uk"), ("bangla", "bn"), ("Urdu mein", "ur"),
    ("can you speak english", "en"), ("po polsku proszę", "pl"),
    # naming a language with anything else is about something else
    ("my polish neighbour told me about the hub", None), ("is there an english class for mums", None),
    ("english classes", None), ("polish shop near me", None), ("english lessons?", None),
    ("arabic school", None), ("urdu speaking worker", None),
])
def test_a_family_can_choose_their_language_in_a_few_words(text, code):
    assert chosen_language(text, LANGUAGES) == code


def test_the_language_is_remembered_for_the_conversation_and_can_be_changed(test_redis):
    async def turns(*texts: str) -> list[str]:
        redis = Redis(host=SETTINGS.redis_host, port=SETTINGS.redis_port, db=SETTINGS.redis_db,
                      password=SETTINGS.redis_password or None)
        try:
            return [(await language_for_turn(redis, SETTINGS, "abc123-0001", text)).answer_in for text in texts]
        finally:
            await redis.aclose()

    assert asyncio.run(turns("hi", "moje dziecko nie chce spać w nocy", "ok", "tak", "English please", "ok")) == [
        "en", "pl", "pl", "pl", "en", "en"]
    assert test_redis.ttl(language_key("abc123-0001")) > SETTINGS.conversation_quiet_seconds - 60


def test_rasa_is_told_the_language_to_answer_in_and_the_one_each_message_is_written_in(make_client, fake_rasa,
                                                                                       test_redis):
    client = make_client(rasa_url=fake_rasa.url, secure_cookies=False)
    for text in ("hi", "moje dziecko nie chce spać w nocy", "ok"):
        assert client.post("/chat/messages", json={"text": text}).status_code == 200
    sent = [(call["json"]["metadata"]["language"], call["json"]["metadata"].get("written_in"))
            for call in fake_rasa.received]
    assert sent == [("en", None), ("pl", "pl"), ("pl", None)]


# --- the words ---

def test_a_crisis_answer_comes_in_the_familys_language(make_client):
    client = make_client()
    polish = client.get("/internal/crisis", params={"kind": "medical", "channel": "sms", "language": "pl"},
                        headers=AUTH).json()["messages"][0]["text"]
    assert "999" in polish and "nie oddycha" in polish and "'Polish'" in polish
    english = client.get("/internal/crisis", params={"kind": "medical", "channel": "sms"},
                         headers=AUTH).json()["messages"][0]["text"]
    assert english.startswith("Call 999 now if someone is not breathing")


def test_an_answer_with_no_words_in_that_language_yet_is_said_in_english(make_client):
    client = make_client()
    answer = client.get("/internal/answers/thank", params={"language": "ar"}, headers=AUTH).json()
    same = client.get("/internal/answers/thank", headers=AUTH).json()
    assert answer == same


def test_the_assistant_says_plainly_what_it_cannot_do_in_that_language_yet(make_client):
    text = make_client().get("/internal/answers/cannot_help", params={"language": "uk"},
                             headers=AUTH).json()["messages"][-1]["text"]
    assert "01632 960000" in text and "'Ukrainian'" in text and "перекладача" in text


def test_rasas_words_come_in_the_language_the_api_sent_with_the_message(make_client):
    body = {"response": "crisis_check_in", "arguments": {},
            "tracker": {"sender_id": "a1b2", "slots": {},
                        "latest_message": {"text": "x", "metadata": {"channel": "web", "language": "ar"}}},
            "channel": {"name": "rest"}}
    text = make_client().post("/internal/nlg", json=body, headers=AUTH).json()["text"]
    assert "999" in text and "هل أحد في خطر" in text


def test_a_language_that_is_not_a_code_is_refused(make_client):
    response = make_client().get("/internal/crisis", params={"kind": "medical", "language": "../en"},
                                 headers=AUTH)
    assert response.status_code == 422


# --- the handover ---

def test_the_worker_sees_at_the_top_that_an_interpreter_is_needed(make_client, session_factory):
    client = make_client(now=london(2026, 11, 23, 10, 0), data_encryption_key=TEST_DATA_KEY)
    made = client.post("/internal/referrals", json=payload(language="pl"), headers={**AUTH, "Idempotency-Key": new_key()})
    assert made.status_code == 201
    english = client.post("/internal/referrals", json=payload(), headers={**AUTH, "Idempotency-Key": new_key()})
    sign_in(client, make_staff(session_factory, "front_door"))

    page = client.get(f"/staff/referrals/{made.json()['referral_id']}").text
    interpreter = page.index("Interpreter needed: the family wrote to the assistant in Polish.")
    assert interpreter < page.index("In their own words")
    assert "Interpreter needed" not in client.get(f"/staff/referrals/{english.json()['referral_id']}").text
    queue = client.get("/staff/queue").text
    assert queue.count("data-interpreter") == 1


# --- choosing a language ---

def test_choosing_a_language_is_answered_in_it_at_once_without_asking_the_assistant(make_client, fake_rasa,
                                                                                   test_redis):
    client = make_client(rasa_url=fake_rasa.url, secure_cookies=False)
    polish = client.post("/chat/messages", json={"text": "po polsku"}).json()["messages"]
    assert polish[0]["text"].startswith("Dobrze, będę pisać po polsku")
    english = client.post("/chat/messages", json={"text": "English please"}).json()["messages"]
    assert english[0]["text"] == "OK, I will write in English. What can I help you with?"
    assert fake_rasa.received == []


def test_the_web_chat_has_a_language_menu_in_each_languages_own_words(make_client):
    page = make_client(secure_cookies=False).get("/chat").text
    menu = page[page.index('id="language-form"'):page.index("</form>", page.index('id="language-form"'))]
    for own_name in ("English", "Polski", "Română", "اردو", "العربية", "Українська", "বাংলা"):
        assert own_name in menu
    assert '<option value="Polski" lang="pl">Polski</option>' in menu


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_a_languages_own_name_chooses_it(code):
    assert chosen_language(LANGUAGES[code].own_name, LANGUAGES) == code


def test_the_menu_works_without_javascript(make_client, fake_rasa, test_redis):
    client = make_client(rasa_url=fake_rasa.url, secure_cookies=False)
    chosen = client.post("/chat", data={"choice": "українською"}, follow_redirects=True)
    assert chosen.status_code == 200 and "Добре, я писатиму українською" in chosen.text


def test_the_menu_shows_the_language_chosen_and_clearing_the_chat_forgets_it(make_client, fake_rasa, test_redis):
    client = make_client(rasa_url=fake_rasa.url, secure_cookies=False)
    client.post("/chat", data={"choice": "Polski"})
    assert '<option value="Polski" lang="pl" selected>' in client.get("/chat").text
    assert test_redis.keys("language:*")
    client.post("/chat/forget", data={"then": "clear"})
    assert not test_redis.keys("language:*")
    assert '<option value="English" lang="en" selected>' in client.get("/chat").text
