"""Every response Rasa can say (domain.yml) is an answer in data/content/,
so comms can change it; domain.yml keeps words only for the few safe
responses Rasa says when the api cannot be reached, the same as shipped."""

from pathlib import Path

import yaml

from api.content.plain_language import check_answer

ROOT = Path(__file__).resolve().parents[2]
SAFE_RESPONSES = {"utter_crisis_offline", "utter_assistant_unavailable", "utter_cannot_answer_now"}


def domain_responses() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def shipped() -> dict[str, dict]:
    found = {}
    for path in sorted((ROOT / "data" / "content").glob("*.yml")):
        for answer in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("answers") or []:
            found[answer["key"]] = answer
    return found


def test_every_response_is_a_shipped_answer_that_passes_the_checks():
    answers = shipped()
    missing = sorted(set(domain_responses()) - set(answers))
    assert not missing, f"responses in domain.yml with no answer in data/content/: {missing}"
    for name in domain_responses():
        answer = answers[name]
        problems = check_answer(answer["sms"], answer["web"], key=name, placeholders=answer.get("placeholders"))
        assert problems == [], f"{name}: {[p.message for p in problems]}"


def test_only_the_safe_responses_keep_words_in_the_domain():
    with_words = {name for name, variations in domain_responses().items() if variations}
    assert with_words == SAFE_RESPONSES


def test_the_safe_words_in_the_domain_are_the_shipped_ones():
    """Kept in step, so a family gets the same words with the api down."""
    answers = shipped()
    for name in SAFE_RESPONSES:
        [variation] = domain_responses()[name]
        assert " ".join(variation["text"].split()) == " ".join(answers[name]["sms"].split()), name
        assert set(variation) == {"text"}, f"{name}: a safe response is plain text, with no buttons or slots"


def test_buttons_have_a_title_and_what_they_send():
    for name, answer in shipped().items():
        for button in answer.get("buttons") or []:
            assert set(button) == {"title", "payload"} and button["title"].strip() and button["payload"].strip(), name
