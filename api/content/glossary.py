"""What a word means: "what does EHCP mean", "whats a senco".

data/glossary.yml lists the words families type for each term and which
answer explains it; the explanations are answers comms edit in the editor.
The family's message is searched for the longest of those words, so "what
is an ehc needs assessment" is the assessment, not the plan.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

NOT_A_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Glossary:
    answer_for_words: dict[str, str]  # normalised words -> answer key
    unknown_answer: str


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped ("children's" is "childrens"),
    anything else that is not a letter or digit a space."""
    return " ".join(NOT_A_WORD.sub(" ", text.lower().replace("'", "").replace("\u2019", "")).split())


@lru_cache
def load_glossary(path: str) -> Glossary:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    answer_for_words: dict[str, str] = {}
    for term in data.get("terms") or []:
        for words in term["words"]:
            said, answer = normalise(str(words)), str(term["answer"])
            if answer_for_words.setdefault(said, answer) != answer:
                raise ValueError(f"data/glossary.yml: {words!r} is listed for two terms")
    return Glossary(answer_for_words, str(data["unknown_answer"]))


def explaining_answer(glossary: Glossary, message: str) -> str:
    """The answer key that explains the term in `message`: the longest of
    the glossary's words found whole in it (a plural "s" dropped if need
    be), or the answer for a word the assistant does not know."""
    words = normalise(message).split()
    best, best_length = glossary.unknown_answer, 0
    for start in range(len(words)):
        for end in range(len(words), start, -1):
            if end - start <= best_length:
                break
            phrase = " ".join(words[start:end])
            key = glossary.answer_for_words.get(phrase)
            if key is None and phrase.endswith("s"):
                key = glossary.answer_for_words.get(phrase[:-1])
            if key is not None:
                best, best_length = key, end - start
                break
    return best
