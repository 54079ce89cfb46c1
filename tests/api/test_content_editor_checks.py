"""The checks the content editor shows as comms type: every check, with
words that fail it and words that pass. They are the same checks the test
suite runs over data/content/ (api/content/plain_language.py)."""

from pathlib import Path

import pytest
import yaml

from api.content import plain_language as pl
from api.editor.checks import answer_report
from tests.api.content_editor_helpers import CURLY, GOOD_SMS, GOOD_WEB

EMOJI = "\U0001F600"
HARD_WEB = ("Our safeguarding team will undertake a comprehensive multi-agency assessment of your family "
            "circumstances in order to determine eligibility for additional provision.")
TEMPLATE = {"hub": "Riverside Family Hub", "phone": "01632 960001"}

# (check code, level, key, placeholders, failing sms, failing web, passing sms, passing web)
CASES = [
    ("empty", "hard", "thank", None, "   ", GOOD_WEB, GOOD_SMS, GOOD_WEB),
    ("not_gsm7", "hard", "thank", None, f"It{CURLY}s free to come.", GOOD_WEB, "It's free to come.", GOOD_WEB),
    ("too_many_segments", "hard", "thank", None, " ".join(["You can come along."] * 17), GOOD_WEB,
     " ".join(["You can come along."] * 15), GOOD_WEB),
    ("unknown_placeholder", "hard", "hub_phone", TEMPLATE, "Call {hub_phone} today.", "{hub}: call {phone}.",
     "Call {hub} on {phone} today.", "{hub}: call {phone}."),
    ("broken_placeholder", "hard", "hub_phone", TEMPLATE, "Call {hub on {phone}.", "{hub}: call {phone}.",
     "Call {hub} on {phone}.", "{hub}: call {phone}."),
    ("hard_to_read", "soft", "thank", None, GOOD_SMS, HARD_WEB, GOOD_SMS, GOOD_WEB),
    ("long_sentence", "soft", "thank", None, GOOD_SMS,
     "You can come to any of our hubs on any day of the week and you do not need to book or ring us first.",
     GOOD_SMS, "You can come to any of our hubs on any day of the week. You do not need to book or ring us first."),
    ("jargon", "soft", "thank", None, GOOD_SMS, "Every service user can come along to the hub on a Monday.",
     GOOD_SMS, "Every parent can come along to the hub on a Monday."),
    ("unexplained_acronym", "soft", "thank", None, GOOD_SMS, "We can help with SEND. Come along on a Monday.",
     GOOD_SMS, "We can help with special educational needs and disabilities (SEND). Come along on a Monday."),
    ("missing_phone_number", "soft", "cannot_help", None, "Sorry, I can't help with that. Ask me about our hubs.",
     GOOD_WEB, "Sorry, I can't help with that. Call 01632 960000 to talk to us.",
     "Sorry, I can't help with that. Call 01632 960000 to talk to us."),
    ("missing_opening_hours", "soft", "hours_open", {"hub": "Riverside Family Hub", "opens": "9am"},
     "{hub} is open today.", "{hub} is open today.", "{hub} is open from {opens} today.",
     "{hub} is open from {opens} today."),
]


def codes(report):
    return {(p.level, p.code) for p in report.problems}


@pytest.mark.parametrize("code, level, key, placeholders, bad_sms, bad_web, good_sms, good_web", CASES,
                         ids=[c[0] for c in CASES])
def test_each_check_fails_bad_words_and_passes_good_ones(code, level, key, placeholders, bad_sms, bad_web,
                                                         good_sms, good_web):
    bad = answer_report(key, bad_sms, bad_web, placeholders)
    assert (level, code) in codes(bad)
    assert all(p.message for p in bad.problems)
    assert bad.can_publish is (level == "soft")
    good = answer_report(key, good_sms, good_web, placeholders)
    assert code not in {c for _, c in codes(good)}, [p.message for p in good.problems]


