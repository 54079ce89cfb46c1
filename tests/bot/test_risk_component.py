"""RiskCheck, the NLU component: the safety rules decide what is a crisis."""
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components import RiskCheck


def classified(text, *ranking):
    message = Message(data={TEXT: text})
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set(INTENT, intents[0])
    message.set(INTENT_RANKING_KEY, intents)
    return message


def check(message):
    return RiskCheck({}).process([message])[0]


def test_a_risky_message_is_a_crisis_even_when_the_classifier_was_sure_it_was_not():
    message = check(classified("what time r u open tmrw also he hit me last night",
                               ("opening_hours", 0.98), ("crisis", 0.01)))
    assert message.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    # Alone in the ranking, so the fallback can never call it "too close to call".
    assert [i["name"] for i in message.get(INTENT_RANKING_KEY)] == ["crisis"]
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [("risk_kind", "violence")]


def test_a_crisis_only_the_classifier_imagined_gives_way_to_its_next_guess():
    message = check(classified("is it going to be sunny",
                               ("crisis", 0.97), ("out_of_scope", 0.02), ("greet", 0.01)))
    assert message.get(INTENT)["name"] == "out_of_scope"
    assert "crisis" not in [i["name"] for i in message.get(INTENT_RANKING_KEY)]
    assert not message.get("entities")


def test_an_ordinary_question_is_left_alone():
    message = check(classified("the kids are killing me", ("parenting_support", 0.9),
                               ("crisis", 0.05)))
    assert message.get(INTENT) == {"name": "parenting_support", "confidence": 0.9}
