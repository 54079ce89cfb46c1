"""The weekly figures on the "what we could not answer" page.

A week runs from Monday midnight, London time. Counts:
- conversations: conversation ids the api saw start that week (web chat
  records each start, api/turns/starts.py), plus any others that had a
  message the assistant could not answer that week;
- unanswered: those with at least one message it could not answer;
- answered: the rest;
- handed over: referrals made that week.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.turns.models import ConversationStart
from api.directory.timetable import LONDON, local
from api.referrals.models import Referral
from api.unanswered.models import UnansweredMessage


@dataclass(frozen=True)
class WeekFigures:
    starts_on: date
    conversations: int
    answered: int
    handed_over: int
    unanswered: int


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 London time of the week `moment` falls in (aware)."""
    day = local(moment).date()
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday, time(0, 0), tzinfo=LONDON)


def figures_for(db: Session, starts: datetime, ends: datetime) -> WeekFigures:
    # Compared in UTC: SQLite keeps times without their offset, and the api stores UTC.
    local_start, starts, ends = starts, starts.astimezone(timezone.utc), ends.astimezone(timezone.utc)
    started = set(db.scalars(select(ConversationStart.conversation_id).where(
        ConversationStart.started_at >= starts, ConversationStart.started_at < ends)))
    unanswered = set(db.scalars(select(UnansweredMessage.conversation_id).distinct().where(
        UnansweredMessage.received_at >= starts, UnansweredMessage.received_at < ends)))
    handed_over = db.scalar(select(func.count(Referral.id)).where(
        Referral.created_at >= starts, Referral.created_at < ends)) or 0
    conversations = started | unanswered
    return WeekFigures(starts_on=local(local_start).date(), conversations=len(conversations),
                       answered=len(conversations - unanswered), handed_over=handed_over,
                       unanswered=len(unanswered))


def recent_weeks(db: Session, now: datetime, weeks: int = 2) -> list[WeekFigures]:
    """This week so far, then the weeks before it."""
    this_week = week_start(now)
    found = []
    for back in range(weeks):
        starts = datetime.combine(this_week.date() - timedelta(weeks=back), time(0, 0), tzinfo=LONDON)
        ends = datetime.combine(starts.date() + timedelta(weeks=1), time(0, 0), tzinfo=LONDON)
        found.append(figures_for(db, starts, min(ends, now + timedelta(seconds=1)) if back == 0 else ends))
    return found