def test_a_non_gsm_character_is_named_with_what_it_costs_and_what_to_use_instead():
    sms = "You can come to any of our hubs. It" + CURLY + "s free, and you do not need to book. " * 3
    report = answer_report("thank", sms.strip(), GOOD_WEB, None)
    [problem] = [p for p in report.problems if p.code == "not_gsm7"]
    assert "\u2019" in problem.message and "Use ' instead." in problem.message
    assert "costs 3 texts instead of 1" in problem.message
    assert report.sms.encoding == "UCS-2" and report.sms.special_characters == ["\u2019"]


def test_an_emoji_has_no_swap_so_the_message_says_take_it_out():
    report = answer_report("thank", f"See you soon {EMOJI}", GOOD_WEB, None)
    [problem] = [p for p in report.problems if p.code == "not_gsm7"]
    assert "Take it out" in problem.message


def test_figures_count_characters_texts_and_room_left():
    report = answer_report("thank", "a" * 150, GOOD_WEB, None)
    assert (report.sms.characters, report.sms.encoding, report.sms.segments, report.sms.room_left) == (
        150, "GSM-7", 1, 10)
    two = answer_report("thank", "a" * 200, GOOD_WEB, None)
    assert (two.sms.segments, two.sms.room_left) == (2, 306 - 200)


def test_reading_ease_and_age_are_given_for_long_enough_text_only():
    report = answer_report("thank", "Thanks.", HARD_WEB, None)
    assert report.sms.reading_ease is None and report.sms.reading_age is None
    assert report.web.reading_ease < 70 and report.web.reading_age >= 12
    easy = answer_report("thank", GOOD_SMS, GOOD_WEB, None)
    assert easy.web.reading_ease >= 70 and easy.web.reading_age <= 10


def test_long_sentences_and_jargon_are_counted():
    report = answer_report("thank", GOOD_SMS, HARD_WEB, None)
    assert report.web.long_sentences == 1
    assert report.web.jargon == 5  # safeguarding, assessment, in order to, eligibility, provision


def test_a_template_is_checked_and_previewed_with_its_examples():
    report = answer_report("hub_phone", "{hub} is open. Call {phone}.", "{hub} is open. Call {phone}.", TEMPLATE)
    assert report.sms_preview == "Riverside Family Hub is open. Call 01632 960001."
    assert report.problems == []


def test_a_plain_answer_may_use_curly_brackets_as_characters():
    report = answer_report("thank", "Reply {STOP} to stop.", "Reply {STOP} to stop.", None)
    assert not [p for p in report.problems if "placeholder" in p.code]
    assert report.sms_preview == "Reply {STOP} to stop."


def test_an_unknown_placeholder_is_named_with_the_ones_that_can_be_used():
    report = answer_report("hub_phone", "Call {hubb}.", "{hub}", TEMPLATE)
    [problem] = report.hard
    assert "{hubb}" in problem.message and "{hub}, {phone}" in problem.message


def test_windows_line_ends_are_checked_like_plain_ones():
    assert answer_report("thank", "One line.\r\nTwo lines.", GOOD_WEB, None).sms.characters == 20


# --- the rules live in data/plain_language.yml and comms can extend them ---

