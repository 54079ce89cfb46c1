"""Reading the family's short answers: yes or no, text or call, a phone
number, a first name. Pure functions, so they are easy to test; the words
they look for are in ``data/yes_no_words.yml``."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "yes_no_words.yml"
NAME_PREFIXES = re.compile(r"^(?:my name is|my names|my name's|name is|its|it's|im|i'm|i am|call me|this is)\s+", re.I)


@lru_cache(maxsize=1)
def _words() -> Dict[str, List[str]]:
    return yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", (text or "").lower()).split())


def yes_or_no(text: str) -> Optional[bool]:
    """True for a clear yes, False for a clear no, None for anything else.
    "Yes that is fine." is a yes; "yes but not now" is neither."""
    plain = _plain(text)
    words = _words()
    if plain in words["say_yes"]:
        return True
    if plain in words["say_no"]:
        return False
    if len(plain.split()) > words["plain_most_words"]:
        return None
    for starts, flips, answer in ((words["starts_yes"], words["not_plain"], True),
                                  (words["starts_no"], words["not_plain_no"], False)):
        opener = next((w for w in sorted(starts, key=len, reverse=True)
                       if plain == w or plain.startswith(w + " ")), None)
        if opener and not _has_any(plain[len(opener):], flips):
            return answer
    return None


def _has_any(plain: str, phrases: List[str]) -> bool:
    padded = f" {plain} "
    return any(f" {phrase} " in padded for phrase in phrases)


def unsure(text: str) -> bool:
    """"im not sure", "what will you share": neither a yes nor a no."""
    return _has_any(_plain(text), _words()["unsure"])


def means_this_number(text: str) -> bool:
    """"this one", "the number im texting from": use the number they text from."""
    plain = _plain(text)
    return any(plain == p or plain.startswith(p + " ") or plain.endswith(" " + p)
               for p in _words()["this_number"])


def text_or_call(text: str) -> Optional[str]:
    words = set(_plain(text).split())
    phrases = _plain(text)
    wants_call = any(w in words or (" " in w and w in phrases) for w in _words()["say_call"])
    wants_text = any(w in words or (" " in w and w in phrases) for w in _words()["say_text"])
    if wants_call == wants_text:
        return None
    return "call" if wants_call else "text"


PHONE_IN_WORDS = re.compile(r"(?:\+44|0044|\(?0)[\d\s\-().]{8,16}\d")


def uk_phone(text: str) -> Optional[str]:
    """A UK mobile or landline number written in the usual way, or None.
    A number with words around it ("07700 900123 dont text it") is found
    too; what else was said goes to the api with the request."""
    found = _whole_uk_phone(text)
    if found is None:
        match = PHONE_IN_WORDS.search(text or "")
        found = _whole_uk_phone(match.group(0)) if match else None
    return found


def _whole_uk_phone(text: str) -> Optional[str]:
    digits = re.sub(r"[\s\-().]", "", text or "")
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"0[1237]\d{9}", digits):
        return None
    return f"{digits[:5]} {digits[5:]}"


def first_name(text: str) -> Optional[str]:
    """What the family asked to be called: "its jo" -> "Jo". None for an
    answer that is plainly not a name ("yes", "this one")."""
    name = NAME_PREFIXES.sub("", " ".join((text or "").split())).strip(" .!,")
    if not name or len(name) > 40 or any(ch.isdigit() for ch in name):
        return None
    if _plain(name) in _words()["not_a_name"] or yes_or_no(name) is not None:
        return None
    return " ".join(part[:1].upper() + part[1:] for part in name.split()[:3])


def uk_mobile(text: str) -> Optional[str]:
    """A UK mobile number (07..., +447...), for texts; None for anything else."""
    phone = uk_phone(text)
    if phone is None or not re.fullmatch(r"07[1-57-9]\d{2} \d{6}", phone):
        return None
    return phone


NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "both": 2, "twins": 2,
}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5}


def _digits_for_words(text: str) -> str:
    plain = _plain(text)
    for word, number in NUMBER_WORDS.items():
        plain = re.sub(rf"\b{word}\b", str(number), plain)
    return plain


def option_number(text: str, how_many: int) -> Optional[int]:
    """Which item of a numbered list of `how_many` the family chose (1-based):
    "2", "number 2", "the second one", "the last one"; None if unclear."""
    plain = re.sub(r"\b(first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th) one\b", r"\1", _plain(text))
    chosen = [number for word, number in ORDINALS.items() if re.search(rf"\b{word}\b", plain)]
    if re.search(r"\blast\b", plain):
        chosen.append(how_many)
    chosen += [int(n) for n in re.findall(r"\b(\d{1,2})\b", _digits_for_words(plain))]
    if len(set(chosen)) != 1 or not 1 <= chosen[0] <= how_many:
        return None
    return chosen[0]


AGE_PART = re.compile(
    r"\b(\d{1,2})\s*(months?|mths?|mnths?|m\b|weeks?|wks?|years?|yrs?|yr|y|yo)?(?:\s*old)?\b")


def months(number: int, unit: str) -> int:
    """An age as months: "18 months", "6 weeks", "3" or "3 years"."""
    if unit.startswith("m"):
        return number
    if unit.startswith("w"):
        return number // 4
    return number * 12


def party_of_children(text: str) -> Tuple[Optional[int], List[int]]:
    """How many children, and their ages in months, from an answer like
    "2, aged 1 and 3", "one, 6 months" or "3". Ages without a unit are years.
    The count is None when there is no number at all."""
    parts = [(int(n), (unit or "").lower()) for n, unit in AGE_PART.findall(_digits_for_words(text))]
    if not parts:
        return None, []

    first, first_unit = parts[0]
    if len(parts) == 1:
        return (1, [months(first, first_unit)]) if first_unit else (first, [])
    if first_unit:  # "18 months and 3 years": every number is an age
        return len(parts), [months(n, u) for n, u in parts]
    return first, [months(n, u) for n, u in parts[1:]]


def ages_only(text: str) -> List[int]:
    """Every number as an age in months ("3 and 5", "18 months and 4"), for
    an answer to "And how old are they?". Ages without a unit are years."""
    counted = re.sub(r"\b(?:both|twins|a couple of)\b", " ", _plain(text))  # "both 3" is one age
    return [months(int(n), (unit or "").lower()) for n, unit in AGE_PART.findall(_digits_for_words(counted))]


def how_many_adults(text: str) -> Optional[int]:
    """Grown ups coming: a number, or "just me" / "me and my partner"."""
    plain = _plain(text)
    numbers = [int(n) for n in re.findall(r"\b(\d{1,2})\b", _digits_for_words(plain))]
    if len(numbers) == 1:
        return numbers[0]
    if numbers:
        return None
    if re.search(r"\b(?:me|i) (?:and|&) (?:my|the|his|her)\b|\bboth of us\b|\bus 2\b", plain):
        return 2
    if re.search(r"\b(?:just|only) (?:me|myself|mum|dad|1)\b|^(?:me|myself|mum|dad|i am|im)$", plain):
        return 1
    return None
