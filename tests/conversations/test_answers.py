"""A family asks, in their own words, and gets the right answer."""

import pytest

from tests.support.handover import flat


@pytest.mark.parametrize(
    "message, key",
    [
        ("hiya", "greet"),
        ("thanks so much thats really helpful", "thank"),
        ("ok bye x", "goodbye"),
        ("am i talking to a robot", "bot_challenge"),
        ("struggling to get baby to latch when breastfeeding", "infant_feeding"),
        ("when is the 2 year check with the health visitor", "health_visiting"),
        ("my 2 year old isnt saying many words yet", "speech_language"),
        ("i think my son might be autistic where do i start", "send_support"),
        ("my toddler has massive tantrums every night at bedtime", "parenting_support"),
        ("skint til payday and need nappies and food", "money_help"),
        ("landlord has given us notice to leave", "housing_help"),
        ("been feeling really low and lonely since having the baby", "low_mood"),
        ("how do i register my babys birth", "register_birth"),
        ("is it free and can dads come too", "who_can_come"),
        ("who sees what i tell you and can u delete it", "privacy"),
        ("what's the football score", "cannot_help"),
    ],
)
def test_a_question_gets_its_answer(chat, answers, message, key):
    assert flat(chat.say(message)[:1]) == answers[key]


@pytest.mark.parametrize("message", [
    "landlord has given us notice to leave",
    "been feeling really low and lonely since having the baby",
])
def test_a_need_the_assistant_cannot_meet_alone_ends_with_an_offer_not_a_push(chat, message):
    reply = chat.say(message)
    assert len(reply) == 2
    assert reply[1] == "Would you like someone from the family hub to get in touch with you?"


def test_opening_hours_are_worked_out_for_the_hub_and_day_asked(chat, internal):
    reply = chat.say("is riverside open tmrw")
    assert reply == internal("opening-hours", hub="riverside", day="tmrw")
    assert "Riverside" in flat(reply)


def test_opening_hours_for_a_named_day_across_all_hubs(chat, internal):
    # The times themselves are checked against fixed dates in tests/api.
    reply = chat.say("what time do u open on saturday")
    assert reply == internal("opening-hours", day="saturday")
    assert "Saturday" in flat(reply)


def test_whats_on_uses_the_kind_day_and_age_given(chat, internal):
    reply = chat.say("any stay and play on monday for my 2 year old")
    assert reply == internal("bookings/options", kind="stay and play", day="monday", age="2 year old")
    assert reply != internal("bookings/options", day="monday")


def test_a_hub_named_earlier_is_remembered(chat, internal):
    chat.say("is northgate open today")
    reply = chat.say("where is it")
    assert reply == internal("hubs/find", hub="northgate")
    assert "Market Row" in flat(reply)


def test_parking_and_buses(chat, internal):
    reply = chat.say("is there parking at millbrook")
    assert reply == internal("hubs/getting-there", hub="millbrook")


def test_nearest_hub_from_a_postcode(chat, internal):
    reply = chat.say("which hub is nearest to FB3 4CD")
    assert reply == internal("hubs/find", postcode="fb3 4cd")
    assert "Northgate" in flat(reply)


def test_asking_for_a_person_is_offered_a_handover_and_a_no_gets_the_phone_number(chat, internal):
    assert chat.say("can i speak to a real person") == [
        "Would you like someone from the family hub to get in touch with you?"]
    reply = chat.say("no thanks")
    assert reply == internal("talk-to-person")
    assert "01632 960000" in flat(reply)
