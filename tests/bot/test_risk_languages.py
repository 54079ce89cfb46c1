"""The crisis check in the other languages families write in
(data/safety/languages/*.yml), tested like the English rules.

    .venvs/rasa/bin/pytest tests/bot/test_risk_languages.py -q
"""
from pathlib import Path

import pytest
import yaml

from bot import risk

EVERY = risk.load_every_language()
FILES = sorted(risk.LANGUAGES_DIR.glob("*.yml"))
LANGUAGES = {rules.language: rules for rules in EVERY.others}


def _file(language: str) -> dict:
    return yaml.safe_load((risk.LANGUAGES_DIR / f"{language}.yml").read_text(encoding="utf-8"))


RULE_EXAMPLES = [(rules.language, rule.kind, rule.name, example)
                 for rules in EVERY.others for rule in rules.rules for example in rule.examples]
IDIOM_EXAMPLES = [(rules.language, example)
                  for rules in EVERY.others for idiom in rules.idioms for example in idiom.examples]
NEAR_MISSES = [(rules.language, rule.name, text)
               for rules in EVERY.others for rule in rules.rules for text in rule.near_misses]
EVERYDAY = [(path.stem, text) for path in FILES for text in _file(path.stem).get("everyday") or ()]


def test_the_six_starting_languages_have_crisis_rules_for_every_kind():
    assert set(LANGUAGES) >= {"pl", "ro", "ur", "ar", "uk", "bn"}
    for language, rules in LANGUAGES.items():
        assert {rule.kind for rule in rules.rules} == set(risk.KINDS), language
        assert all(rule.examples for rule in rules.rules), f"{language}: every rule needs an example"
        assert rules.priority == EVERY.english.priority


def test_each_file_says_who_has_checked_its_words():
    for path in FILES:
        data = _file(path.stem)
        assert data["language"] == path.stem and data["name"]
        assert data["review"] == "drafted, not yet checked by a speaker" or data["review"].startswith(
            "checked by "), path.name


@pytest.mark.parametrize("language, kind, name, example", RULE_EXAMPLES)
def test_every_example_is_found_as_its_kind_whatever_the_language(language, kind, name, example):
    assert name in [found.phrase for found in LANGUAGES[language].matches(example)]
    assert risk.assess(example, EVERY).kind == kind


@pytest.mark.parametrize("language, example", IDIOM_EXAMPLES)
def test_a_figure_of_speech_in_another_language_is_not_a_crisis(language, example):
    assert risk.assess(example, EVERY) is None


@pytest.mark.parametrize("language, name, text", NEAR_MISSES)
def test_a_rules_near_misses_are_not_found_by_that_rule(language, name, text):
    assert name not in [found.phrase for found in LANGUAGES[language].matches(text)]


@pytest.mark.parametrize("language, text", EVERYDAY)
def test_an_everyday_message_in_another_language_is_not_a_crisis(language, text):
    assert risk.assess(text, EVERY) is None


@pytest.mark.parametrize("text, kind", [
    # typed without accents or vowel marks, or with the other keyboard's letters
    ("moje dziecko nie zyje nie oddycha", "medical"),
    ("MĄŻ MNIE BIJE!!!", "violence"),
    ("sotul ma bate", "violence"),
    ("أريدُ أنْ أموتَ", "self_harm"),
    ("میں مرنا چاهتی ہوں", "self_harm"),
    # mixed with English, as families text
    ("hi sorry my english bad, moje dziecko nie oddycha", "medical"),
    ("he hit me and mąż mnie bije codziennie", "violence"),
    ("please help mujhe maar dega", "violence"),
    # the English priority decides between kinds across languages
    ("my partner hit me and the baby nie oddycha", "medical"),
])
def test_the_way_families_really_type_is_still_found(text, kind):
    assert risk.assess(text, EVERY).kind == kind


def test_english_messages_are_judged_as_before():
    for text in ("my baby isnt breathing", "the kids are killing me", "where is the nearest hub"):
        assert risk.assess(text, EVERY) == risk.assess(text)


MINIMAL = """
language: xx
name: Test
review: drafted, not yet checked by a speaker
words:
  child: '(?:dziecko|dziecka)'
rules:
  medical: [{name: m, pattern: 'nie oddycha', examples: [x]}]
  child_harm: [{name: c, pattern: 'bije{gap} {child}', examples: [x]}]
  violence: [{name: v, pattern: 'bije mnie', examples: [x]}]
  parent_fear: [{name: p, pattern: 'skrzywdze {child}', examples: [x]}]
  self_harm: [{name: s, pattern: 'chce umrzec', examples: [x]}]
  nowhere_safe: [{name: n, pattern: 'nie mamy gdzie spac', examples: [x]}]
"""


def test_adding_a_language_is_adding_a_file(tmp_path: Path):
    (tmp_path / "xx.yml").write_text(MINIMAL, encoding="utf-8")
    every = risk.load_every_language(tmp_path)
    assert [rules.language for rules in every.others] == ["xx"]
    assert risk.assess("on bije moje dziecko", every) == risk.RiskAssessment("child_harm", "c")
    # whole words only: "nie oddychaj" is another word
    assert risk.assess("nie oddychaj tak glosno", every) is None


@pytest.mark.parametrize("broken, message", [
    (MINIMAL.replace("language: xx", "language: Polish"), "language must be a short code"),
    (MINIMAL.replace("  nowhere_safe: [{name: n, pattern: 'nie mamy gdzie spac', examples: [x]}]\n", ""),
     "nowhere_safe"),
    (MINIMAL.replace("'chce umrzec'", "'chce (?!zyc)'"), r"rule s: a lookahead"),
])
def test_a_broken_language_file_fails_loudly_at_start_up(tmp_path: Path, broken, message):
    (tmp_path / "xx.yml").write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        risk.load_every_language(tmp_path)
