"""Every answer we ship in data/content/ passes every plain language check,
and every answer the assistant can ask for exists."""

import re
import string
from pathlib import Path

import pytest
import yaml

from api.content.crisis_numbers import load_crisis_numbers
from api.content.plain_language import check_answer, sentences
from api.crisis.service import CRISIS_KINDS

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "data" / "content"
CONTRACTS = ROOT / "docs" / "contracts.md"


def content_files() -> list[Path]:
    return sorted(CONTENT_DIR.glob("*.yml"))


def all_answers() -> list[tuple[str, dict]]:
    """(file name, answer) for every answer in every content file."""
    found = []
    for path in content_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for answer in data.get("answers") or []:
            found.append((path.name, answer))
    return found


def answers_by_key() -> dict[str, dict]:
    return {answer["key"]: answer for _, answer in all_answers()}


def placeholder_names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def filled(answer: dict, channel: str) -> str:
    """The text as a family would see it: templates get their example values."""
    text = answer.get(channel) or ""
    return text.format(**(answer.get("placeholders") or {}))


ANSWERS = all_answers()


def test_there_are_content_files():
    assert content_files(), f"no answer files in {CONTENT_DIR}"


@pytest.mark.parametrize("path", content_files(), ids=lambda p: p.name)
def test_every_file_has_a_topic_and_answers(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data.get("topic"), f"{path.name} needs a topic for comms teams"
    assert data.get("answers"), f"{path.name} has no answers"
    for answer in data["answers"]:
        missing = {"key", "title", "sms", "web"} - set(answer)
        assert not missing, f"{answer.get('key')} in {path.name} is missing {sorted(missing)}"


def test_keys_are_unique_across_files():
    seen: dict[str, str] = {}
    repeats = []
    for file_name, answer in ANSWERS:
        if answer["key"] in seen:
            repeats.append(f"{answer['key']} in {seen[answer['key']]} and {file_name}")
        seen.setdefault(answer["key"], file_name)
    assert not repeats, "the same key twice: " + "; ".join(repeats)


@pytest.mark.parametrize("file_name, answer", ANSWERS, ids=[a["key"] for _, a in ANSWERS])
def test_every_placeholder_has_an_example_value(file_name, answer):
    used = placeholder_names(answer.get("sms") or "") | placeholder_names(answer.get("web") or "")
    examples = set(answer.get("placeholders") or {})
    assert used <= examples, f"{answer['key']} ({file_name}) has no example for {sorted(used - examples)}"


@pytest.mark.parametrize("file_name, answer", ANSWERS, ids=[a["key"] for _, a in ANSWERS])
def test_every_answer_passes_the_plain_language_checks(file_name, answer):
    problems = check_answer(filled(answer, "sms"), filled(answer, "web"), key=answer["key"])
    assert problems == [], f"{answer['key']} ({file_name}):\n" + "\n".join(
        f"  {p.level} {p.where}: {p.message}" for p in problems
    )


def keys_the_contract_lists() -> tuple[set[str], set[str]]:
    """From the "Intents and who answers them" table in docs/contracts.md:
    exact keys, and prefixes such as `hours_*` that need at least one key."""
    text = CONTRACTS.read_text(encoding="utf-8")
    table = text.split("| intent | action | content key |", 1)[1].split("\n\n", 1)[0]
    exact, prefixes = set(), set()
    for row in table.strip().splitlines()[1:]:
        intents, _action, content = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if content == "same as intent":
            exact |= {name.strip() for name in intents.split(",")}
        for name in re.findall(r"`([a-z_*]+)`", content):
            if name.endswith("*"):
                prefixes.add(name[:-1])
            else:
                exact.add(name)
    return exact, prefixes


def test_the_contract_table_is_read():
    exact, prefixes = keys_the_contract_lists()
    assert {"greet", "low_mood", "cannot_help", "crisis_medical", "talk_to_person"} <= exact
    assert "hours_" in prefixes


def test_every_content_key_the_contract_lists_exists():
    exact, prefixes = keys_the_contract_lists()
    keys = set(answers_by_key())
    missing = sorted(exact - keys) + sorted(f"{p}*" for p in prefixes if not any(k.startswith(p) for k in keys))
    assert not missing, f"docs/contracts.md lists content keys with no answer: {missing}"


# --- crisis answers: the numbers must be right -------------------------------

# The exact wording each answer gives, beyond the numbers the content editor
# insists on (data/safety/crisis_numbers.yml, checked below).
CRISIS_NUMBERS = {
    "crisis_self_harm": ["999", "116 123", "SHOUT to 85258", "NHS 111", "option 2"],
    "crisis_child_harm": ["999", "police on 101", "0808 800 5000"],
    "crisis_violence": ["999", "press 55", "0808 2000 247"],
    "crisis_medical": ["999", "NHS 111"],
    "crisis_parent_fear": ["999", "116 123", "NHS 111", "option 2"],
    "crisis_nowhere_safe": ["999", "01632 960700", "0808 800 4444", "0808 2000 247"],
    "crisis_general": ["999", "116 123", "0808 2000 247"],
    "crisis_check_in": ["999"],
}
# These open with something else first: crisis_parent_fear thanks the parent
# and tells them to put the baby down safely; crisis_check_in asks gently
# whether anyone is in danger. Every other crisis answer says 999 first.
OPEN_WITH_999 = sorted(set(CRISIS_NUMBERS) - {"crisis_parent_fear", "crisis_check_in"})
REQUIRED_NUMBERS = load_crisis_numbers()


@pytest.mark.parametrize("key", sorted(CRISIS_NUMBERS))
@pytest.mark.parametrize("channel", ["sms", "web"])
def test_crisis_answers_give_the_right_numbers(key, channel):
    text = answers_by_key()[key][channel]
    missing = [number for number in CRISIS_NUMBERS[key] if number not in text]
    assert not missing, f"{key} {channel} does not give {missing}"


@pytest.mark.parametrize("key", OPEN_WITH_999)
@pytest.mark.parametrize("channel", ["sms", "web"])
def test_crisis_answers_say_999_first(key, channel):
    first = sentences(answers_by_key()[key][channel])[0]
    assert "999" in first, f"{key} {channel} starts with {first!r}"


def test_crisis_answers_live_in_crisis_file():
    keys = {answer["key"] for file_name, answer in ANSWERS if file_name == "crisis.yml"}
    assert set(CRISIS_NUMBERS) <= keys


def test_every_kind_of_crisis_has_an_answer_and_numbers_it_must_give():
    assert set(CRISIS_KINDS) == {key.removeprefix("crisis_") for key in CRISIS_NUMBERS}
    for kind in CRISIS_KINDS:
        key = f"crisis_{kind}"
        assert key in answers_by_key(), f"no answer {key} in data/content/crisis.yml"
        assert REQUIRED_NUMBERS.required(key), f"data/safety/crisis_numbers.yml lists no numbers for {key}"
        assert "999" in [n.number for n in REQUIRED_NUMBERS.required(key)], f"{key} need not give 999?"


@pytest.mark.parametrize("key", sorted(REQUIRED_NUMBERS.answers))
@pytest.mark.parametrize("channel", ["sms", "web"])
def test_every_shipped_answer_gives_the_numbers_it_must(key, channel):
    """data/safety/crisis_numbers.yml: the same rule that stops comms
    publishing an answer without them."""
    answer = answers_by_key().get(key)
    assert answer is not None, f"data/safety/crisis_numbers.yml names {key}, which is not an answer"
    missing = [n.shown() for n in REQUIRED_NUMBERS.missing(filled(answer, channel), key)]
    assert not missing, f"{key} {channel} does not give {missing}"


def test_every_question_the_assistant_answers_can_be_chosen_by_comms():
    """A new answer (README, "How to add a question") must also be listed in
    data/answer_intents.yml, or comms could never mark messages as answered by it."""
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    answered = set()
    for rule in rules:
        steps = rule.get("steps", [])
        for step, following in zip(steps, steps[1:]):
            if "intent" in step and following.get("action") == "action_answer":
                answered.add(step["intent"])
    data = yaml.safe_load((ROOT / "data" / "answer_intents.yml").read_text(encoding="utf-8"))
    # A bare yes or no, or a message not understood, is not a question to answer.
    answered -= {"affirm", "deny", "nlu_fallback"}
    assert answered and answered - set(data["answers"].values()) == set()
