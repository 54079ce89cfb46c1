"""Turn a child's age as a family writes it into a range of months."""

import re
from dataclasses import dataclass

NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "half": 0,
}

# Words for a stage of childhood, as (min_months, max_months).
STAGE_WORDS = [
    (["newborn", "new born", "new baby"], 0, 2),
    (["baby", "babies", "bubba", "infant", "little one"], 0, 12),
    (["toddler", "toddlers"], 12, 36),
    (["preschool", "pre school", "pre-schooler", "preschooler"], 36, 60),
    (["teenager", "teenagers", "teen", "teens", "young person", "young people"], 156, 228),
]


@dataclass(frozen=True)
class AgeRange:
    min_months: int
    max_months: int

    def overlaps(self, min_months: int, max_months: int) -> bool:
        return self.min_months <= max_months and self.max_months >= min_months


def parse_age(text: str | None) -> AgeRange | None:
    """The age range meant by "2 year old", "18 month old", "my 3yo", "baby"...

    "2 year old" means 24 to 35 months. None if empty or not understood.
    """
    cleaned = (text or "").lower().replace("-", " ")
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if not cleaned:
        return None
    number = r"(\d{1,2}(?:\.5)?|" + "|".join(NUMBER_WORDS) + r")"
    match = re.search(number + r" ?(?:and a half )?(y|yr|yrs|year|years|yo|m|mo|mth|mths|month|months|w|wk|wks|week|weeks)\b", cleaned)
    if match:
        raw, unit = match.group(1), match.group(2)
        value = float(raw) if raw[0].isdigit() else float(NUMBER_WORDS[raw])
        if "and a half" in match.group(0):
            value += 0.5
        if unit.startswith("w"):
            months = int(value * 7 // 30)
            return AgeRange(months, months)
        if unit.startswith("m"):
            return AgeRange(int(value), int(value))
        months = int(value * 12)
        return AgeRange(months, months + (11 if value == int(value) else 5))
    for words, low, high in STAGE_WORDS:
        if any(re.search(rf"\b{re.escape(word)}\b", cleaned) for word in words):
            return AgeRange(low, high)
    match = re.fullmatch(r"(?:my |aged |age )?(\d{1,2})", cleaned)
    if match:
        years = int(match.group(1))
        return AgeRange(years * 12, years * 12 + 11)
    return None
