"""Booking a place at a drop-in session, as service functions for the
action server's routes (see docs/contracts.md "Drop-in booking").

Each function that changes something is one transaction (it commits), so
a route or a test calls one function and the change is whole. Refusals
are `BookingProblem`s carrying the family words to answer with; nothing is
written when one is raised. Family words come from
data/content/bookings.yml. Logs carry booking numbers and counts only.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from api.bookings.checks import (
    BookingProblem, ages_needed, check_party, family_key, find_reference, uk_mobile,
)
from api.bookings.models import NUMBER_CHECK, Booking, ConversationContact, SessionDate
from api.bookings.reminders import gets_reminder
from api.bookings.slots import (
    BOOK_AHEAD_DAYS, WAIT_PREFIX, Slot, begin_write, ensure_session_date, find_slot, load_slot, release_places,
    slots_for, take_places, upcoming_slots,
)
from api.bookings.wording import (
    full_date, hub_address, list_length, numbered, numbers_to_reply, say, session_label, session_on_day,
)
from api.content.service import render
from api.crypto import cipher, phone_hash
from api.directory.days import parse_day
from api.directory.models import HubSession, SessionKind
from api.directory.service import front_door, hub_for_postcode, hub_not_found, postcode_not_served, upcoming_sessions
from api.directory.timetable import local
from api.directory.wording import family_day, family_list, family_time
from api.outbox.service import queue_text

log = logging.getLogger("api.bookings")

# How far ahead to look for sessions like a full one.
SIMILAR_DAYS = 21
OPEN_STATUSES = ("booked", "waiting")
# A YES from a phone confirms its number for bookings made this recently.
NUMBER_CHECK_DAYS = 7


@dataclass(frozen=True)
class BookingLimits:
    """What one chat, one number, one waiting list and the chats of one
    address may take (settings BOOKING_MAX_PER_BROWSER_PER_DAY,
    BOOKING_MAX_PER_NUMBER, BOOKING_WAITING_LIST_MAX,
    BOOKING_MAX_PER_ADDRESS_PER_DAY; these defaults are theirs)."""

    per_browser_per_day: int = 5
    per_number: int = 6
    waiting_list: int = 10
    per_address_per_day: int = 20

    @classmethod
    def from_settings(cls, settings) -> "BookingLimits":
        return cls(settings.booking_max_per_browser_per_day, settings.booking_max_per_number,
                   settings.booking_waiting_list_max, settings.booking_max_per_address_per_day)


# --- results ---

@dataclass
class Choice:
    """One numbered choice: an occurrence (or `wait:<occurrence>`) and its label."""

    id: str
    label: str
    booking_required: bool = True
    full: bool = False

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "booking_required": self.booking_required, "full": self.full}


class BookingFull(BookingProblem):
    """The last places went (409): `choices` are other dates or sessions."""

    def __init__(self, key: str, choices: list[Choice], **values: object) -> None:
        super().__init__(key, 409, "full: no places left", **values)
        self.choices = choices


@dataclass
class BookingResult:
    booking: Booking
    texts: list[str]
    created: bool  # False for a repeated Idempotency-Key (or a place already held)


@dataclass
class Found:
    bookings: list[Booking]
    texts: list[str]


def problem_texts(session: Session, problem: BookingProblem, channel: str) -> list[str]:
    return [render(session, problem.key, _channel(channel), **problem.values)]


def _channel(channel: str | None) -> str:
    return "sms" if channel == "sms" else "web"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _today(now: datetime) -> date:
    return local(now).date()


def _hub_phone(hub_session: HubSession) -> str:
    return hub_session.hub.phone


# --- labels and choices ---

def choice_label(slot: Slot, today: date) -> str:
    label = session_label(slot.hub_session, slot.day, today)
    if not slot.hub_session.booking_required:
        return say("label_drop_in", label=label)
    if slot.full:
        return say("label_full", label=label)
    return label


def _choice(slot: Slot, today: date) -> Choice:
    return Choice(slot.occurrence, choice_label(slot, today), bool(slot.hub_session.booking_required), slot.full)


def _wait_choice(slot: Slot, today: date) -> Choice:
    return Choice(WAIT_PREFIX + slot.occurrence,
                  say("wait_label", session_name=session_on_day(slot.hub_session, slot.day, today)))


def _list_text(session: Session, channel: str, key: str, choices: list[Choice], **values) -> str:
    return render(session, key, channel, options=numbered([c.label for c in choices]),
                  numbers=numbers_to_reply(len(choices)), **values)


def booking_options(session: Session, *, day: str | None, hub: str | None, kind: str | None, age: str | None,
                    now: datetime, channel: str, postcode: str | None = None) -> tuple[list[Choice], list[str]]:
    """Upcoming sessions matching what the family asked, as a numbered list.
    A postcode ("near FB2") stands for the hub that serves it."""
    channel = _channel(channel)
    if postcode and postcode.strip() and not (hub and hub.strip()):
        nearest = hub_for_postcode(session, postcode)
        if nearest is None:
            return [], postcode_not_served(session, postcode, channel)
        hub = nearest.slug
    search = upcoming_sessions(session, day_text=day, hub_text=hub, kind_text=kind, age_text=age, now=now,
                               limit=50)
    if search.unknown_hub:
        return [], hub_not_found(session, search.unknown_hub, channel)
    if search.unknown_kind:
        kinds = [k.name for k in session.scalars(select(SessionKind).order_by(SessionKind.id))]
        return [], [render(session, "sessions_kind_not_found", channel, kind_text=search.unknown_kind,
                           kind_names=family_list(kinds))]
    today = _today(now)
    pairs = [(o.hub_session, o.starts_at.date()) for o in search.occurrences]
    slots = [s for s in slots_for(session, pairs)
             if not s.cancelled and not (s.hub_session.booking_required and s.has_started(now))]
    choices = [_choice(slot, today) for slot in slots[:list_length(channel)]]
    phone = front_door(session).phone
    if not choices:
        if search.day:
            when = family_list([family_day(d, today, search.day.evening) for d in search.day.dates])
            return [], [render(session, "booking_options_none_day", channel, day=when, phone=phone)]
        return [], [render(session, "booking_options_none", channel, phone=phone)]
    key = "booking_option_one" if len(choices) == 1 else "booking_options"
    return choices, [_list_text(session, channel, key, choices)]


def waiting_list_full(session: Session, slot: Slot, limits: BookingLimits) -> bool:
    """The date's waiting list has as many families as it may."""
    if slot.session_date_id is None:
        return False
    waiting = session.scalar(select(func.count(Booking.id)).where(
        Booking.session_date_id == slot.session_date_id, Booking.status == "waiting")) or 0
    return waiting >= limits.waiting_list


