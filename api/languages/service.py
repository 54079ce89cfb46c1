"""Which language a family writes in, so the assistant can answer in it.

The turn (api/turns/turn.py) works it out on every message:
1. a message that chooses a language ("English please", "po polsku") sets it;
2. else a message the detector is sure of (LANGUAGE_MIN_CONFIDENCE, and long
   enough to judge: "ok" or "tak" could be anything) sets it;
3. else the conversation keeps the language it had (English to start).
It is remembered in Redis for the Rasa conversation (its sender id, a
pseudonym), for as long as the conversation lasts, and goes to Rasa with each
message (metadata "language"); the api answers Rasa and the actions in that
language wherever comms have words for it (api/content/translations.py).
The message's own language, when clear, goes too ("written_in"): Rasa's
intent classifier learnt English only and does not guess at other languages
(bot/components.py UntrainedLanguageCheck).

The detector is lingua-language-detector, which ships its models in the
package: no download at run time.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml
from lingua import Language as Detected
from lingua import LanguageDetectorBuilder
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.settings import REPO_ROOT, Settings
from api.turns.conversation import episode_key, pseudonym

LANGUAGES_FILE = REPO_ROOT / "data" / "languages.yml"
ENGLISH = "en"
# Fewer letters or words than this, in the Latin alphabet, say too little to
# judge ("ok", "tak", "hi", and a name: "Agnieszka Kowalska" given in an
# English conversation must not turn it Polish). Other scripts say more in
# fewer letters: a couple of Bengali or Cyrillic letters rule most languages out.
MIN_LATIN_LETTERS = 12
MIN_LATIN_WORDS = 3
MIN_OTHER_LETTERS = 2
# A message longer than this that names a language is about something else
# ("my polish neighbour told me about the hub").
MAX_WORDS_TO_CHOOSE = 5
KEY_PREFIX = "language:"


@dataclass(frozen=True)
class FamilyLanguage:
    code: str
    name: str  # in English, for staff
    own_name: str  # in its own words, for families
    detector: str
    choose: tuple[str, ...]


@functools.lru_cache(maxsize=4)
def load_languages(path: Path = LANGUAGES_FILE) -> dict[str, FamilyLanguage]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["languages"]
    return {code: FamilyLanguage(code, entry["name"], entry["own_name"], entry["detector"],
                                 tuple(_words(phrase) for phrase in entry.get("choose") or ()))
            for code, entry in data.items()}


@functools.lru_cache(maxsize=4)
def _with_choice(path: Path = LANGUAGES_FILE) -> frozenset[str]:
    """Words that may come with a choice of language ("please", "in")."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(word for phrase in data.get("with_choice") or () for word in _words(str(phrase)).split())


def switched_on(settings: Settings) -> dict[str, FamilyLanguage]:
    """The languages LANGUAGES switches on, English first; an unknown code is left out."""
    known = load_languages()
    return {code: known[code] for code in settings.language_codes if code in known}


def language_name(code: str | None) -> str:
    """The language's name in English ("Polish"), for staff pages."""
    known = load_languages()
    return known[code].name if code in known else (code or "")


