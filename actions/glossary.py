"""Which glossary answer explains the word a family asked about.

The words and their explanations are answers in data/content/glossary.yml
(keys `meaning_*`, each with the `terms` families write), so comms can add a
word there and edit the explanation in the content editor."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

GLOSSARY_FILE = Path(__file__).resolve().parent.parent / "data" / "content" / "glossary.yml"
UNKNOWN = "meaning_unknown"


@lru_cache(maxsize=1)
def _terms() -> Dict[str, str]:
    """term -> answer key, for every term of every glossary answer."""
    data = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return {_plain(term): answer["key"] for answer in data["answers"] for term in answer.get("terms") or []}


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", (text or "").lower().replace("'", "")).split())


def answer_key(text: str) -> str:
    """The answer for the longest glossary term in the message, else the
    "I don't know that word" answer."""
    padded = f" {_plain(text)} "
    found = [term for term in _terms() if f" {term} " in padded]
    if not found:
        return UNKNOWN
    return _terms()[max(found, key=len)]
