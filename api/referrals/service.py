"""The handover, as service functions: each one is one transaction (it
commits), so a route or a test calls one function and the change is whole.

Family-facing words come from data/content/referrals.yml. Nothing here logs
personal data: logs carry the referral reference at most.
"""

import calendar
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from api.clock import as_utc
from api.content.service import render
from api.crypto import cipher, normalise_phone, phone_hash
from api.directory import search as directory_search
from api.directory.models import Hub, Worker
from api.directory.service import hub_for_postcode, hub_timetable, outward_code, resolve_hub
from api.directory.timetable import local
from api.directory.wording import family_day, family_moment, family_time
from api.outbox.service import queue_text
from api.bookings.checks import family_key
from api.referrals.assignment import Assignment, NobodyToAssign, assign, promise
from api.referrals.family_record import earlier_worker
from api.referrals.family_times import family_windows, said_with_number
from api.referrals.models import OPEN_STATUSES, Referral, ReferralEvent
from api.referrals.schemas import FamilyMessageIn, ReferralIn, WithdrawIn, explain
from api.settings import get_settings

log = logging.getLogger("api.referrals")

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
# Which status a referral may move to from each status, and whether a reason is needed.
NEXT_STATUSES = {
    "new": {"declined"},
    "claimed": {"contacted", "closed", "declined"},
    "contacted": {"closed"},
}
NEEDS_REASON = {"closed", "declined"}


class ReferralInvalid(ValueError):
    """Bad input; the message says which field and why (never its value)."""


class ReferralRefused(ReferralInvalid):
    """The family did not say yes to sharing their details."""


class ReferralChangeRefused(ValueError):
    """A staff change that is not allowed now (wrong status, no reason, not safe to text)."""


@dataclass
class CreatedReferral:
    referral: Referral
    messages: list[str]
    created: bool  # False when the Idempotency-Key was seen before