def rules_with(tmp_path: Path, change) -> pl.Rules:
    data = yaml.safe_load(pl.SHIPPED_RULES.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "plain_language.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return pl.load_rules(path)


def test_comms_can_add_a_jargon_word_and_an_answer_that_must_give_a_phone_number(tmp_path):
    def change(data):
        data["jargon"].append({"phrase": "drop-in", "suggest": '"come along"'})
        data["should_mention"]["phone_number"]["answers"].append("thank")

    rules = rules_with(tmp_path, change)
    report = answer_report("thank", GOOD_SMS, "Every family can drop-in at the hub on a Monday.", None, rules)
    assert {"jargon", "missing_phone_number"} <= {p.code for p in report.problems}
    assert not {"jargon", "missing_phone_number"} & {p.code for p in answer_report(
        "thank", GOOD_SMS, "Every family can drop-in at the hub on a Monday.", None).problems}


def test_an_unknown_fact_in_the_rules_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown facts"):
        rules_with(tmp_path, lambda data: data["should_mention"].update({"bus_times": {"answers": ["x"]}}))


@pytest.mark.parametrize("text, found", [
    ("Call 01632 960000.", True), ("Call +44 1632 960000.", True), ("Ring 999 now.", True),
    ("Call Samaritans on 116 123.", True), ("Text SHOUT to 85258.", True), ("Open at 9:30am.", False),
    ("We have 2 hubs.", False), ("Call us.", False),
])
def test_what_counts_as_a_phone_number(text, found):
    assert bool(pl.FACTS["phone_number"].search(text)) is found


@pytest.mark.parametrize("text, found", [
    ("Open from 9am.", True), ("Shuts at 5:30pm.", True), ("Opens at 17:00.", True), ("Open on Monday.", False),
    ("Call 01632 960000.", False),
])
def test_what_counts_as_opening_hours(text, found):
    assert bool(pl.FACTS["opening_hours"].search(text)) is found


def test_every_answer_named_in_should_mention_exists():
    from fnmatch import fnmatchcase

    from api.content.service import load_shipped_answers

    keys = {a.key for a in load_shipped_answers(pl.SHIPPED_RULES.parent / "content")}
    unmatched = [pattern for patterns in pl.shipped_rules().should_mention.values() for pattern in patterns
                 if not any(fnmatchcase(key, pattern) for key in keys)]
    assert unmatched == [], "data/plain_language.yml should_mention names answers that do not exist"


# --- crisis answers must give their numbers (data/safety/crisis_numbers.yml) ---

CHILD_HARM_SMS = ("If a child is in danger now, please call 999. To report a child at risk from an adult, call "
                  "the police on 101. You can talk to the NSPCC helpline on 0808 800 5000. It is free.")


def test_a_crisis_answer_without_one_of_its_numbers_cannot_be_published():
    sms = CHILD_HARM_SMS.replace(" on 101", "")
    report = answer_report("crisis_child_harm", sms, CHILD_HARM_SMS, None)
    assert not report.can_publish
    [problem] = report.hard
    assert (problem.code, problem.where) == ("missing_crisis_number", "sms")
    assert "text message must give 101 (the police, to report a child at risk)" in problem.message
    # The same words are fine for an answer that need not give 101.
    assert answer_report("thank", sms, CHILD_HARM_SMS, None).can_publish
    # With the number back, spaced any way, it can be published.
    spaced = CHILD_HARM_SMS.replace("on 101", "on 1 01").replace("0808 800 5000", "08088005000")
    assert answer_report("crisis_child_harm", spaced, CHILD_HARM_SMS, None).can_publish


def test_a_crisis_answer_names_every_missing_number_in_each_text():
    web = "If a child is in danger now, please call the police. You can talk to someone who will listen."
    report = answer_report("crisis_child_harm", CHILD_HARM_SMS, web, None)
    [problem] = report.hard
    assert problem.where == "web"
    assert "999 (emergency services), 101 (the police, to report a child at risk) and 0808 800 5000" in problem.message
    assert "missing_phone_number" not in {p.code for p in report.problems}  # said once, as the refusal


def test_any_number_is_not_enough_for_a_crisis_answer():
    """Before, any phone number satisfied a crisis answer, and only as a warning."""
    sms = "If you are in danger now, please call 999. You can call our phone line on 01632 960000 any time."
    report = answer_report("crisis_self_harm", sms, sms, None)
    assert [(p.code, p.where) for p in report.hard] == [("missing_crisis_number", "sms"),
                                                        ("missing_crisis_number", "web")]
    assert all("116 123 (Samaritans)" in p.message for p in report.hard)
