"""UntrainedLanguageCheck: the intent classifier learnt English only, so it
does not guess at a message the api found written in another language; a
crisis stays a crisis."""
import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components import UntrainedLanguageCheck

CHECK = UntrainedLanguageCheck(UntrainedLanguageCheck.get_default_config())


def checked(metadata, *ranking):
    message = Message(data={TEXT: "czy są zajęcia dla niemowląt w sobotę", "metadata": metadata})
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, intents[0])
    message.set(INTENT_RANKING_KEY, intents)
    return CHECK.process([message])[0]


def test_a_guess_at_another_language_becomes_not_understood_with_the_guesses_kept_behind_it():
    message = checked({"written_in": "pl", "language": "pl"}, ("send_support", 0.79), ("sessions", 0.1))
    assert message.get(INTENT) == {"name": "nlu_fallback", "confidence": 1.0}
    assert [item["name"] for item in message.get(INTENT_RANKING_KEY)] == ["nlu_fallback", "send_support",
                                                                          "sessions"]


@pytest.mark.parametrize("metadata", [
    {"written_in": "en", "language": "pl"},  # "English please" in a Polish conversation
    {"language": "pl"},  # "ok": too short to tell, so the classifier's guess stands
    {},  # a message from before the api sent languages
    None,
])
def test_english_or_an_unclear_language_is_left_to_the_classifier(metadata):
    assert checked(metadata, ("send_support", 0.79)).get(INTENT)["name"] == "send_support"


def test_a_crisis_stays_a_crisis_in_any_language():
    assert checked({"written_in": "pl"}, ("crisis", 1.0)).get(INTENT)["name"] == "crisis"


def test_a_language_with_training_examples_of_its_own_can_be_trusted():
    check = UntrainedLanguageCheck({"trained": ["en", "pl"]})
    message = Message(data={TEXT: "x", "metadata": {"written_in": "pl"}})
    message.set(INTENT, {"name": "sessions", "confidence": 0.9})
    assert check.process([message])[0].get(INTENT)["name"] == "sessions"