def new_reference() -> str:
    """"K7MQ-2XPA": short enough to read over the phone, too many to guess."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def first_word(name: str) -> str:
    return (name or "").split()[0] if (name or "").split() else ""


def _event(referral: Referral, kind: str, now: datetime, staff=None, body: str | None = None, **detail) -> None:
    referral.events.append(ReferralEvent(at=now, kind=kind, staff_id=getattr(staff, "id", None),
                                         detail=detail, body=body))
    referral.updated_at = now


def load_referral(session: Session, reference: str) -> Referral | None:
    return session.scalar(
        select(Referral).options(selectinload(Referral.events), selectinload(Referral.hub),
                                 selectinload(Referral.worker))
        .where(Referral.reference == reference))


def _by_idempotency_key(session: Session, key: str) -> Referral | None:
    return session.scalar(select(Referral).options(selectinload(Referral.hub), selectinload(Referral.worker))
                          .where(Referral.idempotency_key == key))


# --- the family side (called by the action server) ---

def confirmations(session: Session, referral: Referral, now: datetime) -> list[str]:
    """The confirmation, and for a family who comes back to the worker who
    helped them before: "Amira helped you in March, ..."."""
    texts = [confirmation(session, referral, now)]
    created = next((e for e in referral.events if e.kind == "created"), None)
    helped_at = (created.detail or {}).get("helped_at") if created is not None else None
    if helped_at:
        helped = local(datetime.fromisoformat(helped_at))
        month = calendar.month_name[helped.month] + ("" if helped.year == local(now).year
                                                      or (local(now) - helped).days < 300 else f" {helped.year}")
        texts.append(render(session, "referral_same_worker_again", referral.channel,
                            worker=first_word(referral.worker.name), month=month))
    return texts


def confirmation(session: Session, referral: Referral, now: datetime) -> str:
    """"Thanks Jo. Sam from Riverside Family Hub will text you by 10am on Tuesday. ..."."""
    # Asked for a text but said texts are not safe: the worker can only call.
    method = "text" if referral.contact_method == "text" and referral.safe_to_text else "call"
    names = {"first_name": referral.first_name, "worker": first_word(referral.worker.name),
             "hub": referral.hub.name}
    if referral.contact_from is not None and not referral.contact_today:
        # The family gave good times: say plainly when, inside them.
        starts, ends = local(as_utc(referral.contact_from)), local(as_utc(referral.contact_by))
        return render(session, f"referral_confirmed_{method}_between", referral.channel, **names,
                      starts=family_time(starts.time()), ends=family_time(ends.time()),
                      day=family_day(starts.date(), local(now).date()))
    key = f"referral_confirmed_{method}" + ("_today" if referral.contact_today else "")
    return render(session, key, referral.channel, **names, when=family_moment(as_utc(referral.contact_by), now))


def _resolve_hub(session: Session, data: ReferralIn) -> Hub:
    if data.hub:
        hub = resolve_hub(session, data.hub)
        if hub is None:
            raise ReferralInvalid("hub: not one of our hubs")
        return hub
    if data.postcode:
        hub = hub_for_postcode(session, data.postcode)
        if hub is None:
            raise ReferralInvalid("postcode: none of our hubs covers this postcode")
        return hub
    raise ReferralInvalid("hub or postcode: give one, so we know which hub to ask")


def with_sender_number(session: Session, parsed: ReferralIn) -> ReferralIn:
    """A family texting in who said "use this number" (`contact.use_sender_number`)
    gets the number they text from, which only the api knows (Rasa and the
    actions see a pseudonym)."""
    if not parsed.contact.use_sender_number:
        return parsed
    from api.bookings.service import contact_for  # the SMS module keeps it there

    known = contact_for(session, parsed.conversation_id)
    if known is None:
        raise ReferralInvalid("contact.use_sender_number: no number is known for this conversation")
    return parsed.model_copy(update={"contact": parsed.contact.model_copy(update={"phone": known.phone})})


def validate_referral(data: ReferralIn | dict) -> ReferralIn:
    """Parse and check the action server's JSON; ReferralInvalid / ReferralRefused."""
    try:
        parsed = ReferralIn.model_validate(data)
    except ValidationError as error:
        raise ReferralInvalid(explain(error)) from None
    if parsed.consent.answer.strip().lower() != "yes":
        raise ReferralRefused("consent.answer: the family did not say yes, so no referral was made")
    if not parsed.contact.use_sender_number:
        check_phone(parsed)
    return parsed


def check_phone(parsed: ReferralIn) -> ReferralIn:
    phone = normalise_phone(parsed.contact.phone or "")
    if not (phone.startswith("+") and phone[1:].isdigit() and 10 <= len(phone) - 1 <= 15):
        raise ReferralInvalid("contact.phone: not a phone number")
    return parsed


