"""Words the assistant listens for beside the classifier (data/family_words.yml):
a request for a person made in the same breath as a worry, and a family who
sounds upset. Pure functions, so they are easy to test."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "family_words.yml"


@lru_cache(maxsize=1)
def _words() -> Dict[str, List[str]]:
    return yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


def _padded(text: str) -> str:
    return " " + " ".join(re.sub(r"[^\w\s']", " ", (text or "").lower()).split()) + " "


def _says_any(text: str, phrases: List[str]) -> bool:
    padded = _padded(text)
    return any(f" {phrase} " in padded for phrase in phrases)


def asks_for_a_person(text: str) -> bool:
    return _says_any(text, _words()["asks_for_a_person"])


def asks_to_delete(text: str) -> bool:
    return _says_any(text, _words()["asks_to_delete"])


def sounds_upset(text: str) -> bool:
    return _says_any(text, _words()["sounds_upset"])
