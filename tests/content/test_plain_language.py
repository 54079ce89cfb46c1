"""The plain language checks, one at a time, with texts that pass and fail."""

from pathlib import Path

import pytest
import yaml

from api.content import plain_language as pl

CURLY = "\u2019"
EMOJI = "\U0001F600"


def codes(problems):
    return [(p.level, p.code) for p in problems]


# --- GSM-7 characters ---------------------------------------------------------


def test_plain_text_has_no_character_problems():
    assert pl.gsm7_problems("We're open at 9:30am. It's free! £0, café, 100% \"fun\".") == []


def test_curly_apostrophe_is_found_with_a_straight_one_to_use_instead():
    [problem] = pl.gsm7_problems(f"We{CURLY}re open today.")
    assert problem.char == CURLY
    assert problem.swap == "'"
    assert problem.positions == [2]
    assert "Use ' instead" in problem.message


def test_emoji_is_found_and_has_no_swap():
    [problem] = pl.gsm7_problems(f"See you soon {EMOJI}")
    assert problem.swap is None
    assert problem.name == "grinning face"
    assert "Take it out" in problem.message


def test_each_character_is_reported_once_with_how_often_it_appears():
    problems = pl.gsm7_problems(f"It{CURLY}s here \u2013 it{CURLY}s free")
    assert [(p.char, p.count) for p in problems] == [(CURLY, 2), ("\u2013", 1)]


def test_character_problem_says_what_it_costs_when_it_adds_a_text():
    text = f"We{CURLY}re here. " + "a" * 100
    [problem] = pl.gsm7_problems(text)
    assert (problem.segments_now, problem.segments_plain) == (2, 1)
    assert "costs 2 texts instead of 1" in problem.message


def test_invisible_characters_are_shown_by_code():
    [problem] = pl.gsm7_problems("Open\u00a0today")
    assert problem.shown_as == "U+00A0"
    assert problem.swap == " "


def test_extension_characters_are_allowed_in_gsm7():
    assert pl.gsm7_problems("Costs [about] \u20ac5 {maybe} ~ ^ | \\") == []


def test_swap_to_gsm7_swaps_look_alikes_and_drops_the_rest():
    assert pl.swap_to_gsm7(f"It{CURLY}s \u201cfree\u201d \u2013 come along\u2026 {EMOJI}") == (
        "It's \"free\" - come along... "
    )


# --- SMS segments -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, segments",
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
    ],
)
def test_gsm7_segments_160_single_153_per_part(text, segments):
    assert pl.sms_segments(text) == segments


def test_extension_character_counts_as_two():
    assert pl.sms_length("a" * 158 + "\u20ac").units == 160
    assert pl.sms_segments("a" * 158 + "\u20ac") == 1
    assert pl.sms_segments("a" * 159 + "[") == 2


def test_extension_character_is_not_split_between_parts():
    # 152 + 2 does not fit in a 153 part, so "{" starts part 2.
    text = "a" * 152 + "{" + "a" * 152
    assert pl.sms_length(text).units == 306
    assert pl.sms_segments(text) == 3


def test_one_curly_apostrophe_makes_the_text_ucs2():
    text = CURLY + "a" * 69
    assert pl.sms_length(text).encoding == "UCS-2"
    assert pl.sms_segments(text) == 1
    assert pl.sms_segments(text + "a") == 2
    assert pl.sms_segments(CURLY + "a" * 133) == 2
    assert pl.sms_segments(CURLY + "a" * 134) == 3


def test_emoji_counts_two_in_ucs2():
    assert pl.sms_length(EMOJI * 35).units == 70
    assert pl.sms_segments(EMOJI * 35) == 1
    assert pl.sms_segments(EMOJI * 36) == 2


# --- reading ease and sentences ----------------------------------------------


def test_simple_text_reads_easily():
    ease = pl.reading_ease("You can come to any hub. It is free. Ask me what is on this week.")
    assert ease.score >= 70
    assert ease.reading_age <= 10
    assert ease.enough_words


def test_system_language_reads_hard():
    ease = pl.reading_ease(
        "Practitioners will undertake a comprehensive multi-agency assessment "
        "to determine eligibility for additional specialist provision."
    )
    assert ease.score < 70
    assert ease.reading_age > pl.reading_ease("You can come to any hub. It is free.").reading_age


def test_phone_numbers_web_addresses_and_times_are_not_scored():
    with_them = pl.reading_ease(
        "Call us on 01632 960000 from 9:30am. You can also look at www.gov.uk/register-birth today."
    )
    without = pl.reading_ease("Call us on from. You can also look at today.")
    assert with_them.score == without.score
    assert with_them.set_aside == ["www.gov.uk/register-birth", "9:30am", "01632 960000"]


