"""Directory answers: opening times, finding a hub, getting there, what's on,
and talking to a person. Each public function returns texts in family words
for one channel ("web" or "sms")."""

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday as rrule_weekday
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from api.content.service import fill_answer, render
from api.directory.ages import parse_age
from api.directory.days import DayRequest, parse_day
from api.directory.models import (
    Closure, FrontDoor, Hub, HubSession, PartnerService, SchoolHoliday, SessionKind,
)
from api.directory.timetable import ClosureRule, Timetable, at_local, local
from api.directory.wording import (
    family_day, family_hours, family_list, family_moment, family_time, family_week, say,
)

SESSION_LOOK_AHEAD_DAYS = 14
EVENING_STARTS = time(17, 0)
HUB_WORDS = r"\b(the|family|hub|hubs|centre|center|children'?s|childrens|building|one|at|in)\b"


# --- finding things from the words a family used ---

def _normalise_place(text: str) -> str:
    cleaned = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("\u2019", "'"))
    cleaned = re.sub(HUB_WORDS, " ", cleaned)
    return re.sub(r"\s+", " ", cleaned).strip()


def _match_by_aliases(text: str | None, candidates: list[tuple[object, list[str]]], normalise) -> object | None:
    """Exact alias, then an alias inside the text, then a close spelling."""
    wanted = normalise(text or "")
    if not wanted:
        return None
    names: dict[str, object] = {}
    for item, aliases in candidates:
        for alias in aliases:
            if normalise(alias):
                names.setdefault(normalise(alias), item)
    if wanted in names:
        return names[wanted]
    for alias in sorted(names, key=len, reverse=True):
        if re.search(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])", wanted):
            return names[alias]
    close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def all_hubs(session: Session) -> list[Hub]:
    return list(session.scalars(select(Hub).options(selectinload(Hub.hours)).order_by(Hub.id)))


def resolve_hub(session: Session, text: str | None) -> Hub | None:
    """The hub a family meant ("riverside", "River Side hub", "the northgate")."""
    hubs = all_hubs(session)
    return _match_by_aliases(text, [(h, [h.slug, h.name, *h.aliases]) for h in hubs], _normalise_place)


def outward_code(postcode: str | None) -> str | None:
    """"fb1 2ab" -> "FB1"; "FB12AB" -> "FB1"; "fb3" -> "FB3"; else None."""
    compact = re.sub(r"\s+", "", (postcode or "").upper())
    match = re.fullmatch(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})?", compact)
    return match.group(1) if match else None


def hub_for_postcode(session: Session, postcode: str | None) -> Hub | None:
    """The hub that serves a postcode's district (its outward code)."""
    district = outward_code(postcode)
    if district is None:
        return None
    for hub in all_hubs(session):
        if district in {d.upper() for d in hub.postcode_districts}:
            return hub
    return None


POSTCODE_IN_TEXT = re.compile(r"\b([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)\s*([0-9][A-Za-z]{2})?\b")


def hub_from_words(session: Session, text: str | None) -> Hub | None:
    """The hub a family chose, by its name or by a postcode in what they wrote."""
    hub = resolve_hub(session, text)
    if hub is not None:
        return hub
    for match in POSTCODE_IN_TEXT.finditer(text or ""):
        hub = hub_for_postcode(session, "".join(part for part in match.groups() if part))
        if hub is not None:
            return hub
    return None


def hub_not_found(session: Session, text: str, channel: str = "web") -> list[str]:
    return [render(session, "hub_not_found", channel, hub_text=text.strip(), hub_names=_hub_names(session))]


def postcode_not_served(session: Session, postcode: str, channel: str = "web") -> list[str]:
    return [render(session, "hub_postcode_not_found", channel, postcode=postcode.strip().upper(),
                   hub_names=_hub_names(session), phone=front_door(session).phone)]


