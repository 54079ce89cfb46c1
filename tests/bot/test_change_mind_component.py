"""ChangeMindCheck: "change_mind" stops the questions, so it needs words
that take something back; a one-word answer is an answer."""
import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components import ChangeMindCheck


def check(text, *ranking):
    message = Message(data={TEXT: text})
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, intents[0])
    message.set(INTENT_RANKING_KEY, intents)
    return ChangeMindCheck({}).process([message])[0].get(INTENT)["name"]


@pytest.mark.parametrize("answer", ["call", "a call", "text", "any time", "ring me"])
def test_a_short_answer_is_not_taken_as_changing_their_mind(answer):
    assert check(answer, ("change_mind", 0.67), ("talk_to_person", 0.28)) == "talk_to_person"


def change_mind_examples():
    examples = []
    for path in ("data/nlu/handover.yml", "tests/nlu/heldout.yml"):
        for item in yaml.safe_load(open(path, encoding="utf-8"))["nlu"]:
            if item.get("intent") == "change_mind":
                examples += [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
    return examples


@pytest.mark.parametrize("text", change_mind_examples())
def test_every_way_we_know_of_taking_it_back_still_counts(text):
    assert check(text, ("change_mind", 0.9), ("deny", 0.1)) == "change_mind"