def test_names_are_not_scored_so_a_hub_name_does_not_make_text_look_hard():
    ease = pl.reading_ease("Riverside Family Hub is open now, and it is free. You can call Samaritans on Monday to Friday.")
    assert ease.names == ["Riverside Family Hub", "Samaritans", "Monday to Friday"]
    assert ease.score == pl.reading_ease("is open now, and it is free. You can call on.").score
    assert ease.score >= 70 and ease.enough_words


def test_an_everyday_word_starting_a_sentence_is_not_a_name():
    assert pl.reading_ease("Call Samaritans free. The NHS can help. I can help too.").names == ["Samaritans", "NHS"]


def test_very_short_texts_are_not_judged_on_reading_ease():
    ease = pl.reading_ease("Goodbye.")
    assert not ease.enough_words
    assert pl.check_text("Goodbye.", "sms") == []


def test_dots_in_times_and_web_addresses_do_not_end_sentences():
    assert pl.sentences("Open at 9.30am today. See www.gov.uk/register-birth. Bye!") == [
        "Open at 9.30am today.",
        "See www.gov.uk/register-birth.",
        "Bye!",
    ]


def test_sentence_over_the_limit_is_long_and_at_the_limit_is_not():
    twenty = " ".join(["word"] * 20) + "."
    twenty_one = " ".join(["word"] * 21) + "."
    assert pl.long_sentences(twenty) == []
    [long] = pl.long_sentences(f"Hello. {twenty_one} Bye.")
    assert long.words == 21
    assert long.sentence == twenty_one


def test_a_phone_number_counts_as_one_word():
    assert pl.word_count("Call 0808 2000 247 now") == 3


# --- jargon ------------------------------------------------------------------

REQUIRED_JARGON = [
    "service user",
    "intervention",
    "threshold",
    "hard to reach",
    "won't engage",
    "wont engage",
    "child in need",
    "NEET",
    "your case",
    "case worker",
    "caseworker",
    "the case",
    "early help assessment",
    "safeguarding",
    "signpost",
    "cohort",
    "stakeholder",
    "provision",
    "deliverables",
    "utilise",
    "facilitate",
    "in order to",
    "commence",
    "assist",
    "referral",
    "refer yourself",
    "early help",
    "tier",
    "assessment",
    "lead professional",
    "key worker",
    "step down",
    "team around the family",
    "MASH",
    "vulnerable",
    "eligible",
    "universal",
    "targeted",
    "statutory",
    "young mum",
    "special needs",
]


@pytest.mark.parametrize("phrase", REQUIRED_JARGON)
def test_required_jargon_is_found_with_a_suggestion(phrase):
    found = pl.jargon(f"We said {phrase} yesterday.")
    assert [f.found for f in found] == [phrase]
    assert found[0].suggest


def test_jargon_is_found_in_any_capitals_spacing_or_apostrophe():
    found = pl.jargon(f"Service  Users who won{CURLY}t engage, and the hard-to-reach.")
    assert [f.phrase for f in found] == ["service user", "won't engage", "hard to reach"]


def test_a_longer_jargon_phrase_is_one_finding_not_several():
    found = pl.jargon("They did an early help assessment.")
    assert [f.phrase for f in found] == ["early help assessment"]


def test_jargon_message_gives_the_plain_suggestion():
    [problem] = [p for p in pl.check_text("We will utilise the hub for the group on Monday.", "web") if p.code == "jargon"]
    assert problem.level == "soft"
    assert '"utilise"' in problem.message and '"use"' in problem.message


@pytest.mark.parametrize(
    "text",
    ["I'm an automated assistant.", "Bring a suitcase, just in case.", "Every case of nits is easy to treat.",
     "If you get Universal Credit, you may get help.", "Try mashed potato or mash with a fork.",
     "Ask about special educational needs and disabilities (SEND)."],
)
def test_ordinary_words_are_not_jargon(text):
    assert pl.jargon(text) == []


# --- acronyms ----------------------------------------------------------------


def test_acronym_without_its_words_is_found_with_a_hint():
    [found] = pl.unexplained_acronyms("We run SEND groups every week.")
    assert found.acronym == "SEND"
    [problem] = [p for p in pl.check_text("We run SEND groups every week.", "web") if p.code == "unexplained_acronym"]
    assert problem.level == "soft"
    assert "special educational needs and disabilities (SEND)" in problem.message


def test_acronym_with_its_words_first_is_fine():
    text = "We help with special educational needs and disabilities (SEND). Our SEND group meets weekly."
    assert pl.unexplained_acronyms(text) == []


def test_acronym_spelt_out_by_initials_is_fine_even_if_not_in_the_data_file():
    assert pl.unexplained_acronyms("Ask about the Fernbridge Baby Bank (FBB).") == []


