"""What the editor shows beside an answer as it is typed: the plain
language checks (api/content/plain_language.py, the same ones the tests
run over data/content/), figures for each text, and the previews.

A template is checked and previewed with its example values filled in.
"""

from dataclasses import asdict, dataclass

from api.content.plain_language import (
    Problem, Rules, check_answer, fill_template, gsm7_problems, jargon, long_sentences, reading_ease,
    shipped_rules, sms_length,
)


@dataclass(frozen=True)
class TextFigures:
    characters: int
    reading_ease: float | None  # None when the text is too short to score
    reading_age: int | None
    long_sentences: int
    jargon: int
    # SMS only
    encoding: str = ""
    segments: int = 0
    room_left: int = 0  # characters left before another text is needed
    special_characters: list[str] | None = None


@dataclass(frozen=True)
class AnswerReport:
    problems: list[Problem]
    sms: TextFigures
    web: TextFigures
    sms_preview: str
    web_preview: str

    @property
    def hard(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "hard"]

    @property
    def soft(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "soft"]

    @property
    def can_publish(self) -> bool:
        return not self.hard

    def as_dict(self) -> dict:
        return {"can_publish": self.can_publish, "problems": [p.as_dict() for p in self.problems],
                "sms": asdict(self.sms), "web": asdict(self.web),
                "previews": {"sms": self.sms_preview, "web": self.web_preview}}


def _figures(text: str, where: str, rules: Rules) -> TextFigures:
    ease = reading_ease(text, rules) if text.strip() else None
    scored = ease is not None and ease.enough_words
    common = dict(characters=len(text), reading_ease=ease.score if scored else None,
                  reading_age=ease.reading_age if scored else None,
                  long_sentences=len(long_sentences(text, rules)), jargon=len(jargon(text, rules)))
    if where != "sms":
        return TextFigures(**common)
    length = sms_length(text, rules)
    capacity = length.single_limit if length.segments <= 1 else length.part_limit * length.segments
    return TextFigures(**common, encoding=length.encoding, segments=length.segments,
                       room_left=max(0, capacity - length.units),
                       special_characters=[c.shown_as for c in gsm7_problems(text, rules)])


def answer_report(key: str, sms: str, web: str, placeholders: dict | None,
                  rules: Rules | None = None) -> AnswerReport:
    """Every check for an answer as typed, with figures and previews."""
    rules = rules or shipped_rules()
    sms, web = (sms or "").replace("\r\n", "\n"), (web or "").replace("\r\n", "\n")
    problems = check_answer(sms, web, rules, key=key, placeholders=placeholders)
    sms_filled, _ = fill_template(sms, placeholders, "sms", rules)
    web_filled, _ = fill_template(web, placeholders, "web", rules)
    return AnswerReport(problems=problems, sms=_figures(sms_filled, "sms", rules),
                        web=_figures(web_filled, "web", rules), sms_preview=sms_filled, web_preview=web_filled)