def create_referral(session: Session, data: ReferralIn | dict, idempotency_key: str, now: datetime,
                    before_commit=None) -> CreatedReferral:
    """Make a referral from the family's consent and details, assign it to
    a worker, and say when they will get in touch.

    The same `idempotency_key` always gives the same referral, even when two
    identical requests race (the unique constraint decides; the loser reads
    the winner's row). Raises ReferralInvalid (or ReferralRefused) and
    writes nothing for bad input.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise ReferralInvalid("Idempotency-Key: give a key of 1 to 200 characters")
    cipher()  # no key, no personal data: refuse before doing anything
    existing = _by_idempotency_key(session, key)
    if existing is not None:
        return CreatedReferral(existing, confirmations(session, existing, now), created=False)

    parsed = check_phone(with_sender_number(session, validate_referral(data)))
    hub = _resolve_hub(session, parsed)
    within = timedelta(minutes=get_settings().referral_contact_within_minutes)
    said = said_with_number(parsed.contact.said_with_number)
    family, hashed = family_key(parsed.conversation_id), phone_hash(parsed.contact.phone)
    windows = family_windows(parsed.contact.times)
    # A family who comes back is offered the worker who helped them, if
    # that worker is still at the hub and can get in touch in time.
    returning = earlier_worker(session, family, hashed, hub)
    assignment: Assignment | None = None
    if returning is not None:
        assignment = promise(returning[0], hub_timetable(session, hub), now, parsed.urgent, within, windows)
    try:
        assignment = assignment or assign(session, hub, now, parsed.urgent, within, windows)
    except NobodyToAssign:
        raise ReferralInvalid("hub: nobody works at this hub in the next 60 days") from None
    again = {}
    if returning is not None and returning[0].id == assignment.worker.id:
        again = {"same_worker_as": returning[1].reference, "helped_at": as_utc(returning[1].created_at).isoformat()}

    topics = [topic.strip().lower() for topic in parsed.topics if topic.strip()]
    referral = Referral(
        reference=new_reference(), idempotency_key=key, conversation_id=parsed.conversation_id, family_key=family,
        channel=parsed.channel, created_at=now, updated_at=now,
        consent_wording=parsed.consent.wording, consent_answer="yes", consent_at=parsed.consent.at,
        first_name=parsed.first_name, family_words=parsed.family_words,
        transcript=[line.model_dump(mode="json", by_alias=True) for line in parsed.transcript],
        contact_method=parsed.contact.method, phone=normalise_phone(parsed.contact.phone),
        phone_hash=hashed, contact_times=parsed.contact.times,
        contact_needs=parsed.contact.needs, contact_condition=said.condition or None,
        # "dont text it" said with the number counts as much as a "no" to the question.
        safe_to_text=parsed.contact.safe_to_text and not said.no_texts,
        safe_to_leave_message=parsed.contact.safe_to_leave_message and not said.no_voicemail, hub=hub,
        topics=topics, topics_key=",".join(topics), urgent=parsed.urgent, language=parsed.language,
        worker=assignment.worker, contact_by=assignment.contact_by, contact_today=assignment.today,
        contact_from=assignment.contact_from, postcode_district=outward_code(parsed.postcode), status="new",
        created_on=local(now).date(), out_of_hours=hub_timetable(session, hub).closes_at_if_open(now) is None,
    )
    _event(referral, "created", now, worker=assignment.worker.key, hub=hub.slug, urgent=parsed.urgent,
           **({"language": parsed.language} if parsed.language != "en" else {}),
           contact_by=assignment.contact_by.isoformat(), **again)
    session.add(referral)
    if before_commit is not None:
        before_commit(referral)  # more for the same transaction (a partner's request)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _by_idempotency_key(session, key)
        if existing is None:
            raise
        return CreatedReferral(existing, confirmations(session, existing, now), created=False)
    log.info("referral %s created for hub %s (urgent=%s)", referral.reference, hub.slug, referral.urgent)
    return CreatedReferral(referral, confirmations(session, referral, now), created=True)


def open_referral_for(session: Session, conversation_id: str) -> Referral | None:
    """The newest open referral this family made, in this conversation or
    an earlier one (matched by the family key: the id without its episode)."""
    return session.scalar(
        select(Referral).options(selectinload(Referral.worker), selectinload(Referral.hub))
        .where(or_(Referral.family_key == family_key(conversation_id),
                   Referral.conversation_id == conversation_id), Referral.status.in_(OPEN_STATUSES))
        .order_by(Referral.created_at.desc(), Referral.id.desc()).limit(1))


def withdraw_referral(session: Session, conversation_id: str, reason: str, now: datetime,
                      channel: str | None = None) -> tuple[Referral | None, list[str]]:
    """The family changed their mind: the open referral becomes withdrawn
    (staff still see it, with the family's reason)."""
    try:
        parsed = WithdrawIn.model_validate({"conversation_id": conversation_id, "reason": reason or "",
                                            "channel": channel})
    except ValidationError as error:
        raise ReferralInvalid(explain(error)) from None
    referral = open_referral_for(session, parsed.conversation_id)
    if referral is None:
        return None, [render(session, "referral_nothing_to_withdraw", parsed.channel or "web")]
    referral.status, referral.status_reason, referral.closed_at = "withdrawn", parsed.reason or None, now
    _event(referral, "withdrawn", now, body=parsed.reason or None)
    session.commit()
    log.info("referral %s withdrawn by the family", referral.reference)
    return referral, [render(session, "referral_withdrawn", parsed.channel or referral.channel)]


def add_family_message(session: Session, conversation_id: str, text: str, now: datetime,
                       channel: str | None = None) -> tuple[Referral | None, list[str]]:
    """A message sent after the handover goes onto that conversation's open
    referral. No open referral: (None, []) so the assistant answers as usual."""
    try:
        parsed = FamilyMessageIn.model_validate({"conversation_id": conversation_id, "text": text,
                                                 "channel": channel})
    except ValidationError as error:
        raise ReferralInvalid(explain(error)) from None
    referral = open_referral_for(session, parsed.conversation_id)
    if referral is None:
        return None, []
    # The family is told once that their messages go onto the request, not on every reply.
    told_before = any(event.kind == "family_message" for event in referral.events)
    _event(referral, "family_message", now, body=parsed.text)
    session.commit()
    if told_before:
        return referral, []
    return referral, [render(session, "referral_message_added", parsed.channel or referral.channel,
                             worker=first_word(referral.worker.name))]


def mark_urgent_after_crisis(session: Session, conversation_id: str, now: datetime) -> Referral | None:
    """A crisis said after the handover: the family's open request becomes
    urgent (it goes to the top of the queue). None if there is none."""
    conversation_id = (conversation_id or "").strip()
    if not conversation_id or len(conversation_id) > 200:
        raise ReferralInvalid("conversation_id: give the conversation id")
    referral = open_referral_for(session, conversation_id)
    if referral is None:
        return None
    if not referral.urgent:
        referral.urgent = True
        _event(referral, "made_urgent", now, why="crisis_after_handover")
        session.commit()
        log.info("referral %s made urgent after a crisis", referral.reference)
    return referral


# --- the staff side ---

def can_see(staff, referral: Referral) -> bool:
    """Front door and admin see every referral; a worker only their hub's."""
    if staff.role in ("front_door", "admin"):
        return True
    return staff.role == "worker" and staff.hub_slug is not None and referral.hub.slug == staff.hub_slug


def queue(session: Session, *, hub_slug: str | None = None, status: str = "open", limit: int = 200) -> list[Referral]:
    """Urgent first, then oldest first."""
    query = select(Referral).options(selectinload(Referral.hub), selectinload(Referral.worker))
    if hub_slug:
        query = query.join(Hub, Referral.hub_id == Hub.id).where(Hub.slug == hub_slug)
    if status == "open":
        query = query.where(Referral.status.in_(OPEN_STATUSES))
    elif status != "all":
        query = query.where(Referral.status == status)
    urgent_first = case((Referral.urgent.is_(True), 0), else_=1)
    return list(session.scalars(query.order_by(urgent_first, Referral.created_at, Referral.id).limit(limit)))


@dataclass
class ClaimResult:
    won: bool
    holder_id: int | None
    status: str


def claim_referral(session: Session, referral: Referral, staff, now: datetime) -> ClaimResult:
    """Claim a new referral. One conditional UPDATE decides, so when two
    staff claim at once exactly one wins; the other learns who has it.
    The winner's introduction text goes to the family (if safe to text)."""
    result = session.execute(
        update(Referral).where(Referral.id == referral.id, Referral.status == "new",
                               Referral.claimed_by_id.is_(None))
        .values(status="claimed", claimed_by_id=staff.id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.rollback()
        session.refresh(referral)
        return ClaimResult(False, referral.claimed_by_id, referral.status)
    session.refresh(referral)
    _event(referral, "claimed", now, staff)
    if referral.safe_to_text:
        body = render(session, "referral_worker_introduction", "sms", first_name=referral.first_name,
                      staff=first_word(staff.name), hub=referral.hub.name)
        queue_text(session, referral.id, referral.phone, body, "worker_introduction", now)
        _event(referral, "text_queued", now, staff, body=body, text_kind="worker_introduction")
    else:
        _event(referral, "introduction_not_sent", now, staff, why="not_safe_to_text")
    session.commit()
    return ClaimResult(True, staff.id, "claimed")


def change_status(session: Session, referral: Referral, staff, new_status: str, reason: str, now: datetime) -> None:
    reason = (reason or "").strip()
    if new_status not in NEXT_STATUSES.get(referral.status, set()):
        raise ReferralChangeRefused(f"A {referral.status} referral cannot be marked {new_status}.")
    if new_status in NEEDS_REASON and not reason:
        raise ReferralChangeRefused(f"Give a reason to mark this referral {new_status}.")
    if len(reason) > 1000:
        raise ReferralChangeRefused("The reason must be 1000 characters or fewer.")
    old = referral.status
    referral.status = new_status
    referral.status_reason = reason or None
    if new_status == "contacted":
        referral.contacted_at = now
    if new_status in ("closed", "declined"):
        referral.closed_at = now
    _event(referral, "status_changed", now, staff, body=reason or None, old=old, new=new_status)
    session.commit()


def add_note(session: Session, referral: Referral, staff, text: str, now: datetime) -> None:
    text = (text or "").strip()
    if not text:
        raise ReferralChangeRefused("Write a note before saving it.")
    if len(text) > 5000:
        raise ReferralChangeRefused("A note must be 5000 characters or fewer.")
    _event(referral, "note", now, staff, body=text)
    session.commit()


def add_directory_service(session: Session, referral: Referral, staff, service_id: str, now: datetime) -> None:
    """A service from the directory that the worker chose for this family,
    added to the request's history. What it is goes in the event's
    encrypted words (the service a family was offered can say a lot about
    them), never in its detail or the audit log."""
    if not referral.is_open:
        raise ReferralChangeRefused(f"A service can be added only while the request is open. It is {referral.status}.")
    found = directory_search.one_service(session, (service_id or "").strip()[:200])
    if found is None:
        raise ReferralChangeRefused("That service is not in the directory any more. Search again.")
    lines = [found.name + (f" ({found.organisation})" if found.organisation and found.organisation != found.name
                           else ""),
             *found.when, found.where, f"Phone {found.phone}" if found.phone else "", f"Ages: {found.ages}"]
    _event(referral, "directory_service", now, staff, body="; ".join(line for line in lines if line))
    session.commit()


def reassign(session: Session, referral: Referral, staff, worker_id: int, now: datetime) -> None:
    """Give the referral to another worker (their hub becomes its hub)."""
    worker = session.get(Worker, worker_id)
    if worker is None or not worker.active:
        raise ReferralChangeRefused("Choose a worker from the list.")
    if not referral.is_open:
        raise ReferralChangeRefused(f"A {referral.status} referral cannot be given to someone else.")
    old = referral.worker.key
    referral.worker, referral.hub_id = worker, worker.hub_id
    _event(referral, "reassigned", now, staff, old=old, new=worker.key)
    session.commit()
    session.refresh(referral)


def send_text(session: Session, referral: Referral, staff, text: str, now: datetime) -> None:
    """A text from staff to the family, via the outbox. Refused when the
    family said texts are not safe."""
    text = (text or "").strip()
    if not referral.safe_to_text:
        raise ReferralChangeRefused("Do not text this family: they told us texts are not safe.")
    if not text:
        raise ReferralChangeRefused("Write the text before sending it.")
    if len(text) > 612:
        raise ReferralChangeRefused("A text must be 612 characters or fewer (4 SMS).")
    if not referral.is_open:
        raise ReferralChangeRefused(f"This referral is {referral.status}: no more texts.")
    queue_text(session, referral.id, referral.phone, text, "staff_text", now)
    _event(referral, "text_queued", now, staff, body=text, text_kind="staff_text")
    session.commit()


def workers_for_reassign(session: Session) -> list[Worker]:
    return list(session.scalars(select(Worker).options(selectinload(Worker.hub))
                                .where(Worker.active.is_(True)).order_by(Worker.name)))
