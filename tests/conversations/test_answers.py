"""A family asks, in their own words, and gets the right answer."""

import re

import pytest

from tests.support.handover import OFFER, flat


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
        ("my son has a disability what help is there for us", "send_support"),
        ("where can i do a parenting course", "parenting_support"),
        ("skint til payday and need nappies", "money_help"),
        ("landlord has given us notice to leave", "housing_help"),
        ("been feeling really low and lonely lately", "low_mood"),
        ("how do i register my babys birth", "register_birth"),
        ("is it free and can dads come too", "who_can_come"),
        ("who sees what i tell you", "privacy"),
        # Asking to delete is "delete my data": asked to confirm first.
        ("who sees what i tell you and can u delete it", "delete_my_data_check"),
        ("what's the football score", "cannot_help"),
        # What a word means: the word is found in the message (data/glossary.yml).
        ("sorry what does senco mean", "glossary_senco"),
    ],
)
def test_a_question_gets_its_answer(chat, answers, message, key):
    assert flat(chat.say(message)[:1]) == answers[key]


@pytest.mark.parametrize("message", [
    "landlord has given us notice to leave",
    "been feeling really low and lonely lately",
])
def test_a_need_the_assistant_cannot_meet_alone_ends_with_an_offer_not_a_push(chat, message):
    reply = chat.say(message)
    assert len(reply) == 2
    assert reply[1] == "Would you like someone from the family hub to get in touch with you?"


# One worry per topic, in words used nowhere in training or held-out data.
TOPIC_MESSAGES = [
    ("my 3 year old wakes up 5 times a night every night", "sleep"),
    ("my 2 week old baby cries all evening and nothing helps", "crying_baby"),
    ("is it safe for my newborn to sleep next to me in our bed", "safer_sleep"),
    ("my 4 year old hits and kicks when i say no", "behaviour"),
    ("my 14 year old son wont talk to me and stays out late", "teenagers"),
    ("my 10 year old refuses to go into school every morning", "school_refusal"),
    ("my ex and i are splitting up and cant agree on contact", "separation"),
    ("we have no food left and no money until monday", "food_help"),
    ("how do i apply for free school dinners for my kids", "free_school_meals"),
    ("i cant afford the school uniform this year", "school_uniform"),
    ("how do i get the 30 free childcare hours", "childcare_costs"),
    ("i am in debt and dont know what benefits i can get", "benefits_and_debt"),
    ("how do i ask for an ehcp for my daughter", "ehcp"),
    ("we are waiting for an autism assessment and need help now", "waiting_for_assessment"),
    ("my 13 year old is so anxious and we are waiting for camhs", "child_mental_health"),
    ("im pregnant and need to find a midwife", "pregnancy"),
    ("i think i have postnatal depression since my baby came", "perinatal_mental_health"),
    ("im a new dad and struggling a bit", "dads"),
    ("my little girl has a temperature and a cough", "unwell_child"),
    ("my son helps look after me as im disabled", "young_carers"),
    ("my mum died and my children are grieving", "bereavement"),
    ("my partner drinks every night and i worry", "parent_drinking_or_drugs"),
    ("i want to do a course to help me get a job", "work_and_training"),
]


@pytest.mark.parametrize("message, key", TOPIC_MESSAGES, ids=[key for _, key in TOPIC_MESSAGES])
def test_a_worry_gets_its_own_answer_with_local_help_then_the_offer_of_a_person(chat, answers, message, key):
    reply = chat.say(message)
    assert reply == [answers[key], OFFER]
    # Local help, by name or number, from the directory.
    assert re.search(r"\b(?:0\d{4} \d{6}|0808 \d{3} \d{4}|111|999)\b", reply[0]), reply[0]


def test_something_the_assistant_cannot_help_with_gets_a_helpline_when_the_family_is_upset(chat, answers):
    reply = chat.say("asdfgh jkl im so worried i dont know what to do")
    assert reply[0] == answers["cannot_help_upset"] and "116 123" in reply[0]


def test_the_same_answer_is_not_sent_twice_in_a_row(chat, answers):
    first = chat.say("we have no money for food and the electric is on emergency")
    again = chat.say("please we have no food and no money at all")
    assert first[0] != again[0]
    assert again[0] == answers["answer_given_already"] and again[-1] == OFFER


def test_yes_after_a_worry_starts_the_handover_without_asking_the_story_again(chat):
    chat.say("my 14 year old son wont talk to me and stays out late")
    assert "Is it OK to share this with the family hub team?" in flat(chat.say("yes please"))
    assert "What name" in flat(chat.say("yes"))


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