def resolve_kind(session: Session, text: str | None) -> SessionKind | None:
    kinds = list(session.scalars(select(SessionKind).order_by(SessionKind.id)))

    def normalise(value: str) -> str:
        cleaned = re.sub(r"[^a-z0-9&' ]+", " ", value.lower().replace("\u2019", "'"))
        cleaned = re.sub(r"\b(session|sessions|class|classes|the|a|any|on)\b", " ", cleaned)
        return re.sub(r"\s+", " ", cleaned).strip()

    return _match_by_aliases(text, [(k, [k.key.replace("_", " "), k.name, *k.aliases]) for k in kinds], normalise)


def _hub_names(session: Session) -> str:
    return family_list([hub.name for hub in all_hubs(session)])


def _address(hub: Hub) -> str:
    lines = [line for line in hub.address if line.strip().lower() != hub.name.lower()]
    return ", ".join(lines)


# --- timetables ---

def _closure_rules(session: Session, hub_id: int | None) -> list[ClosureRule]:
    query = select(Closure).where(Closure.hub_id.is_(None))
    if hub_id is not None:
        query = select(Closure).where(or_(Closure.hub_id.is_(None), Closure.hub_id == hub_id))
    return [
        ClosureRule(c.reason, c.starts_on, c.ends_on, c.yearly_from, c.yearly_to)
        for c in session.scalars(query.order_by(Closure.id))
    ]


def hub_timetable(session: Session, hub: Hub) -> Timetable:
    weekly = {row.weekday: (row.opens, row.closes) for row in hub.hours}
    return Timetable(weekly, _closure_rules(session, hub.id))


def front_door(session: Session) -> FrontDoor:
    door = session.scalar(select(FrontDoor).options(selectinload(FrontDoor.hours)).order_by(FrontDoor.id))
    if door is None:
        raise LookupError("no front door in the directory: run python -m api.seed")
    return door


def local_facts(session: Session) -> dict[str, str]:
    """What an answer can name from the directory: `front_door_phone`, and
    for each partner service `{slug}` (its name) and `{slug}_phone`."""
    facts = {"front_door_phone": front_door(session).phone}
    for partner in session.scalars(select(PartnerService).order_by(PartnerService.id)):
        facts[partner.slug] = partner.name
        facts[f"{partner.slug}_phone"] = partner.phone
    return facts


def answer_with_local_facts(session: Session, key: str, channel: str = "web",
                            language: str | None = None) -> list[str]:
    """An answer, with the numbers and services it names as the directory has them now."""
    return [fill_answer(session, key, channel, local_facts(session), language)]


def front_door_timetable(session: Session) -> Timetable:
    door = front_door(session)
    return Timetable({row.weekday: (row.opens, row.closes) for row in door.hours}, _closure_rules(session, None))


@dataclass(frozen=True)
class FrontDoorStatus:
    name: str
    phone: str
    open_until: datetime | None
    next_opens: datetime | None

    @property
    def is_open(self) -> bool:
        return self.open_until is not None


def front_door_status(session: Session, now: datetime) -> FrontDoorStatus:
    """Is the front door phone line open now; until when; when it next opens."""
    door = front_door(session)
    timetable = front_door_timetable(session)
    until = timetable.closes_at_if_open(now)
    return FrontDoorStatus(door.name, door.phone, until, None if until else timetable.next_opening(now))


# --- opening times ---

def _day_text(session: Session, hub: Hub, timetable: Timetable, day: date, request: DayRequest | None,
              now: datetime, channel: str) -> str:
    today_local = local(now).date()
    hours = timetable.day(day)
    when = family_day(day, today_local, evening=bool(request and request.evening))
    if hours.is_open:
        if day == today_local:
            closes_at = timetable.closes_at_if_open(now)
            if closes_at is not None:
                return render(session, "hours_open_now", channel, hub=hub.name, closes=family_time(hours.closes))
            if local(now).time() >= hours.closes:
                return render(session, "hours_closed_now", channel, hub=hub.name,
                              next_open=family_moment(timetable.next_opening(now), now))
        return render(session, "hours_open", channel, hub=hub.name, day=when,
                      opens=family_time(hours.opens), closes=family_time(hours.closes))
    start = at_local(day, time(0, 0))
    next_open = timetable.next_opening(max(start, local(now), key=lambda m: m.astimezone(timezone.utc)))
    next_words = family_moment(next_open, now) if next_open else ""
    if hours.closed_because == "closure":
        return render(session, "hours_closure", channel, hub=hub.name, day=when, reason=hours.reason,
                      next_open=next_words)
    if hours.closed_because == "bank_holiday":
        return render(session, "hours_bank_holiday", channel, hub=hub.name, day=when, next_open=next_words)
    return render(session, "hours_closed_day", channel, hub=hub.name, day=when, next_open=next_words)


