"""Crisis comes first: every message is checked, whatever else is going on."""

from tests.support.handover import flat


def test_thoughts_of_suicide_get_999_samaritans_and_shout(chat):
    reply = flat(chat.say("i cant cope anymore i want to end it all"))
    for words in ("999", "116 123", "85258"):
        assert words in reply


def test_domestic_abuse_gets_the_helpline(chat):
    reply = flat(chat.say("my partner hit me again and said hes going to kill me"))
    assert "999" in reply and "0808 2000 247" in reply


def test_a_medical_emergency_gets_999_first(chat):
    reply = chat.say("my baby isnt breathing properly and has gone blue")
    assert "999" in reply[0]


def test_a_crisis_in_the_middle_of_another_question_is_answered_at_once(chat, answers):
    chat.say("hi")
    chat.say("whats on at riverside on tuesday")
    reply = flat(chat.say("what time r u open tmrw also he hit me last night and im scared"))
    assert "999" in reply and "0808 2000 247" in reply
    # ...and the conversation carries on normally afterwards.
    assert flat(chat.say("how do i register a birth")) == answers["register_birth"]


def test_figures_of_speech_are_not_a_crisis(chat):
    for message in ("the kids are killing me today lol",
                    "im dying to know when stay and play starts"):
        assert "999" not in flat(chat.say(message))
