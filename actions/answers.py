"""Reading the family's short answers: yes or no, text or call, a phone
number, a first name. Pure functions, so they are easy to test; the words
they look for are in ``data/yes_no_words.yml``."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "yes_no_words.yml"
NAME_PREFIXES = re.compile(r"^(?:my name is|my names|my name's|name is|its|it's|im|i'm|i am|call me|this is)\s+", re.I)


@lru_cache(maxsize=1)
def _words() -> Dict[str, List[str]]:
    return yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", (text or "").lower()).split())


def yes_or_no(text: str) -> Optional[bool]:
    """True for a clear yes, False for a clear no, None for anything else."""
    plain = _plain(text)
    if plain in _words()["say_yes"]:
        return True
    if plain in _words()["say_no"]:
        return False
    return None


def text_or_call(text: str) -> Optional[str]:
    words = set(_plain(text).split())
    phrases = _plain(text)
    wants_call = any(w in words or (" " in w and w in phrases) for w in _words()["say_call"])
    wants_text = any(w in words or (" " in w and w in phrases) for w in _words()["say_text"])
    if wants_call == wants_text:
        return None
    return "call" if wants_call else "text"


def uk_phone(text: str) -> Optional[str]:
    """A UK mobile or landline number written in the usual way, or None."""
    digits = re.sub(r"[\s\-().]", "", text or "")
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"0[1237]\d{9}", digits):
        return None
    return f"{digits[:5]} {digits[5:]}"


def first_name(text: str) -> Optional[str]:
    """What the family asked to be called: "its jo" -> "Jo"."""
    name = NAME_PREFIXES.sub("", " ".join((text or "").split())).strip(" .!,")
    if not name or len(name) > 40 or any(ch.isdigit() for ch in name):
        return None
    return " ".join(part[:1].upper() + part[1:] for part in name.split()[:3])
