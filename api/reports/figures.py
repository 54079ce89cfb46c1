"""The figures on the managers' reports page, as tables (each with the
column a chart draws). No family's words: counts, times and categories only.

Requests are counted by the day they came in (London time); bookings by
the date of the session; the unanswered messages and feedback by when
they came. A hub filter applies to everything that has a hub (the
messages the assistant could not answer have none).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from api.bookings.models import Booking, SessionDate
from api.directory.models import Hub, HubSession, SessionKind
from api.referrals.endings import FEEDBACK_SCORES, OUTCOMES
from api.referrals.models import Referral
from api.unanswered.models import UnansweredMessage

NOT_SAID = "Not said"
STATUS_NAMES = {"new": "Still open", "claimed": "Still open", "contacted": "Still open",
                "withdrawn": "The family withdrew", "declined": "Declined"}
BOOKING_COLUMNS = {"booked": "Booked, not marked", "attended": "Came", "no_show": "Did not come",
                   "cancelled": "Cancelled", "waiting": "Waiting list"}


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart_column: int = 1  # which column the chart draws (column 0 is the label)
    note: str = ""

    @property
    def total(self) -> int:
        return sum(row[self.chart_column] for row in self.rows if isinstance(row[self.chart_column], int))


@dataclass
class Report:
    first: date
    last: date
    hub: str
    requests: int
    tables: list[Table]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def _topic_name(topic: str) -> str:
    return topic.replace("_", " ").capitalize()


def _counted(counter: Counter, order: list | None = None) -> list[list]:
    keys = order if order is not None else sorted(counter, key=lambda k: (-counter[k], str(k)))
    return [[key, counter.get(key, 0)] for key in keys]


def _hours_between(session: Session, later, earlier):
    """Hours from `earlier` to `later`, worked out by the database."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24
    return func.extract("epoch", later - earlier) / 3600


