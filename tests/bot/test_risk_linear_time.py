"""The crisis check takes time in step with a message's length, whatever it says.

With Python's ``re`` some rules backtracked: "he came round came round ..."
(267 characters) took 3 seconds, and each two more words made it four times
slower. bot/risk.py now runs every rule on RE2. These tests fail on the old
code: there the long messages take seconds, or never finish.

Each message is timed up to three times and the fastest counts, so a busy
machine does not fail the test; a rule that backtracks is slow every time.
"""
import math
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import risk

RULES = risk.load_rules()
LIMIT = 0.050  # seconds, for a message of up to LONGEST characters
LONGEST = 4000
# Everyday words to mix in, and ones that start many rules.
FILLER = ["he", "she", "my", "baby", "the", "and", "i", "is", "me", "not", "to", "a",
          "kids", "lol", "tonight", "what", "time", "open", "x", "2", "!!!", "\u2019"]


def fastest_check(text: str, rules=RULES) -> float:
    fastest = math.inf
    for _ in range(3):
        start = time.perf_counter()
        rules.assess(text)
        fastest = min(fastest, time.perf_counter() - start)
        if fastest < LIMIT:
            break
    return fastest


def assert_quick(text: str, rules=RULES) -> None:
    took = fastest_check(text, rules)
    assert took < LIMIT, f"{took * 1000:.0f} ms for {len(text)} characters: {text[:120]!r}..."


def repeated(start: str, fragment: str, length: int = LONGEST, end: str = "") -> str:
    """``start``, then ``fragment`` again and again, then ``end``: ``length`` characters."""
    middle = (fragment * (length // max(1, len(fragment)) + 1))[:max(0, length - len(start) - len(end) - 2)]
    return f"{start} {middle} {end}"


@pytest.mark.parametrize("repeats", [24, (LONGEST - 3) // len("came round ")])
def test_a_message_that_used_to_take_seconds_is_checked_at_once(repeats):
    text = "he " + "came round " * repeats
    assert len(text) in (267, 3996)
    assert_quick(text)


def test_a_long_ordinary_message_is_checked_at_once():
    assert_quick(repeated("hi", "what time is stay and play tomorrow, my baby loves it "))


ENTRIES = {entry.name: entry for entry in RULES.rules + RULES.idioms}


def pieces(entry) -> list[str]:
    """Words and runs of words from a rule's own examples and pattern."""
    found = set(re.findall(r"[a-z]+(?: [a-z]+)*", entry.regex.pattern))
    for text in entry.examples + getattr(entry, "near_misses", ()):
        words = RULES.normalise(text).split()
        found.update(" ".join(words[at:at + size]) for size in (1, 2, 3) for at in range(len(words)))
    return sorted(found)


def starts(entry) -> list[str]:
    """How the rule's own examples begin: "he", "my baby"."""
    return sorted({" ".join(RULES.normalise(text).split()[:size])
                   for text in entry.examples for size in (1, 2)} - {""})


def two_ways(entry) -> list[str]:
    """Runs of words that one group of the pattern takes whole and also word by
    word, like "came round" in (?:came|round|came round): repeated, they can
    be matched in ever more ways, which is what made ``re`` backtrack."""
    runs = set()
    for group in re.findall(r"\(\?:([^()]*)\)", entry.regex.pattern):
        alternatives = set(group.split("|"))
        runs.update(run for run in alternatives
                    if " " in run and all(word in alternatives for word in run.split()))
    return sorted(runs)


TWO_WAYS = [(name, run) for name, entry in sorted(ENTRIES.items()) for run in two_ways(entry)]


def test_the_run_that_used_to_backtrack_is_among_those_tried():
    assert ("weapon", "came round") in TWO_WAYS


@pytest.mark.parametrize("name, run", TWO_WAYS)
def test_a_run_of_words_a_rule_can_read_two_ways_is_quick_repeated(name, run):
    for start in starts(ENTRIES[name]):
        assert_quick(repeated(start, run + " "))


@st.composite
def adversarial(draw, entry_pieces, entry_starts=(), entry_two_ways=()):
    """A fragment repeated to a long message (mostly LONGEST), other words around it."""
    words = st.sampled_from(entry_pieces) | st.sampled_from(FILLER)
    phrases = st.lists(words, min_size=1, max_size=3).map(" ".join)
    if entry_two_ways:  # mostly a run the rule reads two ways, the likeliest to backtrack
        phrases = st.sampled_from(entry_two_ways) | st.sampled_from(entry_two_ways) | phrases
    fragment = draw(phrases)
    between = draw(st.sampled_from([" ", " ", ", ", ". ", "... ", "\n"]))
    return repeated(start=draw(st.sampled_from(entry_starts) if entry_starts else words),
                    fragment=fragment + between,
                    length=draw(st.sampled_from([LONGEST, LONGEST, LONGEST // 2, 267])),
                    end=" ".join(draw(st.lists(words, max_size=3))))


QUICK_CHECKS = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_rule_and_idiom_is_quick_on_its_own_words_repeated(name):
    entry = ENTRIES[name]

    @settings(max_examples=15, **QUICK_CHECKS)
    @given(adversarial(pieces(entry), starts(entry), two_ways(entry)))
    def quick(text):
        assert_quick(text)

    quick()


@settings(max_examples=60, **QUICK_CHECKS)
@given(adversarial(sorted({piece for entry in ENTRIES.values() for piece in pieces(entry)})))
def test_words_from_all_the_rules_together_are_quick(text):
    assert_quick(text)


EVERY_LANGUAGE = risk.load_every_language()


@pytest.mark.parametrize("rules", EVERY_LANGUAGE.others, ids=lambda rules: rules.language)
def test_every_language_is_quick_on_its_own_examples_repeated(rules):
    """What the crisis check runs on each message: the English rules and every language's."""
    for rule in rules.rules:
        for example in rule.examples:
            assert_quick(repeated(example, example + " i "), EVERY_LANGUAGE)
