"""The held-out checks measure something only if the model never saw their
lines: none of them, nor a near copy, is in the training data, the crisis
examples or the word lists."""
import difflib
import re
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _plain(text):
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def _lines_in(path):
    """Every example line (`- text`) and every quoted word-list entry in a YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = []

    def walk(value):
        if isinstance(value, str):
            found.extend(line[2:] for line in value.splitlines() if line.startswith("- "))
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(data)
    return {_plain(line) for line in found if line.strip()}


# How alike two lines must be, as difflib counts it, to be the same line.
NEAR = 0.85


def near_copy(plain, trained, by_word):
    """A trained line that is this one, or this one with a word or two
    written differently ("whats a health visitor" / "what is a health visitor")."""
    if plain in trained:
        return plain
    words = set(plain.split())
    if len(words) < 3:
        return None
    shared = Counter(line for word in words for line in by_word.get(word, ()))
    for line, count in shared.items():
        if count >= len(words) - 1 and difflib.SequenceMatcher(None, plain, line).ratio() >= NEAR:
            return line
    return None


def test_no_held_out_line_or_near_copy_is_trained_on():
    held = [line[6:] for line in (REPO / "tests/nlu/heldout.yml").read_text(encoding="utf-8").splitlines()
            if line.startswith("    - ")]
    held += yaml.safe_load((REPO / "tests/nlu/unknown_worries.yml").read_text(encoding="utf-8"))["worries"]
    trained = set()
    for path in [*sorted((REPO / "data/nlu").glob("*.yml")), REPO / "data/safety/crisis_examples/train.yml",
                 REPO / "data/yes_no_words.yml", REPO / "data/family_words.yml", REPO / "data/change_mind_words.yml"]:
        trained |= _lines_in(path)
    by_word = {}
    for line in trained:
        for word in set(line.split()):
            by_word.setdefault(word, []).append(line)
    copies = {line: near_copy(_plain(line), trained, by_word) for line in held}
    copies = {line: seen for line, seen in copies.items() if seen}
    assert not copies, f"held-out lines that are (nearly) in the training data: {copies}"
