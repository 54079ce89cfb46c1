"""Checking what a family gave us: a UK mobile number, a booking number,
who is coming. Pure functions; refusals are `BookingProblem`s that carry
the content key of the family words to answer with."""

import re
from dataclasses import dataclass, field

from api.bookings.wording import age_range_words, age_words
from api.directory.models import HubSession

MAX_CHILDREN = 6  # per booking; a bigger group is asked to call the hub
MAX_ADULTS = 4
OLDEST_CHILD_MONTHS = 300
# A session "has an age range" (so we ask each child's age) unless it is for
# every age from birth to 18.
ALL_AGES_FROM_MONTHS = 216


class BookingProblem(Exception):
    """Something we cannot book (or find), with the words to say why.

    `key` names an answer in data/content/bookings.yml, `values` fill it in,
    `status` is the HTTP status the internal route answers with, and
    `detail` says what was wrong for developers (never a family's data).
    """

    def __init__(self, key: str, status: int = 422, detail: str = "", **values: object) -> None:
        super().__init__(detail or key)
        self.key, self.status, self.detail, self.values = key, status, detail or key, values


# --- phone numbers ---

# UK mobile numbers: 071-075 and 077-079, and 07624 (Isle of Man). 070 is
# "personal numbering" and 076 pagers: not mobiles.
UK_MOBILE = re.compile(r"\+447(?:[1-57-9]\d{8}|624\d{6})")


def uk_mobile(text: str | None) -> str | None:
    """"07700 900123", "+44 (0)7700-900123", "0044 7700 900123" ->
    "+447700900123"; None for landlines, foreign or malformed numbers."""
    raw = (text or "").strip()
    if not raw or len(raw) > 40 or re.search(r"[^0-9+()\-. ]", raw):
        return None
    raw = raw.replace("(0)", "")
    digits = re.sub(r"[()\-. ]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "+" + digits
    elif digits.startswith("0"):
        digits = "+44" + digits[1:]
    if "+" in digits[1:]:
        return None
    return digits if UK_MOBILE.fullmatch(digits) else None


# --- booking numbers and families ---

REFERENCE_IN_TEXT = re.compile(r"(?<![a-z0-9])f\s*h[\s\-]*(\d(?:[\s\-]?\d){5})(?![\s\-]?\d)", re.IGNORECASE)


def find_reference(text: str | None) -> str | None:
    """The booking number in any text: "fh-482 913" -> "FH482913"."""
    match = REFERENCE_IN_TEXT.search(text or "")
    return "FH" + re.sub(r"\D", "", match.group(1)) if match else None


def family_key(conversation_id: str) -> str:
    """The conversation id without its episode: a family's bookings are
    found again in a later conversation."""
    head, dash, _episode = (conversation_id or "").rpartition("-")
    return head if dash and head else (conversation_id or "")


# --- who is coming ---

@dataclass(frozen=True)
class Party:
    children: int
    child_ages_months: list[int] = field(default_factory=list)
    adults: int = 1

    @property
    def is_empty(self) -> bool:
        return self.children == 0 and self.adults == 0


def has_age_range(hub_session: HubSession) -> bool:
    return hub_session.min_age_months > 0 or hub_session.max_age_months < ALL_AGES_FROM_MONTHS


def ages_needed(hub_session: HubSession) -> bool:
    return bool(hub_session.asks_children) and has_age_range(hub_session)


def _count(value: object) -> int | None:
    """A whole number of people, or None (bools, text, fractions are not)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def check_party(hub_session: HubSession, children: object, child_ages_months: object, adults: object,
                hub_phone: str) -> tuple[Party, int]:
    """Who is coming, checked against the session; and how many places that
    takes (one per child, or one per adult when the session asks for no
    children). Raises BookingProblem with the words to say."""
    grown_ups = _count(1 if adults is None else adults)
    if grown_ups is None or grown_ups < 1:
        raise BookingProblem("booking_adults_needed", detail="adults: at least 1")
    if grown_ups > MAX_ADULTS:
        raise BookingProblem("booking_too_many_adults", detail=f"adults: at most {MAX_ADULTS}",
                             most=MAX_ADULTS, hub=hub_session.hub.name, phone=hub_phone)
    if not hub_session.asks_children:
        return Party(0, [], grown_ups), grown_ups

    kids = _count(children)
    if kids is None or kids < 1:
        raise BookingProblem("booking_no_children", detail="children: at least 1")
    if kids > MAX_CHILDREN:
        raise BookingProblem("booking_too_many_children", detail=f"children: at most {MAX_CHILDREN}",
                             most=MAX_CHILDREN, hub=hub_session.hub.name, phone=hub_phone)
    ages = child_ages_months if child_ages_months is not None else []
    if not isinstance(ages, list) or any(_count(a) is None or not 0 <= a <= OLDEST_CHILD_MONTHS for a in ages):
        raise BookingProblem("booking_ages_needed", detail="child_ages_months: whole months, 0 to 300")
    if has_age_range(hub_session):
        if len(ages) != kids:
            raise BookingProblem("booking_ages_needed", detail="child_ages_months: one age for each child")
        for age in ages:
            if not hub_session.min_age_months <= age <= hub_session.max_age_months:
                raise BookingProblem(
                    "booking_ages_outside", detail="child_ages_months: outside the session's ages",
                    title=hub_session.title, child_age=age_words(age),
                    ages=age_range_words(hub_session.min_age_months, hub_session.max_age_months))
    elif len(ages) > kids:
        raise BookingProblem("booking_ages_needed", detail="child_ages_months: more ages than children")
    return Party(kids, list(ages), grown_ups), kids