def opening_times(session: Session, hub_text: str | None, day_text: str | None, now: datetime,
                  channel: str = "web") -> list[str]:
    """Opening times for a hub (or every hub) on the day(s) asked about.

    No hub: every hub's times for that day (today if no day). No day: the
    hub's usual week, or today if it is open today.
    """
    today_local = local(now).date()
    request = parse_day(day_text, today_local)
    if hub_text and hub_text.strip():
        hub = resolve_hub(session, hub_text)
        if hub is None:
            return [render(session, "hub_not_found", channel, hub_text=hub_text.strip(),
                           hub_names=_hub_names(session))]
        timetable = hub_timetable(session, hub)
        if request is None:
            return [render(session, "hours_week", channel, hub=hub.name, week=family_week(timetable.weekly))]
        return [_day_text(session, hub, timetable, day, request, now, channel) for day in request.dates]

    days = request.dates if request else (today_local,)
    texts = []
    for day in days:
        lines = []
        for hub in all_hubs(session):
            hours = hub_timetable(session, hub).day(day)
            times = family_hours(hours.opens, hours.closes) if hours.is_open else say("closed")
            lines.append(say("hub_and_hours", hub=hub.name, hours=times))
        texts.append(render(session, "hours_all_hubs", channel,
                            day=family_day(day, today_local, evening=bool(request and request.evening)),
                            hub_times=say("hub_times_separator").join(lines)))
    return texts


# --- finding a hub and getting there ---

def find_hub(session: Session, hub_text: str | None, postcode_text: str | None,
             channel: str = "web") -> list[str]:
    """A hub's address and phone, the nearest hub to a postcode, or the list."""
    if postcode_text and postcode_text.strip():
        hub = hub_for_postcode(session, postcode_text)
        if hub is None:
            return postcode_not_served(session, postcode_text, channel)
        return [render(session, "hub_nearest", channel, hub=hub.name, address=_address(hub),
                       postcode=hub.postcode, phone=hub.phone)]
    if hub_text and hub_text.strip():
        hub = resolve_hub(session, hub_text)
        if hub is None:
            return [render(session, "hub_not_found", channel, hub_text=hub_text.strip(),
                           hub_names=_hub_names(session))]
        return [render(session, "hub_details", channel, hub=hub.name, address=_address(hub),
                       postcode=hub.postcode, phone=hub.phone)]
    hubs = all_hubs(session)
    return [render(session, "hub_list", channel, count=len(hubs), hub_names=_hub_names(session))]


def getting_there(session: Session, hub_text: str | None, postcode_text: str | None,
                  channel: str = "web") -> list[str]:
    """How to get to a hub (named, or nearest to a postcode) and parking."""
    hub = None
    if hub_text and hub_text.strip():
        hub = resolve_hub(session, hub_text)
        if hub is None:
            return [render(session, "hub_not_found", channel, hub_text=hub_text.strip(),
                           hub_names=_hub_names(session))]
    elif postcode_text and postcode_text.strip():
        hub = hub_for_postcode(session, postcode_text)
        if hub is None:
            return postcode_not_served(session, postcode_text, channel)
    if hub is None:
        return [render(session, "travel_which_hub", channel, hub_names=_hub_names(session))]
    parking_key = "travel_parking_step_free" if hub.step_free else "travel_parking"
    return [
        render(session, "travel_directions", channel, hub=hub.name, address=_address(hub),
               postcode=hub.postcode, getting_there=" ".join(hub.getting_there.split())),
        render(session, parking_key, channel, hub=hub.name, parking=" ".join(hub.parking.split())),
    ]


# --- sessions ---

@dataclass(frozen=True)
class Occurrence:
    hub_session: HubSession
    starts_at: datetime  # aware, Europe/London
    ends_at: datetime


