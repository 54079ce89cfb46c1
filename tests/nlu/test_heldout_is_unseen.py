"""The held-out examples are really unseen: no line of tests/nlu/heldout.yml
is in what the model learns from, word for word or nearly.

A held-out line that is also in the training data (or differs by a letter,
or has the same words in another order) measures memory, not
understanding, and makes the held-out F1 look better than families will
find it. What the model learns from: the NLU training examples, the word
lists the actions and checks use, the crisis classifier's training set and
the safety rules' own examples.
"""
import difflib
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
LIKENESS = 0.9  # difflib's ratio between the two lines, as plain lower-case words
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def plain(text: str) -> str:
    """Lower-case words without apostrophes ("won't" is "wont", as parents text it)."""
    words = ANNOTATION.sub(r"\1", text).lower().replace("'", "").replace("\u2019", "")
    return " ".join(re.findall(r"[a-z0-9]+", words))


def nlu_lines(path: Path) -> list[str]:
    found = []
    for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        for line in str(item.get("examples") or "").splitlines():
            if line.strip().startswith("- "):
                found.append(line.strip()[2:])
    return found


def strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in strings(value)]
    return []


def rule_examples(node) -> list[str]:
    """Every `examples:` list in the safety rules."""
    if isinstance(node, dict):
        return [text for key, value in node.items()
                for text in (strings(value) if key == "examples" else rule_examples(value))]
    if isinstance(node, list):
        return [text for value in node for text in rule_examples(value)]
    return []


def learned_from() -> dict[str, str]:
    """Each plain line the model learns from, and where it is."""
    sources: dict[str, str] = {}
    for path in sorted((REPO / "data/nlu").glob("*.yml")):
        sources.update((plain(line), path.name) for line in nlu_lines(path))
    for name in ("yes_no_words", "change_mind_words", "contact_words", "family_words"):
        sources.update((plain(text), f"{name}.yml") for text in strings(yaml.safe_load(
            (REPO / f"data/{name}.yml").read_text(encoding="utf-8"))))
    crisis = yaml.safe_load((REPO / "data/safety/crisis_examples/train.yml").read_text(encoding="utf-8"))
    sources.update((plain(example["text"]), "crisis_examples/train.yml") for example in crisis["examples"])
    rules = yaml.safe_load((REPO / "data/safety/risk_phrases.yml").read_text(encoding="utf-8"))
    sources.update((plain(text), "risk_phrases.yml") for text in rule_examples(rules))
    sources.pop("", None)
    return sources


def near_copy(line: str, sources: dict[str, str]) -> str | None:
    """The source line `line` nearly copies, if any."""
    words = sorted(line.split())
    for other in sources:
        if sorted(other.split()) == words:
            return other
        likeness = difflib.SequenceMatcher(None, line, other)
        if (likeness.real_quick_ratio() >= LIKENESS and likeness.quick_ratio() >= LIKENESS
                and likeness.ratio() >= LIKENESS):
            return other
    return None


def test_no_heldout_line_is_a_near_copy_of_what_the_model_learns_from():
    sources = learned_from()
    copies = []
    for line in nlu_lines(REPO / "tests/nlu/heldout.yml"):
        found = near_copy(plain(line), sources)
        if found is not None:
            copies.append(f"{line!r} ~ {found!r} ({sources[found]})")
    assert not copies, "held-out lines the model has (nearly) seen:\n" + "\n".join(copies)


@pytest.mark.parametrize("held, trained, copy", [
    ("thankyou", "thank you", True),
    ("what have i got booked", "what have i booked", True),
    ("my son won't go to school", "wont go to school my son", True),
    ("when does riverside open on saturday", "is there baby massage on friday", False),
    ("where is riverside", "how do i get to riverside", False),
])
def test_what_counts_as_a_near_copy(held, trained, copy):
    assert (near_copy(plain(held), {plain(trained): "x"}) is not None) is copy
