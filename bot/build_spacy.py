"""Build the project's own spaCy pipeline, which Rasa's SpacyNLP loads from a path.

No pretrained spaCy model can be downloaded where this runs, and none is needed:
the assistant's entities are a closed world (our hubs, our kinds of session,
days, postcodes, ages), so a blank English tokenizer plus an entity ruler fed
from the hub directory in ``data/demo`` does the job and stays in step with it.

Rasa lower-cases text before spaCy sees it, so every pattern matches lower case.

Run: ``python -m bot.build_spacy OUT_DIR`` (the Makefile does this).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import spacy
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent

DAY_WORDS = [
    "today", "tonight", "this morning", "this afternoon", "this evening",
    "tomorrow", "tmrw", "tmw", "tomoz", "2moro", "2morrow", "tommorow", "tomorow",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
    "mon", "tue", "tues", "weds", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "weekend", "the weekend", "weekends", "this weekend", "next weekend",
    "bank holiday", "bank holidays", "bank hol", "bank hols",
    "christmas", "xmas", "christmas eve", "christmas day", "xmas eve", "xmas day",
    "boxing day", "new year", "new years day", "new year's day", "new years eve",
    "easter", "good friday", "easter monday",
]

# "2 year old", "18 month old", "6 months", "3yo", "2 yr old", "10 weeks"
AGE_UNITS = r"(years?|yrs?|yr|y/o|yo|months?|mths?|mnths?|mos?|weeks?|wks?)"
AGE_PATTERNS = [
    [{"LIKE_NUM": True}, {"LOWER": {"REGEX": rf"^{AGE_UNITS}$"}}, {"LOWER": "old", "OP": "?"}],
    [{"LOWER": {"REGEX": rf"^\d{{1,2}}{AGE_UNITS}$"}}, {"LOWER": "old", "OP": "?"}],
    [{"LIKE_NUM": True}, {"LOWER": "-", "OP": "?"}, {"LOWER": {"REGEX": rf"^{AGE_UNITS}$"}},
     {"LOWER": "-", "OP": "?"}, {"LOWER": "old"}],
]

# A full UK postcode (any area), or an outward code alone for the areas we serve.
FULL_POSTCODE = [
    {"LOWER": {"REGEX": r"^[a-z]{1,2}\d[a-z\d]?$"}},
    {"LOWER": {"REGEX": r"^\d[a-z]{2}$"}},
]
JOINED_POSTCODE = [{"LOWER": {"REGEX": r"^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$"}}]


def load_directory(data_dir: Path) -> dict:
    with open(data_dir / "demo" / "borough.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# Aliases that are everyday words on their own ("can you send me..."); the
# longer aliases ("send group") still match.
AMBIGUOUS_ALONE = {"send", "sen", "massage", "messy", "youth", "dads", "toddlers"}


def _phrase(label: str, text: str, ident: str | None = None) -> dict:
    pattern = {"label": label, "pattern": text.lower()}
    if ident:
        pattern["id"] = ident
    return pattern


def directory_patterns(directory: dict) -> list[dict]:
    """Patterns for hubs, kinds of session and postcode areas, from the directory."""
    patterns: list[dict] = []
    for hub in directory["hubs"]:
        names = {hub["name"], *hub.get("aliases", [])}
        patterns += [_phrase("hub", name, hub["slug"]) for name in sorted(names)]
    for kind in directory.get("session_kinds", []):
        names = {kind["name"], *kind.get("aliases", [])} - AMBIGUOUS_ALONE
        patterns += [_phrase("session_kind", name, kind["key"]) for name in sorted(names)]
    areas = sorted({
        district.lower()
        for hub in directory["hubs"]
        for district in hub.get("postcode_districts", [])
    })
    if areas:
        patterns.append({"label": "postcode", "pattern": [{"LOWER": {"IN": areas}}]})
    return patterns


# Dates as families write them: "next tues", "16/12", "the 16th",
# "8th december", "dec 8". api/directory/days.py reads what these find.
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "mon", "tue", "tues", "weds", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"]
MONTH_WORDS = ["jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june",
               "jul", "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov",
               "november", "dec", "december"]
ORDINAL = {"REGEX": r"^\d{1,2}(st|nd|rd|th)$"}
DATE_PATTERNS = [
    [{"LOWER": {"IN": ["next", "this"]}}, {"LOWER": {"IN": WEEKDAYS}}],
    [{"TEXT": {"REGEX": r"^\d{1,2}/\d{1,2}(/\d{2,4})?$"}}],
    [{"LOWER": "the"}, {"LOWER": ORDINAL}],
    [{"LOWER": ORDINAL}, {"LOWER": "of", "OP": "?"}, {"LOWER": {"IN": MONTH_WORDS}}],
    [{"TEXT": {"REGEX": r"^\d{1,2}$"}}, {"LOWER": {"IN": MONTH_WORDS}}],
    [{"LOWER": {"IN": MONTH_WORDS}}, {"TEXT": {"REGEX": r"^\d{1,2}(st|nd|rd|th)?$"}}],
]


def fixed_patterns() -> list[dict]:
    """Patterns that do not depend on the directory: days, ages, postcodes."""
    patterns = [_phrase("day", word) for word in DAY_WORDS]
    patterns += [{"label": "day", "pattern": p} for p in DATE_PATTERNS]
    patterns += [{"label": "age", "pattern": p} for p in AGE_PATTERNS]
    patterns += [{"label": "postcode", "pattern": p} for p in (FULL_POSTCODE, JOINED_POSTCODE)]
    return patterns


def build(data_dir: Path) -> spacy.Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe(
        "entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True}
    )
    ruler.add_patterns(directory_patterns(load_directory(data_dir)) + fixed_patterns())
    nlp.meta["name"] = "familyhub_en"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Tokenizer and entity ruler for the family hub front door."
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, help="folder to write the pipeline to")
    parser.add_argument("--data", type=Path, default=REPO_ROOT / "data")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    build(args.data).to_disk(args.out)
    print(f"spaCy pipeline written to {args.out}")


if __name__ == "__main__":
    main()