def _words(text: str) -> str:
    """Lower case, accents off, punctuation as spaces, one space between words."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch) or ord(ch) > 0x36F)
    return " ".join("".join(ch if unicodedata.category(ch)[0] in "LNM" else " " for ch in text).split())


def chosen_language(text: str, languages: dict[str, FamilyLanguage]) -> str | None:
    """The language a short message asks for ("English please", "po polsku
    prosze"), or None: also when it says more than that ("english classes")."""
    words = _words(text).split()
    if not words or len(words) > MAX_WORDS_TO_CHOOSE:
        return None
    for code, language in languages.items():
        for phrase in (phrase.split() for phrase in language.choose):
            for start in range(len(words) - len(phrase) + 1):
                rest = words[:start] + words[start + len(phrase):]
                if words[start:start + len(phrase)] == phrase and set(rest) <= _with_choice():
                    return code
    return None


@functools.lru_cache(maxsize=4)
def _detector(names: tuple[str, ...]):
    # Every model loaded now (about 26 MB a language), not on a family's
    # first message (1.5 s). lingua's low accuracy mode needs 17 MB in all,
    # but took 12 of the 1,944 English training examples for Polish or
    # Romanian, which would switch an English family's answers.
    languages = (getattr(Detected, name) for name in names)
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def _detector_for(languages: dict[str, FamilyLanguage]):
    return _detector(tuple(sorted(language.detector for language in languages.values())))


def warm_up(settings: Settings) -> None:
    """Load the detector's models before the first family writes: at start-up,
    and in the SMS workers' parent process, whose forked workers then share them."""
    languages = switched_on(settings)
    if len(languages) > 1:
        _detector_for(languages)


def detected_language(text: str, languages: dict[str, FamilyLanguage], min_confidence: float) -> str | None:
    """The language the detector is at least `min_confidence` sure of, or
    None (too short to judge, or not sure)."""
    if len(languages) < 2:
        return None
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum(1 for ch in letters if ord(ch) <= 0x24F)
    if len(letters) - latin < MIN_OTHER_LETTERS and (latin < MIN_LATIN_LETTERS
                                                      or len(text.split()) < MIN_LATIN_WORDS):
        return None
    by_name = {language.detector: code for code, language in languages.items()}
    best = _detector_for(languages).compute_language_confidence_values(text)[0]
    return by_name.get(best.language.name) if best.value >= min_confidence else None


def language_key(sender: str) -> str:
    return f"{KEY_PREFIX}{sender}"


def language_pattern(pseudonym_hex: str) -> str:
    """Every conversation's remembered language for one family, as a Redis pattern."""
    return f"{KEY_PREFIX}{pseudonym_hex}-*"


async def forget_languages(redis: Redis, pseudonym_hex: str) -> int:
    """Forget the language of every conversation of this family; how many went."""
    names = [name async for name in redis.scan_iter(match=language_pattern(pseudonym_hex), count=500)]
    return await redis.delete(*names) if names else 0


@dataclass(frozen=True)
class TurnLanguage:
    answer_in: str  # the conversation's language: answers come in it where comms have words
    written_in: str | None  # this message's language, when it is clear; None when it is not
    chosen: bool = False  # the message only chose the language ("po polsku")


async def language_for_turn(redis: Redis, settings: Settings, sender: str, text: str) -> TurnLanguage:
    """The language this message is written in, if clear, and the one to
    answer it in, remembered for the conversation."""
    languages = switched_on(settings)
    chosen = chosen_language(text, languages)
    found = chosen or detected_language(text, languages, settings.language_min_confidence)
    key = language_key(sender)
    if found:
        await redis.set(key, found, ex=settings.conversation_quiet_seconds)
        return TurnLanguage(found, found, chosen=chosen is not None)
    remembered = await remembered_language(redis, sender)
    if remembered in languages:
        await redis.expire(key, settings.conversation_quiet_seconds)
        return TurnLanguage(remembered, None)
    return TurnLanguage(ENGLISH, None)


async def remembered_language(redis: Redis, sender: str) -> str | None:
    """The language this conversation is answered in, if one was set."""
    remembered = await redis.get(language_key(sender))
    return None if remembered is None else _text(remembered)


def conversation_language(redis, settings: Settings, subject: str) -> str | None:
    """For the SMS side's blocking Redis: the language of the current
    conversation of `subject` (a phone number), or None (none set, no
    conversation going, or Redis away: then the English is said)."""
    if not settings.pseudonym_key:
        return None
    hashed = pseudonym(settings.pseudonym_key, subject)
    try:
        episode = redis.get(episode_key(hashed))
        code = redis.get(language_key(f"{hashed}-{_text(episode)}")) if episode is not None else None
    except RedisError:
        return None
    return _text(code) if code is not None and _text(code) in switched_on(settings) else None


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