def build_report(session: Session, since: datetime, until: datetime, first: date, last: date,
                 hub_slug: str | None = None) -> Report:
    """Every figure is counted by the database (GROUP BY); Python only
    names and orders the groups, so a year for a large borough stays fast."""
    hubs = {h.id: h for h in session.scalars(select(Hub))}
    hub_id = next((h.id for h in hubs.values() if h.slug == hub_slug), None) if hub_slug else None
    where = [Referral.created_on >= first, Referral.created_on <= last]
    if hub_slug:
        where.append(Referral.hub_id == (hub_id or -1))

    def grouped(*columns):
        return session.execute(select(*columns, func.count(Referral.id)).where(*where).group_by(*columns)).all()

    days = Counter()
    for day, count in grouped(Referral.created_on):
        days[day] += count
    total = sum(days.values())
    weeks = Counter()
    for day, count in days.items():
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        weeks[day - timedelta(days=day.weekday())] += count
    week_rows = []
    if weeks:
        start = min(weeks)
        while start <= max(weeks):
            week_rows.append([start.strftime("%-d %b %Y"), weeks.get(start, 0)])
            start += timedelta(days=7)

    topics = Counter()
    for text, count in grouped(Referral.topics_key):
        for topic in [t for t in (text or "").split(",") if t] or [NOT_SAID]:
            topics[_topic_name(topic) if topic != NOT_SAID else NOT_SAID] += count
    # One pass for hub, area, out of hours, outcome and first contact.
    by_hub, areas, out_of_hours, outcomes, contact = Counter(), Counter(), Counter(), Counter(), Counter()
    in_time = case((Referral.contacted_at.is_(None), "Not contacted yet"),
                   (Referral.contacted_at <= Referral.contact_by, "By the promised time"), else_="Later than promised")
    for hid, district, closed, status, outcome, result, count in grouped(
            Referral.hub_id, Referral.postcode_district, Referral.out_of_hours, Referral.status, Referral.outcome,
            in_time):
        by_hub[hubs[hid].name if hid in hubs else NOT_SAID] += count
        areas[district or NOT_SAID] += count
        out_of_hours[{True: "While the hub was closed", False: "While the hub was open"}.get(closed, "Not known")] \
            += count
        outcomes[OUTCOMES.get(outcome, "Closed") if status == "closed" else STATUS_NAMES.get(status, status)] += count
        contact[result] += count
    contacted = contact["By the promised time"] + contact["Later than promised"]
    hours = _hours_between(session, Referral.contacted_at, Referral.created_at)
    middle = session.scalar(select(hours).where(*where, Referral.contacted_at.is_not(None))
                            .order_by(hours).offset(contacted // 2).limit(1)) if contacted else None
    median = f"{middle:.1f} hours" if middle is not None else "none yet"

    shares = ["While the hub was open", "While the hub was closed"] + (["Not known"] if out_of_hours["Not known"] else [])
    ooh = Table("out_of_hours", "When requests came in", ["When", "Requests", "Share"],
                [[name, out_of_hours.get(name, 0), f"{round(100 * out_of_hours.get(name, 0) / total) if total else 0}%"]
                 for name in shares])
    tables = [
        Table("by_week", "Requests by week (week beginning)", ["Week beginning", "Requests"], week_rows),
        ooh,
        Table("by_topic", "Requests by topic", ["Topic", "Requests"], _counted(topics),
              note="A request about two topics counts under both."),
        Table("by_hub", "Requests by hub", ["Hub", "Requests"], _counted(by_hub)),
        Table("by_area", "Requests by area (postcode district)", ["Postcode district", "Requests"], _counted(areas)),
        Table("first_contact", "First contact against the time the family was promised", ["Result", "Requests"],
              _counted(contact, ["By the promised time", "Later than promised", "Not contacted yet"]),
              note=f"Middle (median) time from request to first contact: {median}."),
        Table("outcomes", "How requests ended", ["Outcome", "Requests"], _counted(outcomes)),
        _bookings(session, first, last, hub_id if hub_slug else None, bool(hub_slug)),
        _unanswered(session, since, until),
        _feedback(session, since, until, hub_id if hub_slug else None, bool(hub_slug)),
    ]
    return Report(first, last, hub_slug or "", total, tables)


def _bookings(session: Session, first: date, last: date, hub_id: int | None, filtered: bool) -> Table:
    where = [SessionDate.on_date >= first, SessionDate.on_date <= last]
    if filtered:
        where.append(HubSession.hub_id == (hub_id or -1))
    # Count bookings per session date from the (session_date_id, status)
    # index first, then name the few thousand dates' kinds.
    per_date = (select(Booking.session_date_id.label("date_id"), Booking.status.label("status"),
                       func.count(Booking.id).label("n"))
                .group_by(Booking.session_date_id, Booking.status).subquery())
    counts = session.execute(
        select(SessionKind.name, per_date.c.status, func.sum(per_date.c.n))
        .select_from(per_date)
        .join(SessionDate, per_date.c.date_id == SessionDate.id)
        .join(HubSession, SessionDate.session_id == HubSession.id)
        .join(SessionKind, HubSession.kind_id == SessionKind.id)
        .where(*where).group_by(SessionKind.name, per_date.c.status)).all()
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for kind, status, count in counts:
        by_kind[kind][status] += int(count)
    rows = []
    for kind in sorted(by_kind, key=lambda k: (-sum(by_kind[k].values()), k)):
        c = by_kind[kind]
        marked = c["attended"] + c["no_show"]
        rows.append([kind, c["attended"], c["no_show"], c["booked"], c["cancelled"], c["waiting"],
                     f"{round(100 * c['no_show'] / marked) if marked else 0}%"])
    return Table("bookings", "Bookings and who came, by kind of session",
                 ["Kind of session", "Came", "Did not come", "Booked, not marked", "Cancelled", "Waiting list",
                  "Did not come (of those marked)"], rows)


def _unanswered(session: Session, since: datetime, until: datetime) -> Table:
    counts = Counter(dict(session.execute(
        select(UnansweredMessage.intent, func.count(UnansweredMessage.id))
        .where(and_(UnansweredMessage.received_at >= since, UnansweredMessage.received_at < until))
        .group_by(UnansweredMessage.intent)).all()))
    named = Counter()
    for intent, count in counts.items():
        named[_topic_name(intent) if intent and intent not in ("nlu_fallback", "out_of_scope") else "No guess"] += count
    return Table("unanswered", "What the assistant could not answer, by its best guess at the topic",
                 ["Best guess at the topic", "Messages"], _counted(named),
                 note="For every hub: these messages are not linked to a hub.")


def _feedback(session: Session, since: datetime, until: datetime, hub_id: int | None, filtered: bool) -> Table:
    where = [Referral.feedback_score.is_not(None), Referral.feedback_at >= since, Referral.feedback_at < until]
    if filtered:
        where.append(Referral.hub_id == (hub_id or -1))
    counts = Counter(dict(session.execute(
        select(Referral.feedback_score, func.count(Referral.id)).where(*where)
        .group_by(Referral.feedback_score)).all()))
    return Table("feedback", "Did we help? What families answered", ["Answer", "Families"],
                 [[name, counts.get(score, 0)] for score, name in FEEDBACK_SCORES.items()])