def similar_choices(session: Session, slot: Slot, now: datetime, channel: str,
                    with_waiting_list: bool = True, limits: BookingLimits = BookingLimits()) -> list[Choice]:
    """For a full slot: later dates of the same session with room, then
    sessions of the same kind (for the same ages) elsewhere, then the
    waiting list when the hub keeps one and it has room."""
    today = _today(now)
    hub_session = slot.hub_session
    room = list_length(channel)
    wait = with_waiting_list and bool(hub_session.waiting_list) and not waiting_list_full(session, slot, limits)
    room -= 1 if wait else 0
    same = [s for s in upcoming_slots(session, [hub_session], slot.day + timedelta(days=1),
                                      today + timedelta(days=BOOK_AHEAD_DAYS), now)
            if s.places_left > 0][:max(1, (room + 1) // 2)]
    others_query = (select(HubSession).options(selectinload(HubSession.hub), selectinload(HubSession.kind))
                    .where(HubSession.kind_id == hub_session.kind_id, HubSession.id != hub_session.id,
                           HubSession.min_age_months <= hub_session.max_age_months,
                           HubSession.max_age_months >= hub_session.min_age_months))
    others = [s for s in upcoming_slots(session, list(session.scalars(others_query)), today,
                                        today + timedelta(days=SIMILAR_DAYS), now)
              if not s.full]
    picked = sorted(same + others[:max(0, room - len(same))], key=lambda s: s.starts_at)[:room]
    choices = [_choice(s, today) for s in picked]
    if wait:
        choices.append(_wait_choice(slot, today))
    return choices


def full_texts(session: Session, slot: Slot, choices: list[Choice], now: datetime, channel: str) -> list[str]:
    what = session_on_day(slot.hub_session, slot.day, _today(now))
    if choices:
        return [_list_text(session, channel, "booking_full_options", choices, session_name=what)]
    return [render(session, "booking_full_none", channel, session_name=what, hub=slot.hub_session.hub.name,
                   phone=_hub_phone(slot.hub_session))]


# --- what a session needs ---

@dataclass
class Needs:
    slot: Slot
    choices: list[Choice]
    texts: list[str]
    label: str = ""  # the session, hub, day and time, read back before booking

    def as_dict(self) -> dict:
        hub_session = self.slot.hub_session
        return {"label": self.label,
                "booking_required": bool(hub_session.booking_required), "full": self.slot.full,
                "asks_children": bool(hub_session.asks_children), "ages_needed": ages_needed(hub_session),
                "options": [c.as_dict() for c in self.choices]}


def booking_needs(session: Session, occurrence: str | None, now: datetime, channel: str,
                  limits: BookingLimits = BookingLimits()) -> Needs:
    """What booking this occurrence needs. BookingProblem (404) if it does
    not exist or has passed."""
    channel = _channel(channel)
    slot, _wait = find_slot(session, occurrence, now)
    hub_session = slot.hub_session
    today = _today(now)
    label = session_label(hub_session, slot.day, today)
    if not hub_session.booking_required:
        text = render(session, "booking_not_needed", channel, title=hub_session.title, hub=hub_session.hub.name,
                      day=family_day(slot.day, today), starts=family_time(hub_session.starts),
                      ends=family_time(hub_session.ends), address=hub_address(hub_session.hub))
        return Needs(slot, [], [text], label)
    if slot.full:
        choices = similar_choices(session, slot, now, channel, limits=limits)
        return Needs(slot, choices, full_texts(session, slot, choices, now, channel), label)
    return Needs(slot, [], [render(session, "booking_start", channel, session_name=label)], label)


# --- checking and making a booking ---

class BookingIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    conversation_id: str = Field(min_length=1, max_length=200)
    channel: str = Field(default="web", pattern=r"^(web|sms)$")
    occurrence: str = Field(min_length=1, max_length=200)
    first_name: str | None = Field(default=None, max_length=200)
    children: object = None
    child_ages_months: object = None
    adults: object = 1
    phone: str | None = Field(default=None, max_length=60)
    use_sender_number: bool = False


def _bookable_slot(session: Session, occurrence: str | None, now: datetime) -> tuple[Slot, bool]:
    """find_slot for check and create: a missing or past session is bad input (422)."""
    try:
        slot, wait = find_slot(session, occurrence, now)
    except BookingProblem as problem:
        problem.status = 422
        raise
    hub_session = slot.hub_session
    if not hub_session.booking_required:
        raise BookingProblem("booking_not_needed", detail="occurrence: this session needs no booking",
                             title=hub_session.title, hub=hub_session.hub.name,
                             day=family_day(slot.day, _today(now)), starts=family_time(hub_session.starts),
                             ends=family_time(hub_session.ends), address=hub_address(hub_session.hub))
    return slot, wait and bool(hub_session.waiting_list)


def _room_problem(slot: Slot, places: int, now: datetime) -> BookingProblem | None:
    if places <= slot.places_left:
        return None
    what = session_on_day(slot.hub_session, slot.day, _today(now))
    if slot.places_left == 0:
        return BookingProblem("booking_full_now", detail="occurrence: full", session_name=what)
    return BookingProblem("booking_not_enough_places", detail="places: not enough left", left=slot.places_left,
                          session_name=what)


def check_booking(session: Session, data: object, now: datetime) -> None:
    """Would this booking work? BookingProblem (422) with the words if not."""
    if not isinstance(data, dict):
        raise BookingProblem("booking_went_wrong", detail="body: send a JSON object", phone=front_door(session).phone)
    slot, wait = _bookable_slot(session, data.get("occurrence"), now)
    _party, places = check_party(slot.hub_session, data.get("children"), data.get("child_ages_months"),
                                 data.get("adults", 1), _hub_phone(slot.hub_session))
    if not wait:
        problem = _room_problem(slot, places, now)
        if problem:
            raise problem


def _phone_for(session: Session, parsed: BookingIn) -> str:
    if parsed.phone and parsed.phone.strip():
        phone = uk_mobile(parsed.phone)
        if phone is None:
            raise BookingProblem("booking_phone_invalid", detail="phone: not a UK mobile number")
        return phone
    if parsed.use_sender_number:
        contact = contact_for(session, parsed.conversation_id)
        if contact is None:
            raise BookingProblem("booking_phone_unknown", detail="use_sender_number: no number for this conversation")
        phone = uk_mobile(contact.phone)
        if phone is None:
            raise BookingProblem("booking_phone_invalid", detail="use_sender_number: not a UK mobile number")
        return phone
    raise BookingProblem("booking_phone_unknown", detail="phone: give a number or use_sender_number")


def new_reference() -> str:
    """"FH" and six digits: easy to read out and type on a phone."""
    return f"FH{secrets.randbelow(900_000) + 100_000}"


def _by_key(session: Session, key: str) -> Booking | None:
    return session.scalar(_booking_query().where(Booking.idempotency_key == key))


def _booking_query():
    return select(Booking).options(
        selectinload(Booking.session_date).selectinload(SessionDate.session).selectinload(HubSession.hub))


def _booking_values(booking: Booking) -> dict:
    hub_session = booking.session_date.session
    day = booking.session_date.on_date
    return dict(title=hub_session.title, hub=hub_session.hub.name, address=hub_address(hub_session.hub),
                date=full_date(day), starts=family_time(hub_session.starts), ends=family_time(hub_session.ends),
                reference=booking.reference, first_name=booking.first_name)


def confirmation(session: Session, booking: Booking, channel: str) -> str:
    """What a family is told (and texted) when a booking is made."""
    values = _booking_values(booking)
    if booking.status == "waiting":
        key = "booking_waiting"
    else:
        key = "booking_confirmed" if gets_reminder(booking) else "booking_confirmed_soon"
    return render(session, key, _channel(channel), **values)


def _check_limits(session: Session, family: str, phone: str, now: datetime, limits: BookingLimits,
                  from_address_today: int) -> None:
    """BookingProblem (429) when this chat (family key) has made its day's
    bookings, this number holds as many upcoming ones as it may, or the
    chats of this chat's address made theirs: a script cannot fill every
    session, or a stranger's phone."""
    made_today = session.scalar(select(func.count(Booking.id)).where(
        Booking.family_key == family, Booking.created_at > now - timedelta(days=1))) or 0
    held = session.scalar(select(func.count(Booking.id)).join(Booking.session_date).where(
        Booking.phone_hash == phone_hash(phone), Booking.status.in_(OPEN_STATUSES),
        SessionDate.on_date >= _today(now))) or 0
    over = ("too many from one chat" if made_today >= limits.per_browser_per_day
            else "too many for one number" if held >= limits.per_number
            else "too many from one address" if from_address_today >= limits.per_address_per_day else "")
    if over:
        log.warning("booking refused: %s", over)
        raise BookingProblem("booking_too_many", 429, "limit: too many bookings from this chat or for this number",
                             phone=front_door(session).phone)


def _number_confirmed(session: Session, parsed: BookingIn, family: str, phone: str) -> bool:
    """The number is the phone this family is texting from, or this family
    confirmed it from that phone before (a YES to an earlier booking)."""
    if parsed.channel == "sms":
        contact = contact_for(session, parsed.conversation_id)
        if contact is not None and uk_mobile(contact.phone) == phone:
            return True
    return session.scalar(select(Booking.id).where(
        Booking.family_key == family, Booking.phone_hash == phone_hash(phone),
        Booking.number_confirmed_at.is_not(None)).limit(1)) is not None


def _pending_for_number(session: Session, number_hash: str, now: datetime):
    return (_booking_query().where(
        Booking.phone_hash == number_hash, Booking.number_confirmed_at.is_(None),
        Booking.status.in_(OPEN_STATUSES), Booking.created_at > now - timedelta(days=NUMBER_CHECK_DAYS))
        .order_by(Booking.id))


def _number_asked(session: Session, booking: Booking, now: datetime) -> bool:
    """An earlier booking for this number is still waiting for its YES:
    that question stands for this one too (one question, not one a booking)."""
    return session.scalar(_pending_for_number(session, booking.phone_hash, now)
                          .where(Booking.id != booking.id).limit(1)) is not None


def confirm_number(session: Session, number_hash: str, now: datetime) -> list[Booking]:
    """A YES from this phone: its bookings waiting for one may now be texted
    about. Returns them (the caller texts each its confirmation). Flushed,
    not committed."""
    pending = list(session.scalars(_pending_for_number(session, number_hash, now)))
    if pending:
        begin_write(session)
    for booking in pending:
        booking.number_confirmed_at = now
    session.flush()
    if pending:
        log.info("bookings %s: number confirmed", ", ".join(b.reference for b in pending))
    return pending


def _said(session: Session, booking: Booking, channel: str) -> list[str]:
    """What the family is told when the booking is made (again, for a repeat)."""
    said = [confirmation(session, booking, channel)]
    if not may_text(booking):
        said.append(render(session, "booking_number_check_note", _channel(channel)))
    return said


def may_text(booking: Booking) -> bool:
    """Whether texts about this booking may go to its number."""
    return booking.number_confirmed_at is not None


def create_booking(session: Session, data: object, idempotency_key: str, now: datetime,
                   limits: BookingLimits = BookingLimits(), from_address_today: int = 0) -> BookingResult:
    """Book a place (or a waiting-list place), idempotently.

    The same `idempotency_key` always gives the same booking, even when two
    identical requests race: the unique key decides, the loser's places go
    back with its rolled-back transaction, and it answers with the winner's
    booking. A family that already holds a place at this date gets that
    booking back rather than a second one. BookingFull (409) when the last
    places went (or the waiting list is full); BookingProblem (422) for bad
    input, (429) over `limits` (`from_address_today`: the bookings the
    chats of this chat's address made today); nothing written then.

    A number typed into the chat (not the phone the family is texting
    from) gets one text asking for a YES from that phone, and nothing else
    about the booking until the YES comes (`confirm_number`); the booking
    itself stands, and the chat says so.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise BookingProblem("booking_went_wrong", detail="Idempotency-Key: give a key of 1 to 200 characters",
                             phone=front_door(session).phone)
    cipher()  # no key, no personal data: refuse before doing anything
    existing = _by_key(session, key)
    if existing is not None:
        return BookingResult(existing, _said(session, existing, existing.channel), created=False)
    if not isinstance(data, dict):
        raise BookingProblem("booking_went_wrong", detail="body: send a JSON object", phone=front_door(session).phone)
    try:
        parsed = BookingIn.model_validate(data)
    except ValidationError as error:
        where = ".".join(str(part) for part in error.errors()[0]["loc"]) or "body"
        raise BookingProblem("booking_went_wrong", detail=f"{where}: {error.errors()[0]['msg']}",
                             phone=front_door(session).phone) from None

    slot, wait = _bookable_slot(session, parsed.occurrence, now)
    hub_session = slot.hub_session
    first_name = " ".join((parsed.first_name or "").split())
    if not first_name:
        raise BookingProblem("booking_name_needed", detail="first_name: needed")
    party, places = check_party(hub_session, parsed.children, parsed.child_ages_months, parsed.adults,
                                _hub_phone(hub_session))
    phone = _phone_for(session, parsed)
    family = family_key(parsed.conversation_id)

    held = session.scalar(_booking_query().join(Booking.session_date).where(
        Booking.family_key == family, SessionDate.session_id == hub_session.id, SessionDate.on_date == slot.day,
        Booking.status.in_(OPEN_STATUSES)))
    if held is not None:
        values = _booking_values(held)
        return BookingResult(held, [render(session, "booking_already_booked", parsed.channel, title=values["title"],
                                           date=values["date"], reference=held.reference)], created=False)
    _check_limits(session, family, phone, now, limits, from_address_today)
    confirmed = _number_confirmed(session, parsed, family, phone)

    for _attempt in range(5):
        session_date_id = ensure_session_date(session, hub_session.id, slot.day)
        if take_places(session, session_date_id, places, slot.capacity):
            status = "booked"
        elif wait and not waiting_list_full(session, load_slot(session, hub_session, slot.day), limits):
            status = "waiting"
        else:
            session.rollback()
            fresh = load_slot(session, hub_session, slot.day)
            if fresh.places_left > 0 and fresh.places_left < places:
                raise _room_problem(fresh, places, now)
            choices = similar_choices(session, fresh, now, parsed.channel, limits=limits)
            what = session_on_day(hub_session, slot.day, _today(now))
            key_words = "booking_full_options" if choices else "booking_full_none"
            raise BookingFull(key_words, choices, session_name=what, hub=hub_session.hub.name,
                              phone=_hub_phone(hub_session),
                              **({"options": numbered([c.label for c in choices]),
                                  "numbers": numbers_to_reply(len(choices))} if choices else {}))
        booking = Booking(
            reference=new_reference(), idempotency_key=key, session_date_id=session_date_id, family_key=family,
            conversation_id=parsed.conversation_id, channel=parsed.channel, first_name=first_name, phone=phone,
            phone_hash=phone_hash(phone), children=party.children, child_ages_months=party.child_ages_months,
            adults=party.adults, places=places, status=status, created_at=now, updated_at=now,
            number_confirmed_at=now if confirmed else None,
        )
        session.add(booking)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            existing = _by_key(session, key)
            if existing is not None:
                return BookingResult(existing, _said(session, existing, existing.channel), created=False)
            continue  # the reference was taken: try another
        session.refresh(booking, ["session_date"])
        said = _said(session, booking, parsed.channel)
        if not confirmed:
            if not _number_asked(session, booking, now):
                queue_text(session, None, phone, render(session, "booking_number_check", "sms"), NUMBER_CHECK,
                           now=now, booking_id=booking.id)
        elif parsed.channel == "web":  # on SMS the reply itself is the text
            queue_text(session, None, phone, confirmation(session, booking, "sms"), f"booking_{status}", now=now,
                       booking_id=booking.id)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = _by_key(session, key)
            if existing is None:
                raise
            return BookingResult(existing, _said(session, existing, existing.channel), created=False)
        log.info("booking %s %s (%d places)%s", booking.reference, status, places,
                 "" if confirmed else ", number to be confirmed")
        return BookingResult(booking, said, created=True)
    raise RuntimeError("could not find a free booking number")


# --- the family's own bookings ---

def contact_for(session: Session, conversation_id: str) -> ConversationContact | None:
    """The number an SMS conversation is texting from (this episode, or
    an earlier one of the same family)."""
    contact = session.scalar(select(ConversationContact).where(
        ConversationContact.conversation_id == conversation_id))
    if contact is not None:
        return contact
    family = family_key(conversation_id)
    if not family or family == conversation_id:
        return None
    return session.scalar(select(ConversationContact)
                          .where(ConversationContact.conversation_id.startswith(family + "-", autoescape=True))
                          .order_by(ConversationContact.updated_at.desc()).limit(1))


def remember_contact(session: Session, conversation_id: str, phone: str, now: datetime) -> None:
    """Keep the number behind an SMS conversation id (for the SMS module),
    so the family is asked "is it OK to use this number?" rather than for it.
    Flushed, not committed."""
    begin_write(session)
    contact = session.scalar(select(ConversationContact).where(
        ConversationContact.conversation_id == conversation_id))
    if contact is None:
        session.add(ConversationContact(conversation_id=conversation_id, phone=phone, phone_hash=phone_hash(phone),
                                        created_at=now, updated_at=now))
    else:
        contact.phone, contact.phone_hash, contact.updated_at = phone, phone_hash(phone), now
    session.flush()


def _upcoming_for(session: Session, conversation_id: str | None, now: datetime) -> list[Booking]:
    family = family_key(conversation_id or "")
    if not family:
        return []
    today = _today(now)
    bookings = session.scalars(_booking_query().join(Booking.session_date).where(
        Booking.family_key == family, Booking.status.in_(OPEN_STATUSES), SessionDate.on_date >= today,
        SessionDate.cancelled.is_(False)))
    upcoming = [b for b in bookings if not _slot_of(b).has_ended(now)]
    return sorted(upcoming, key=lambda b: (_slot_of(b).starts_at, b.id))


def _slot_of(booking: Booking) -> Slot:
    row = booking.session_date
    return Slot(row.session, row.on_date, row.places_taken, row.cancelled, row.cancel_reason, row.id)


def booking_line(booking: Booking) -> str:
    """"FH482913: Messy play at Riverside Family Hub, Tuesday 24 November 10am to 11am."."""
    label = session_label(booking.session_date.session, booking.session_date.on_date)
    key = "booking_line_waiting" if booking.status == "waiting" else "booking_line"
    return say(key, reference=booking.reference, label=label)


def my_bookings(session: Session, conversation_id: str | None, now: datetime, channel: str) -> Found:
    """The family's upcoming bookings (and waiting-list places)."""
    channel = _channel(channel)
    bookings = _upcoming_for(session, conversation_id, now)
    if not bookings:
        return Found([], [render(session, "booking_mine_none", channel)])
    lines = "\n".join(booking_line(b) for b in bookings)
    return Found(bookings, [render(session, "booking_mine", channel, bookings=lines)])


def find_bookings(session: Session, conversation_id: str | None, text: str | None, day: str | None,
                  now: datetime, channel: str) -> Found:
    """The family's upcoming bookings matching a booking number in `text`,
    or a day ("my booking on Friday"), or all of them."""
    channel = _channel(channel)
    bookings = _upcoming_for(session, conversation_id, now)
    reference = find_reference(text) or find_reference(day)
    asked = bool(reference)
    if reference:
        bookings = [b for b in bookings if b.reference == reference]
    else:
        request = parse_day(day, _today(now)) or parse_day(text, _today(now))
        if request is not None:
            asked = True
            bookings = [b for b in bookings if b.session_date.on_date in request.dates]
    if not bookings:
        key = "booking_not_found" if asked else "booking_mine_none"
        return Found([], [render(session, key, channel)])
    if len(bookings) == 1:
        return Found(bookings, [render(session, "booking_found_one", channel, booking=booking_line(bookings[0]))])
    shown = bookings[:list_length(channel)]
    return Found(shown, [render(session, "booking_found_several", channel,
                                options=numbered([booking_line(b) for b in shown]),
                                numbers=numbers_to_reply(len(shown)))])


def _family_booking(session: Session, reference: str | None, conversation_id: str | None,
                    now: datetime) -> Booking:
    """This family's upcoming booking with this number, or BookingProblem (404)."""
    wanted = find_reference(reference)
    family = family_key(conversation_id or "")
    booking = None
    if wanted and family:
        booking = session.scalar(_booking_query().where(Booking.reference == wanted, Booking.family_key == family))
    if booking is None or _slot_of(booking).has_ended(now) or booking.status not in (*OPEN_STATUSES, "cancelled"):
        raise BookingProblem("booking_not_found", 404, "reference: no upcoming booking of this family has it")
    return booking


def promote_waiting_list(session: Session, session_date_id: int, now: datetime) -> list[Booking]:
    """Places came free: book the waiting families that fit, first come
    first served, and text each one. Flushed, not committed."""
    row = session.get(SessionDate, session_date_id)
    session.refresh(row)
    slot = Slot(row.session, row.on_date, row.places_taken, row.cancelled, row.cancel_reason, row.id)
    if slot.cancelled or slot.has_started(now):
        return []
    promoted = []
    waiting = list(session.scalars(_booking_query().where(
        Booking.session_date_id == session_date_id, Booking.status == "waiting")
        .order_by(Booking.created_at, Booking.id)))
    for booking in waiting:
        if not take_places(session, session_date_id, booking.places, slot.capacity):
            continue
        changed = session.execute(update(Booking).where(Booking.id == booking.id, Booking.status == "waiting")
                                  .values(status="booked", updated_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            release_places(session, session_date_id, booking.places)
            continue
        session.refresh(booking)
        if may_text(booking):
            queue_text(session, None, booking.phone,
                       render(session, "booking_place_freed_text", "sms", **_booking_values(booking)),
                       "booking_place_freed", now=now, booking_id=booking.id)
        promoted.append(booking)
        log.info("booking %s moved from the waiting list to booked", booking.reference)
    return promoted


def _set_status(session: Session, booking: Booking, from_statuses: tuple[str, ...], status: str, now: datetime,
                by: str | None = None) -> bool:
    """Change a booking's status only if it is still in `from_statuses`
    (so two cancels at once free its places once)."""
    begin_write(session)
    values = {"status": status, "updated_at": now}
    if status == "cancelled":
        values.update(cancelled_at=now, cancelled_by=by)
    changed = session.execute(update(Booking).where(Booking.id == booking.id, Booking.status.in_(from_statuses))
                              .values(**values).execution_options(synchronize_session=False)).rowcount
    return changed == 1


def cancel_booking(session: Session, reference: str | None, conversation_id: str | None, now: datetime,
                   channel: str) -> list[str]:
    """The family cancels: the place is freed at once and the first waiting
    family that fits gets it. Cancelling twice is fine."""
    channel = _channel(channel)
    booking = _family_booking(session, reference, conversation_id, now)
    values = _booking_values(booking)
    was = booking.status
    if was == "waiting":
        key = "booking_left_waiting_list"
    else:
        key = "booking_cancelled"
    texts = [render(session, key, channel, **values)]
    if was == "cancelled" or not _set_status(session, booking, (was,), "cancelled", now, by="family"):
        session.rollback()
        return texts
    if was == "booked":
        release_places(session, booking.session_date_id, booking.places)
        promote_waiting_list(session, booking.session_date_id, now)
    if channel == "web" and may_text(booking):  # on SMS the reply itself is the text
        queue_text(session, None, booking.phone, render(session, key, "sms", **values), "booking_cancelled",
                   now=now, booking_id=booking.id)
    session.commit()
    log.info("booking %s cancelled by the family", booking.reference)
    return texts


def move_choices(session: Session, reference: str | None, conversation_id: str | None, now: datetime,
                 channel: str) -> tuple[list[Choice], list[str]]:
    """Other dates of the same session with room for this booking."""
    channel = _channel(channel)
    booking = _family_booking(session, reference, conversation_id, now)
    if booking.status != "booked":
        raise BookingProblem("booking_not_found", 404, "reference: only a booked place can move")
    current = _slot_of(booking)
    today = _today(now)
    slots = [s for s in upcoming_slots(session, [current.hub_session], today, today + timedelta(days=BOOK_AHEAD_DAYS),
                                       now)
             if s.day != current.day and s.places_left >= booking.places][:list_length(channel)]
    title = current.hub_session.title
    if not slots:
        return [], [render(session, "booking_move_none", channel, title=title)]
    choices = [_choice(s, today) for s in slots]
    return choices, [_list_text(session, channel, "booking_move_options", choices, title=title)]


def move_booking(session: Session, reference: str | None, conversation_id: str | None, occurrence: str | None,
                 idempotency_key: str, now: datetime, channel: str) -> tuple[Booking, list[str]]:
    """Move a booked place to another date of the same session, in one
    transaction: the new places are taken first, then the old ones freed
    (and offered to the waiting list). A retried move changes nothing."""
    channel = _channel(channel)
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise BookingProblem("booking_went_wrong", detail="Idempotency-Key: give a key of 1 to 200 characters",
                             phone=front_door(session).phone)
    booking = _family_booking(session, reference, conversation_id, now)
    if booking.move_key == key:  # this move was made already
        return booking, [render(session, "booking_moved", channel, **_booking_values(booking))]
    if booking.status != "booked":
        raise BookingProblem("booking_not_found", 404, "reference: only a booked place can move")
    target, _wait = _bookable_slot(session, occurrence, now)
    current = _slot_of(booking)
    if target.hub_session.id != current.hub_session.id:
        raise BookingProblem("booking_move_other_session", detail="occurrence: not the same session")
    if target.day == current.day:
        return booking, [render(session, "booking_moved", channel, **_booking_values(booking))]
    old_id = booking.session_date_id
    new_id = ensure_session_date(session, target.hub_session.id, target.day)
    if not take_places(session, new_id, booking.places, target.capacity):
        session.rollback()
        fresh = load_slot(session, target.hub_session, target.day)
        choices, _texts = move_choices(session, booking.reference, conversation_id, now, channel)
        what = session_on_day(target.hub_session, target.day, _today(now))
        if choices:
            raise BookingFull("booking_full_options", choices, session_name=what,
                              options=numbered([c.label for c in choices]), numbers=numbers_to_reply(len(choices)))
        raise BookingFull("booking_full_none", [], session_name=what, hub=fresh.hub_session.hub.name,
                          phone=_hub_phone(fresh.hub_session))
    moved = session.execute(update(Booking)
                            .where(Booking.id == booking.id, Booking.session_date_id == old_id,
                                   Booking.status == "booked")
                            .values(session_date_id=new_id, move_key=key, reminder_sent_at=None, updated_at=now)
                            .execution_options(synchronize_session=False)).rowcount
    if moved != 1:  # a repeat of this move got there first
        session.rollback()
        session.refresh(booking)
        return booking, [render(session, "booking_moved", channel, **_booking_values(booking))]
    release_places(session, old_id, booking.places)
    promote_waiting_list(session, old_id, now)
    session.flush()
    booking = session.scalar(_booking_query().where(Booking.id == booking.id)
                             .execution_options(populate_existing=True))
    values = _booking_values(booking)
    if channel == "web" and may_text(booking):
        queue_text(session, None, booking.phone, render(session, "booking_moved", "sms", **values), "booking_moved",
                   now=now, booking_id=booking.id)
    session.commit()
    log.info("booking %s moved to another date", booking.reference)
    return booking, [render(session, "booking_moved", channel, **values)]


def booking_choice(booking: Booking) -> dict:
    return {"reference": booking.reference, "occurrence": _slot_of(booking).occurrence, "label": booking_line(booking)}

