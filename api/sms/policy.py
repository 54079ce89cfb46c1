"""Who may be texted, and when: opt-outs, countries, quiet hours, limits.

Every outbound text passes these in `api.sms.sender`, whatever code
queued it. The limits are fixed windows counted in Redis against the real
clock (a flood or a loop is about real money), so a bug that texts the
same number over and over, or a reply loop with another automatic
service, stops quickly and cheaply.
"""

from datetime import datetime, time, timedelta, timezone

from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.directory.timetable import LONDON, local
from api.settings import Settings
from api.sms.models import SmsOptOut

# Texts that answer something the family has just done: they go at any
# hour. Everything else (reminders, notices, worker messages) waits for
# the morning unless urgent.
REPLY_KINDS = frozenset({
    "reply", "sms_holding", "sms_help", "sms_start", "sms_stop", "sms_media_only", "sms_gave_up",
    "booking_booked", "booking_waiting", "booking_cancelled", "booking_moved",
})
# The one text a number that said STOP still gets: the confirmation.
OPT_OUT_CONFIRMATION = "sms_stop"
# Texts that answer a family's own text: they never count against, or wait
# for, the daily budget that reminders and notices share (SMS_MAX_PER_DAY),
# so a day's notices can never stop a crisis reply or a STOP confirmation.
# (Any text queued as the answer to an incoming one counts too.)
FAMILY_TEXT_ANSWERS = frozenset({
    "reply", "sms_holding", "sms_help", "sms_start", "sms_stop", "sms_media_only", "sms_gave_up",
})


def is_reply(kind: str) -> bool:
    return kind in REPLY_KINDS


def answers_family_text(kind: str, inbound_id: int | None) -> bool:
    """Whether a text answers something the family texted us."""
    return inbound_id is not None or kind in FAMILY_TEXT_ANSWERS


# --- opt-outs ---

def not_safe_to_text(session: Session, phone_hash: str) -> bool:
    """The family told us, when asking for a person, that texts to this
    number are not safe (someone else may read them): no booking text,
    reminder or notice goes to it either."""
    from api.referrals.models import Referral

    return bool(session.scalar(select(Referral.id).where(
        Referral.phone_hash == phone_hash, Referral.safe_to_text.is_(False)).limit(1)))


def is_opted_out(session: Session, phone_hash: str) -> bool:
    return bool(session.scalar(select(SmsOptOut.opted_out).where(SmsOptOut.phone_hash == phone_hash)))


def set_opt_out(session: Session, phone_hash: str, opted_out: bool, keyword: str, at: datetime) -> bool:
    """Record STOP (True) or START (False); flushed, not committed.
    Returns whether the number was opted out before."""
    row = session.scalar(select(SmsOptOut).where(SmsOptOut.phone_hash == phone_hash))
    before = bool(row and row.opted_out)
    if row is None:
        row = SmsOptOut(phone_hash=phone_hash)
        session.add(row)
    row.opted_out, row.keyword, row.changed_at = opted_out, keyword[:20], at
    session.flush()
    return before


# --- countries ---

def country_allowed(settings: Settings, phone: str) -> bool:
    """A number in international form whose calling code is allowed
    (SMS_ALLOWED_COUNTRY_CODES: "44" by default; "*" for any)."""
    codes = [code.strip().lstrip("+") for code in settings.sms_allowed_country_codes.split(",") if code.strip()]
    if not phone.startswith("+") or not phone[1:].isdigit() or not 8 <= len(phone) <= 16:
        return False
    return "*" in codes or any(phone[1:].startswith(code) for code in codes)


# --- quiet hours ---

def in_quiet_hours(settings: Settings, now: datetime) -> bool:
    hour = local(now).hour
    start, end = settings.sms_quiet_from_hour, settings.sms_quiet_until_hour
    if start == end:
        return False
    return hour >= start or hour < end if start > end else start <= hour < end


def quiet_hours_end(settings: Settings, now: datetime) -> datetime:
    """The next time the quiet hours end (London time)."""
    here = local(now)
    end = datetime.combine(here.date(), time(settings.sms_quiet_until_hour), tzinfo=LONDON)
    if end <= here:
        end = datetime.combine(here.date() + timedelta(days=1), time(settings.sms_quiet_until_hour), tzinfo=LONDON)
    return end


# --- rate limits (Redis counters, fixed windows) ---

def _count(redis: Redis, key: str, window_seconds: int) -> int:
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, window_seconds + 60)
    return int(pipe.execute()[0])


def _window(seconds: int, at: datetime) -> int:
    return int(at.timestamp()) // seconds


def take_inbound(redis: Redis, settings: Settings, phone_hash: str, at: datetime) -> bool:
    """Count a message from this number; False once it has sent more this
    hour than we answer."""
    key = f"sms:rate:in:{phone_hash}:{_window(3600, at)}"
    return _count(redis, key, 3600) <= settings.sms_max_inbound_per_number_per_hour


def take_number(redis: Redis, settings: Settings, phone_hash: str, at: datetime) -> bool:
    """Count a text to this number; False once it has had its hour's worth."""
    key = f"sms:rate:out:{phone_hash}:{_window(3600, at)}"
    return _count(redis, key, 3600) <= settings.sms_max_per_number_per_hour


def take_overall(redis: Redis, settings: Settings, at: datetime, daily: bool = True) -> str | None:
    """Count a text against the overall limits. None if it may go;
    "daily_limit" if today's are used up; "busy" if this minute's are
    (then it is not counted: try again next minute). `daily` False (an
    answer to a family's own text): outside the day's budget, neither
    counted nor refused by it."""
    minute = f"sms:rate:all:m:{_window(60, at)}"
    if _count(redis, minute, 60) > settings.sms_max_per_minute:
        redis.decr(minute)
        return "busy"
    if not daily:
        return None
    day = f"sms:rate:all:d:{at.astimezone(timezone.utc):%Y%m%d}"
    if _count(redis, day, 86400) > settings.sms_max_per_day:
        return "daily_limit"
    return None


def next_minute(at: datetime) -> datetime:
    return datetime.fromtimestamp((_window(60, at) + 1) * 60, timezone.utc)
