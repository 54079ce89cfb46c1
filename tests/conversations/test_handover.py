"""The warm handover, through the api with the trained model and real actions.

A front-door worker's view is checked on the staff queue, logged in as a
demo front-door member of staff.
"""
import re

import pytest

from tests.support.handover import OFFER, answer_until_the_last_question, flat, referral_page, references


def hand_over(chat, hub="riverside", **answers):
    """The whole handover, answering every question. Returns the last reply."""
    answer_until_the_last_question(chat.say, **answers)
    return flat(chat.say(hub))


def test_consent_yes_gives_a_named_worker_the_hub_and_when(chat, front_door):
    before = references(front_door)
    reply = hand_over(chat)
    # "after 3pm": the promise is inside it (or by a time inside it, if after 3pm now).
    assert re.search(r"Thanks Jo\. \w+ from Riverside Family Hub will text you (by .+|.+ between \d+pm and "
                     r"\d+(:\d\d)?pm, a time you said is good)\. You won't need to explain everything again\.",
                     reply), reply
    (reference,) = references(front_door) - before
    # What the family sends afterwards goes to the same worker.
    worker = re.search(r"Thanks Jo\. (\w+) from", reply).group(1)
    later = flat(chat.say("also my youngest has asthma"))
    assert f"I have added this to your request. {worker} will see it." in later
    # The worker reads the family's story in their own words: told once.
    page = referral_page(front_door, reference)
    for words in ("we have been told to leave our flat", "also my youngest has asthma",
                  "07700 900123", "after 3pm", "Riverside Family Hub"):
        assert words in page, words


@pytest.mark.parametrize("answer", ["no", "not now", "no thank you"])
def test_a_clear_no_makes_no_referral(chat, front_door, answer):
    before = references(front_door)
    assert OFFER in flat(chat.say("can i talk to someone at the hub"))
    chat.say("yes")
    reply = flat(chat.say(answer))
    assert "I have not shared anything" in reply
    assert references(front_door) == before


@pytest.mark.parametrize("answer", ["im not sure", "what will you share", "yes but not till next week"])
def test_an_unclear_answer_is_asked_again_and_never_taken_as_a_no(chat, front_door, answer):
    before = references(front_door)
    chat.say("can i talk to someone at the hub")
    chat.say("yes")
    reply = flat(chat.say(answer))
    assert "I need a clear yes or no" in reply and "Is it OK to share this with the family hub team?" in reply
    assert "In your own words" in flat(chat.say("Yes that is fine."))
    assert references(front_door) == before


def test_yes_is_not_taken_as_the_name(chat):
    chat.say("can i talk to someone at the hub")
    chat.say("yes")
    chat.say("yes")
    assert "What name" in flat(chat.say("my partner left and the kids are struggling"))
    assert "Just a first name is fine" in flat(chat.say("yes"))
    assert "text or a phone call" in flat(chat.say("its Dee"))


def test_a_request_for_a_person_with_a_worry_is_offered_at_once_with_the_topic(chat, front_door):
    """"can someone call me about my son's behaviour": the offer comes at
    once, and the worker's queue says what the family is worried about."""
    reply = flat(chat.say("can someone call me about my sons behaviour, hes hitting his little sister"))
    assert OFFER in reply
    before = references(front_door)
    chat.say("yes please")
    # What they said is their story: the next question is their name.
    assert "What name" in flat(chat.say("yes"))
    for answer in ("ali", "call", "07700 900123", "yes", "any time", "no"):
        chat.say(answer)
    assert "Thanks Ali." in flat(chat.say("riverside"))
    (reference,) = references(front_door) - before
    page = referral_page(front_door, reference)
    assert "Behaviour" in page or "behaviour" in page
    assert "choose option" not in page and "find hub" not in page


def test_an_offer_of_a_person_survives_a_message_not_understood(chat):
    assert OFFER in flat(chat.say("we are struggling with money"))
    chat.say("qwerty uiop")
    assert "Is it OK to share this with the family hub team?" in flat(chat.say("yes someone get in touch"))


def test_asking_for_a_person_is_never_read_as_saying_no(chat):
    """The offer stays open: the consent question comes next, or the offer
    again, never "other ways to reach us" or "nothing has been shared"."""
    assert OFFER in flat(chat.say("i need help with my sons sleep"))
    reply = flat(chat.say("i asked for a person not a bot"))
    assert "Is it OK to share this with the family hub team?" in reply or OFFER in reply, reply
    assert "01632 960000" not in reply and "shared" not in reply, reply


def test_the_family_can_stop_halfway(chat):
    chat.say("can i talk to someone")
    chat.say("yes")
    chat.say("yes")
    assert "Nothing has been shared" in flat(chat.say("actually i changed my mind"))


def test_the_family_can_change_their_mind_after_the_handover(chat, front_door):
    before = references(front_door)
    hand_over(chat, name="sam", story="money is really tight and we have no food")
    (reference,) = references(front_door) - before
    reply = flat(chat.say("actually dont contact me"))
    assert "nobody will get in touch" in reply
    assert "Withdrawn" in referral_page(front_door, reference)


def test_a_crisis_is_answered_then_an_urgent_handover_is_offered(chat, front_door):
    reply = chat.say("i cant go on i want to end it all")
    assert "116 123" in flat(reply)
    assert "as soon as they can" in reply[-1]
    chat.say("yes")
    # What they already told us is their story: we do not ask for it again.
    assert "What name" in flat(chat.say("yes"))
    for answer in ("alex", "call", "07700 900123", "no", "any time", "no"):
        chat.say(answer)
    before = references(front_door)
    reply = flat(chat.say("FB3 4CD"))
    assert "Thanks Alex" in reply and "Northgate Family Hub" in reply and "call you" in reply
    (reference,) = references(front_door) - before
    page = referral_page(front_door, reference)
    assert "Urgent" in page and "i cant go on i want to end it all" in page


@pytest.fixture(scope="module")
def bank_holiday_weekend(tmp_path_factory):
    """The whole stack on Saturday 29 May 2027, 11am: Monday is the late May
    bank holiday, so the hub's next working day is Tuesday."""
    from tests.conversations.conftest import Chat
    from tests.support.stack import start_stack

    stack = start_stack(tmp_path_factory.mktemp("bank-holiday"), 13,
                        CLOCK_FROZEN_AT="2027-05-29T11:00:00+01:00")
    yield Chat(stack.api_url)
    stack.stop_all()


def test_out_of_hours_on_a_bank_holiday_weekend_the_family_is_told_tuesday(bank_holiday_weekend):
    reply = hand_over(bank_holiday_weekend, name="kim")
    # They said "after 3pm": the promise is inside it, on the next working day.
    assert re.search(r"Thanks Kim\. \w+ from Riverside Family Hub will text you on Tuesday between 3pm and 4pm, "
                     r"a time you said is good\.", reply), reply
