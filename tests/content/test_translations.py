"""The words in other languages (data/content/languages/): what holds in
every language holds for each of them, and every language a family can be
answered in has its crisis answers and its crisis phrases."""

from pathlib import Path

import pytest

from api.content import plain_language as pl
from api.content.crisis_numbers import gives_number
from api.content.service import load_shipped_answers
from api.content.translations import load_shipped_translations
from api.crisis.service import CRISIS_KINDS
from api.languages.service import load_languages
from api.settings import REPO_ROOT, Settings

DATA = REPO_ROOT / "data"
ENGLISH = {answer.key: answer for answer in load_shipped_answers(DATA / "content")}
SHIPPED = load_shipped_translations(DATA / "content" / "languages")
# What the crisis check answers with (one a kind), and after a crisis.
CRISIS_KEYS = [f"crisis_{kind}" for kind in CRISIS_KINDS] + ["crisis_still_here"]
SWITCHED_ON = [code for code in Settings().language_codes if code != "en"]


@pytest.mark.parametrize("item", SHIPPED, ids=lambda item: f"{item.language}-{item.key}")
def test_each_translation_passes_the_checks_that_hold_in_every_language(item):
    english = ENGLISH[item.key]
    hard = [problem.message for problem in pl.check_translation(item.sms_text, item.web_text, key=item.key,
                                                                placeholders=english.placeholders)
            if problem.level == "hard"]
    assert hard == []


@pytest.mark.parametrize("code", SWITCHED_ON)
def test_every_language_a_family_can_write_in_has_its_crisis_answers_and_phrases(code):
    translated = {item.key for item in SHIPPED if item.language == code}
    assert set(CRISIS_KEYS) <= translated, sorted(set(CRISIS_KEYS) - translated)
    assert (DATA / "safety" / "languages" / f"{code}.yml").exists()
    assert code in load_languages()


def test_a_crisis_translation_without_its_numbers_cannot_ship():
    problems = pl.check_translation("Zadzwoń pod 999.", "Zadzwoń pod 999.", key="crisis_violence")
    assert [p.code for p in problems if p.level == "hard"] == ["missing_crisis_number"] * 2
    assert "0808 2000 247" in problems[0].message


def test_the_cost_of_other_letters_is_counted_in_70_character_parts():
    long_polish = "Zadzwoń pod 999. " * 17  # 289 characters: five parts of 67
    [problem] = [p for p in pl.check_translation(long_polish, "ok", key=None) if p.code == "too_many_segments"]
    assert "each text holds 70 characters" in problem.message and "Keep it to 4" in problem.message
    assert "70 characters" in pl.cost_note("Zadzwoń pod 999.")
    assert pl.cost_note("Call 999.") == ""


def test_a_translation_may_only_use_the_english_answers_placeholders():
    problems = pl.check_translation("Zadzwoń: {phone}", "Zadzwoń: {telefon}", placeholders={"phone": "01632 960000"})
    assert [(p.code, p.where) for p in problems if p.level == "hard"] == [("unknown_placeholder", "web")]


def test_a_translation_of_an_answer_that_does_not_exist_is_refused(tmp_path: Path):
    (tmp_path / "pl.yml").write_text("language: pl\nanswers:\n  - {key: crisis_medical, text: ''}\n",
                                     encoding="utf-8")
    with pytest.raises(ValueError, match="needs text"):
        load_shipped_translations(tmp_path)
    (tmp_path / "pl.yml").write_text("language: ro\nanswers: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="language must be 'pl'"):
        load_shipped_translations(tmp_path)


@pytest.mark.parametrize("code", SWITCHED_ON)
def test_what_a_family_is_told_when_their_language_is_not_understood_always_gives_999(code):
    # The crisis rules in other languages are thinner than the English ones:
    # a family the assistant cannot understand is told the number anyway.
    [words] = [item for item in SHIPPED if item.language == code and item.key == "cannot_help"]
    assert gives_number(words.sms_text, "999") and gives_number(words.web_text, "999")
    assert gives_number(words.sms_text, "01632 960000")