def school_holidays(session: Session) -> list[tuple[date, date]]:
    return [(h.starts_on, h.ends_on) for h in session.scalars(select(SchoolHoliday))]


def session_dates(hub_session: HubSession, first: date, last: date) -> list[date]:
    """The dates a session's pattern falls on between two dates (both in)."""
    byday = rrule_weekday(hub_session.weekday)
    start = datetime.combine(first, time(0, 0))
    end = datetime.combine(last, time(23, 59))
    if hub_session.freq == "monthly":
        rule = rrule(MONTHLY, dtstart=datetime.combine(first.replace(day=1), time(0, 0)),
                     byweekday=byday(hub_session.week_of_month or 1))
    elif hub_session.freq == "fortnightly":
        anchor = hub_session.starts_on or first
        rule = rrule(WEEKLY, interval=2, dtstart=datetime.combine(anchor, time(0, 0)), byweekday=byday)
    else:
        rule = rrule(WEEKLY, dtstart=start, byweekday=byday)
    dates = [moment.date() for moment in rule.between(start, end, inc=True)]
    return [d for d in dates
            if (hub_session.starts_on is None or d >= hub_session.starts_on)
            and (hub_session.ends_on is None or d <= hub_session.ends_on)]


def session_skipped_because(hub_session: HubSession, day: date, timetable: Timetable,
                            holidays: list[tuple[date, date]]) -> str | None:
    """Why a session does not run on a date its pattern falls on: "closure"
    (hub closure), "bank_holiday", "school_holidays" (term-time only) or
    "term_time" (holidays only); None when it runs."""
    closed = timetable.day(day).closed_because
    if closed in ("closure", "bank_holiday"):
        return closed
    in_holidays = any(start <= day <= end for start, end in holidays)
    if hub_session.term_time_only and in_holidays:
        return "school_holidays"
    if hub_session.school_holidays_only and not in_holidays:
        return "term_time"
    return None


def session_runs_on(session: Session, hub_session: HubSession, day: date) -> bool:
    """True if the session's pattern falls on `day` and nothing stops it
    (hub closures, bank holidays, school holidays for term-time sessions)."""
    if day not in session_dates(hub_session, day, day):
        return False
    timetable = hub_timetable(session, hub_session.hub)
    return session_skipped_because(hub_session, day, timetable, school_holidays(session)) is None


@dataclass
class SessionSearch:
    occurrences: list[Occurrence]
    day: DayRequest | None
    hub: Hub | None
    kind: SessionKind | None
    unknown_hub: str | None = None
    unknown_kind: str | None = None


def upcoming_sessions(session: Session, *, day_text: str | None = None, hub_text: str | None = None,
                      kind_text: str | None = None, age_text: str | None = None, now: datetime,
                      limit: int = 5) -> SessionSearch:
    """Sessions that have not ended yet, soonest first, matching what was asked.

    Without a day, looks 14 days ahead. Skips hub closures, bank holidays,
    term-time-only sessions in school holidays and holiday-only ones in term.
    "tonight" means sessions starting from 5pm.
    """
    now_local = local(now)
    today = now_local.date()
    request = parse_day(day_text, today)
    hub = resolve_hub(session, hub_text) if hub_text and hub_text.strip() else None
    kind = resolve_kind(session, kind_text) if kind_text and kind_text.strip() else None
    search = SessionSearch([], request, hub, kind)
    if hub_text and hub_text.strip() and hub is None:
        search.unknown_hub = hub_text.strip()
        return search
    if kind_text and kind_text.strip() and kind is None:
        search.unknown_kind = kind_text.strip()
        return search
    age = parse_age(age_text)
    wanted_dates = set(request.dates) if request else None
    first = min(request.dates) if request else today
    last = max(request.dates) if request else today + timedelta(days=SESSION_LOOK_AHEAD_DAYS)
    holidays = school_holidays(session)

    # A session retired from the directory is not offered (its bookings and register stay).
    query = select(HubSession).where(HubSession.retired.is_(False)).options(
        selectinload(HubSession.hub).selectinload(Hub.hours), selectinload(HubSession.kind))
    if hub is not None:
        query = query.where(HubSession.hub_id == hub.id)
    if kind is not None:
        query = query.where(HubSession.kind_id == kind.id)
    timetables: dict[int, Timetable] = {}
    found: list[Occurrence] = []
    for hub_session in session.scalars(query):
        if age is not None and not age.overlaps(hub_session.min_age_months, hub_session.max_age_months):
            continue
        timetable = timetables.setdefault(hub_session.hub_id, hub_timetable(session, hub_session.hub))
        for day in session_dates(hub_session, first, last):
            if wanted_dates is not None and day not in wanted_dates:
                continue
            if session_skipped_because(hub_session, day, timetable, holidays):
                continue
            if request and request.evening and hub_session.starts < EVENING_STARTS:
                continue
            starts_at, ends_at = at_local(day, hub_session.starts), at_local(day, hub_session.ends)
            if ends_at.astimezone(timezone.utc) <= now_local.astimezone(timezone.utc):
                continue
            found.append(Occurrence(hub_session, starts_at, ends_at))
    found.sort(key=lambda o: (o.starts_at.astimezone(timezone.utc), o.hub_session.hub.name))
    search.occurrences = found[:limit]
    return search


