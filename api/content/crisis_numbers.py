"""The phone numbers each crisis answer must give, from
`data/safety/crisis_numbers.yml`.

Pure functions, no database, like the plain language checks that use
them: a crisis answer that leaves out one of its numbers (in the text
message or the web chat answer) cannot be published in the content
editor, and fails the tests over data/content/.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SHIPPED_CRISIS_NUMBERS = Path(__file__).resolve().parents[2] / "data" / "safety" / "crisis_numbers.yml"

# Runs of digits with spaces, non-breaking spaces or hyphens between them:
# "0808 2000 247", "116-123". Each run is one number as a reader sees it.
_DIGIT_RUN = re.compile(r"\d(?:[\s\u00a0-]*\d)*")


@dataclass(frozen=True)
class RequiredNumber:
    number: str  # as families should see it: "116 123"
    who: str  # who answers it: "Samaritans"

    @property
    def digits(self) -> str:
        return digits_only(self.number)

    def shown(self) -> str:
        return f"{self.number} ({self.who})" if self.who else self.number


@dataclass(frozen=True)
class CrisisNumbers:
    answers: dict[str, tuple[RequiredNumber, ...]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)

    def required(self, key: str | None) -> tuple[RequiredNumber, ...]:
        return self.answers.get(key or "", ())

    def missing(self, text: str | None, key: str | None) -> list[RequiredNumber]:
        """The numbers answer `key` must give that `text` does not."""
        return missing_numbers(text, self.required(key))

    def message(self, where: str, missing: list[RequiredNumber]) -> str:
        """What the editor tells the comms officer, naming the missing numbers."""
        shown = [number.shown() for number in missing]
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
        template = self.messages["missing_one" if len(missing) == 1 else "missing_many"]
        return " ".join(template.format(where=where, missing=listed).split())


def digits_only(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def numbers_in(text: str | None) -> set[str]:
    """Every number in the text, as digits only: "Call 116 123 or 999" gives
    {"116123", "999"}. Spaces inside a number do not matter."""
    return {digits_only(run) for run in _DIGIT_RUN.findall(text or "")}


def gives_number(text: str | None, number: str) -> bool:
    """True if the text gives this number, whatever the spaces: "116123" and
    "116 123" are the same. The whole number must stand alone, so "999" is
    not found inside "01632 960999"."""
    return digits_only(number) in numbers_in(text)


def missing_numbers(text: str | None, required: Sequence[RequiredNumber]) -> list[RequiredNumber]:
    """The required numbers the text does not give, in the order listed."""
    found = numbers_in(text)
    return [number for number in required if number.digits not in found]


def load_crisis_numbers(path: Path | str = SHIPPED_CRISIS_NUMBERS) -> CrisisNumbers:
    """Read the file. A number with no digits, or an answer with no
    numbers, is a mistake in the file: refused, so it is never silently
    dropped."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    answers: dict[str, tuple[RequiredNumber, ...]] = {}
    for key, items in (data.get("answers") or {}).items():
        numbers = []
        for item in items or []:
            item = item if isinstance(item, dict) else {"number": item}
            number = RequiredNumber(number=str(item.get("number", "")).strip(), who=str(item.get("who") or "").strip())
            if not number.digits:
                raise ValueError(f"{path}: {key} has a number with no digits: {item!r}")
            numbers.append(number)
        if not numbers:
            raise ValueError(f"{path}: {key} lists no numbers")
        answers[str(key)] = tuple(numbers)
    messages = dict(data.get("messages") or {})
    for needed in ("missing_one", "missing_many"):
        if needed not in messages:
            raise ValueError(f"{path}: messages needs {needed}")
    return CrisisNumbers(answers=answers, messages=messages)
