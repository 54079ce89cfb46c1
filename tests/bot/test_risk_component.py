"""RiskCheck, the NLU component: the safety rules decide what is a crisis."""
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import crisis_model
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


class FixedScore:
    """A classifier that always gives the same score, to test the decisions around it."""

    def __init__(self, probability, kind):
        self.probability, self.kind = probability, kind

    def score(self, text):
        return self.probability, self.kind


def kinds_found(message):
    return [(e["entity"], e["value"]) for e in message.get("entities") or []]


def test_when_no_rule_matches_a_sure_classifier_makes_it_a_crisis_of_its_kind():
    message = RiskCheck({}, model=FixedScore(0.99, "nowhere_safe")).process(
        [classified("been in a tent 3 nights with my son", ("housing_help", 0.8))])[0]
    assert message.get(INTENT)["name"] == "crisis"
    assert kinds_found(message) == [("risk_kind", "nowhere_safe")]


def test_when_the_classifier_is_unsure_the_assistant_checks_in():
    thresholds = crisis_model.load_thresholds()
    unsure = (thresholds.unsure + thresholds.crisis) / 2
    message = RiskCheck({}, model=FixedScore(unsure, "self_harm")).process(
        [classified("i am so tired of everything", ("low_mood", 0.7))])[0]
    assert message.get(INTENT)["name"] == "crisis"
    assert kinds_found(message) == [("risk_kind", "check_in")]


def test_a_low_score_leaves_the_message_alone():
    message = RiskCheck({}, model=FixedScore(0.01, "self_harm")).process(
        [classified("when is riverside open", ("opening_hours", 0.95))])[0]
    assert message.get(INTENT) == {"name": "opening_hours", "confidence": 0.95}


def test_when_the_rules_and_a_sure_classifier_agree_the_kind_stands():
    message = RiskCheck({}, model=FixedScore(0.99, "medical")).process(
        [classified("my baby isnt breathing", ("health_visiting", 0.6))])[0]
    assert kinds_found(message) == [("risk_kind", "medical")]


def test_when_they_disagree_the_family_gets_every_helpline():
    message = RiskCheck({}, model=FixedScore(0.99, "child_harm")).process(
        [classified("older kids make my son sell weed and said theyll stab him", ("out_of_scope", 0.6))])[0]
    assert kinds_found(message) == [("risk_kind", "general")]


def test_an_unsure_classifier_does_not_overrule_the_rules():
    message = RiskCheck({}, model=FixedScore(0.2, "nowhere_safe")).process(
        [classified("my baby isnt breathing", ("health_visiting", 0.6))])[0]
    assert kinds_found(message) == [("risk_kind", "medical")]