def whats_on(session: Session, day_text: str | None, hub_text: str | None, kind_text: str | None,
             age_text: str | None, now: datetime, channel: str = "web") -> list[str]:
    """What's on, in family words. SMS lists 3 sessions, web chat 5."""
    limit = 3 if channel == "sms" else 5
    search = upcoming_sessions(session, day_text=day_text, hub_text=hub_text, kind_text=kind_text,
                               age_text=age_text, now=now, limit=limit)
    if search.unknown_hub:
        return [render(session, "hub_not_found", channel, hub_text=search.unknown_hub,
                       hub_names=_hub_names(session))]
    if search.unknown_kind:
        kinds = [k.name for k in session.scalars(select(SessionKind).order_by(SessionKind.id))]
        return [render(session, "sessions_kind_not_found", channel, kind_text=search.unknown_kind,
                       kind_names=family_list(kinds))]
    today = local(now).date()
    if not search.occurrences:
        phone = front_door(session).phone
        if search.day:
            when = family_list([family_day(d, today, search.day.evening) for d in search.day.dates])
            return [render(session, "sessions_none_day", channel, day=when, phone=phone)]
        return [render(session, "sessions_none", channel, phone=phone)]
    lines = []
    for occurrence in search.occurrences:
        item = occurrence.hub_session
        line_key = "session_line_booking" if item.booking_required else "session_line"
        lines.append(say(line_key, title=item.title, hub=item.hub.name,
                         day=family_day(occurrence.starts_at.date(), today),
                         starts=family_time(item.starts), ends=family_time(item.ends)))
    return [render(session, "sessions_found", channel, sessions=say("session_separator").join(lines))]


# --- a person to talk to ---

def tonight_first(session: Session, now: datetime, channel: str = "web") -> list[str]:
    """When the front door is shut: what can be done tonight, and when the
    hub opens, to go before an answer whose numbers are daytime ones."""
    status = front_door_status(session, now)
    if status.is_open or status.next_opens is None:
        return []
    return [render(session, "out_of_hours_first", channel, next_open=family_moment(status.next_opens, now))]


def talk_to_person(session: Session, hub_text: str | None, now: datetime, channel: str = "web") -> list[str]:
    """The front door phone number, whether it is open now, and when it opens."""
    status = front_door_status(session, now)
    if status.is_open:
        line_status = say("line_open_now", closes=family_time(local(status.open_until).time()))
    elif status.next_opens:
        line_status = say("line_closed_now", next_open=family_moment(status.next_opens, now))
    else:
        line_status = ""
    texts = [render(session, "talk_to_person", channel, name=status.name, phone=status.phone,
                    line_status=line_status).strip()]
    hub = resolve_hub(session, hub_text) if hub_text and hub_text.strip() else None
    if hub is not None:
        texts.append(render(session, "hub_phone", channel, hub=hub.name, phone=hub.phone))
    return texts
