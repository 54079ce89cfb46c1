"""The numbers each crisis answer must give (data/safety/crisis_numbers.yml):
how a number is found in a text, and how the file is read."""

import pytest

from api.content import plain_language as pl
from api.content.crisis_numbers import (
    SHIPPED_CRISIS_NUMBERS, RequiredNumber, gives_number, load_crisis_numbers, missing_numbers, numbers_in,
)


@pytest.mark.parametrize("text, number, found", [
    ("Call Samaritans on 116 123.", "116 123", True),
    ("Call Samaritans on 116123.", "116 123", True),  # spaces do not matter, either way round
    ("Call Samaritans on 116 123.", "116123", True),
    ("Call Samaritans on 116-123.", "116 123", True),
    ("Call Samaritans on 116\u00a0123.", "116 123", True),
    ("Call 0808 800 5000, free.", "08088005000", True),
    ("Call 0808 8005000, free.", "0808 800 5000", True),
    ("Call 999 now.", "999", True),
    ("Call 01632 960999 now.", "999", False),  # a number inside another is not it
    ("Call 01632 960 999 now.", "999", False),
    ("Call 9999 now.", "999", False),
    ("Call 116 12 now.", "116 123", False),
    ("Call 0808 800 500 now.", "0808 800 5000", False),
    ("Call the police on 101. Call 999 now.", "101", True),
    ("Call 999 or 111, day or night.", "111", True),
    ("Call us.", "999", False),
    ("", "999", False),
])
def test_a_number_is_found_whatever_the_spaces(text, number, found):
    assert gives_number(text, number) is found


def test_numbers_in_a_text_are_digits_only():
    assert numbers_in("Call 999, or Samaritans on 116 123. Press 55.") == {"999", "116123", "55"}


def test_missing_numbers_keep_the_order_they_are_listed_in():
    required = (RequiredNumber("999", "emergency services"), RequiredNumber("101", "the police"),
                RequiredNumber("0808 800 5000", "the NSPCC helpline"))
    assert missing_numbers("Call 0808 800 5000.", required) == list(required[:2])
    assert missing_numbers("Call 999 or 101 or 08088005000.", required) == []


def test_the_shipped_file_is_read():
    numbers = load_crisis_numbers()
    assert [n.number for n in numbers.required("crisis_self_harm")] == ["999", "116 123"]
    assert [n.number for n in numbers.required("crisis_child_harm")] == ["999", "101", "0808 800 5000"]
    assert numbers.required("thank") == ()


def test_the_message_names_every_missing_number_and_who_answers_it():
    numbers = load_crisis_numbers()
    one = numbers.message("text message", [RequiredNumber("116 123", "Samaritans")])
    assert one.startswith("The text message must give 116 123 (Samaritans).") and "without this number" in one
    many = numbers.message("web chat answer", list(numbers.required("crisis_child_harm")))
    assert "999 (emergency services), 101 (the police, to report a child at risk) and 0808 800 5000" in many
    assert "without these numbers" in many


@pytest.mark.parametrize("body, error", [
    ("answers:\n  crisis_x:\n    - number: call us\nmessages: {missing_one: a, missing_many: b}\n", "no digits"),
    ("answers:\n  crisis_x: []\nmessages: {missing_one: a, missing_many: b}\n", "lists no numbers"),
    ("answers:\n  crisis_x: ['999']\nmessages: {missing_one: a}\n", "missing_many"),
])
def test_a_mistake_in_the_file_is_refused_not_dropped(tmp_path, body, error):
    path = tmp_path / "crisis_numbers.yml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        load_crisis_numbers(path)


def test_a_missing_number_is_a_hard_problem_in_the_plain_language_checks():
    web = ("If you are in danger now, please call 999. You are not alone, and people want to help. "
           "You can call Samaritans free, day or night.")
    problems = pl.check_answer(web, web, key="crisis_self_harm")
    assert [(p.level, p.code, p.where) for p in problems if p.level == "hard"] == [
        ("hard", "missing_crisis_number", "sms"), ("hard", "missing_crisis_number", "web")]
    assert all("116 123 (Samaritans)" in p.message for p in problems if p.level == "hard")
    # The same words are fine for an answer that need not give Samaritans' number.
    assert not [p for p in pl.check_answer(web, web, key="crisis_check_in") if p.level == "hard"]


def test_no_numbers_at_all_is_one_clear_problem_not_a_refusal_and_a_warning():
    text = "Please get help now. You are not alone, and people want to help you today."
    problems = pl.check_answer(text, text, key="crisis_medical")
    assert {p.code for p in problems} == {"missing_crisis_number"}
    assert "999 (emergency services) and 111 (NHS 111)" in problems[0].message


def test_changed_plain_language_rules_keep_the_crisis_numbers(tmp_path):
    path = tmp_path / "plain_language.yml"
    path.write_text(pl.SHIPPED_RULES.read_text(encoding="utf-8"), encoding="utf-8")
    assert pl.load_rules(path).crisis_numbers == load_crisis_numbers(SHIPPED_CRISIS_NUMBERS)
    assert pl.load_rules(path, crisis_numbers_path=None).crisis_numbers.answers == {}