def test_words_must_come_before_the_acronym():
    assert [a.acronym for a in pl.unexplained_acronyms("An EHCP is an education, health and care plan.")] == ["EHCP"]


def test_acronyms_everyone_knows_are_fine_including_plurals():
    assert pl.unexplained_acronyms("Talk to your GP, or GPs at the NHS walk-in. Text SHOUT. OK?") == []


def test_each_unexplained_acronym_is_reported_once():
    assert [a.acronym for a in pl.unexplained_acronyms("The HAF and the HAF again.")] == ["HAF"]


# --- the whole answer --------------------------------------------------------

CLEAN_SMS = "You can come to any of our hubs. It is free, and you do not need to book."
CLEAN_WEB = "You can come to any of our hubs. It is free, and you do not need to book. Ask me what is on."


def test_clean_answer_has_no_problems():
    assert pl.check_answer(CLEAN_SMS, CLEAN_WEB) == []


@pytest.mark.parametrize("sms, web", [("", CLEAN_WEB), ("   ", CLEAN_WEB), (None, CLEAN_WEB), (CLEAN_SMS, "")])
def test_empty_text_is_a_hard_problem(sms, web):
    problems = pl.check_answer(sms, web)
    assert codes(problems) == [("hard", "empty")]
    assert problems[0].where == ("sms" if not (sms or "").strip() else "web")


def test_curly_apostrophe_is_hard_in_sms_but_not_in_web():
    problems = pl.check_answer(f"It{CURLY}s free to come to any of our hubs.", f"It{CURLY}s free to come to any of our hubs.")
    assert codes(problems) == [("hard", "not_gsm7")]
    assert problems[0].where == "sms"


def test_sms_over_two_segments_is_hard_with_a_plain_message():
    sms = " ".join(["You can come along."] * 17)  # 339 characters
    problems = pl.check_answer(sms, CLEAN_WEB)
    assert codes(problems) == [("hard", "too_many_segments")]
    assert problems[0].message.startswith("This text would cost 3 texts to send. Keep it to 2.")


def test_sms_of_two_segments_is_fine():
    sms = " ".join(["You can come along."] * 15)  # 299 characters
    assert pl.sms_segments(sms) == 2
    assert pl.check_text(sms, "sms") == []


def test_soft_problems_are_soft_and_come_after_hard_ones():
    web = (
        "Our safeguarding team and the MASH will undertake a comprehensive multi-agency "
        "assessment of your family circumstances in order to determine eligibility for "
        "additional provision."
    )
    problems = pl.check_answer(f"It{CURLY}s free.", web)
    assert problems[0].level == "hard"
    assert {c for c in codes(problems)[1:]} == {
        ("soft", "hard_to_read"),
        ("soft", "long_sentence"),
        ("soft", "jargon"),
        ("soft", "unexplained_acronym"),
    }
    assert all(p.message for p in problems)


def test_problems_turn_into_plain_dicts_for_the_editor():
    [problem] = pl.check_answer("", CLEAN_WEB)
    assert problem.as_dict() == {
        "level": "hard",
        "code": "empty",
        "where": "sms",
        "message": "The text message is empty. Write something for families to read.",
    }


def test_thresholds_come_from_the_data_file(tmp_path: Path):
    data = yaml.safe_load(pl.SHIPPED_RULES.read_text(encoding="utf-8"))
    data["thresholds"]["max_sms_segments"] = 1
    data["thresholds"]["max_sentence_words"] = 5
    data["jargon"].append({"phrase": "drop-in", "suggest": '"come along"'})
    rules_file = tmp_path / "plain_language.yml"
    rules_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    rules = pl.load_rules(rules_file)

    sms = "You can drop-in to any of our hubs." + " It is free." * 11  # 167 characters
    problems = pl.check_text(sms, "sms", rules)
    assert ("hard", "too_many_segments") in codes(problems)
    assert "Keep it to 1." in next(p.message for p in problems if p.code == "too_many_segments")
    assert ("soft", "long_sentence") in codes(problems)
    assert ("soft", "jargon") in codes(problems)
    assert pl.check_text(sms, "sms") == []  # the shipped rules allow it


def test_a_word_in_quotes_is_explained_not_used():
    """'"Early help" means ...' names the word to explain it; the same word
    used on a family is still flagged, and so is a short form."""
    assert pl.jargon('"Early help" means help for a family before things get too hard.') == []
    assert [f.phrase for f in pl.jargon("We can offer you early help.")] == ["early help"]
    assert pl.unexplained_acronyms('"CAMHS" is the NHS service for young people.') == []
    assert [f.acronym for f in pl.unexplained_acronyms("Ask CAMHS.")] == ["CAMHS"]
