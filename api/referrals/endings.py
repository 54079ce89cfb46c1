"""Planned endings and the one feedback question.

Closing a request records how it ended (OUTCOMES) with optional notes and
sends the family a warm closing text, in comms' words, with how to come
back. A few days later (FEEDBACK_AFTER) the family is asked one optional
question by text: "Did we help? Reply 1 yes, 2 a bit, 3 no". Their reply,
and anything they add, is kept for managers' figures and the "what
families told us" page. Each function here is one transaction.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from api.content.service import render
from api.directory.models import Hub
from api.outbox.service import queue_text
from api.referrals.models import Referral, ReferralEvent
from api.unanswered.masking import mask_personal_details

OUTCOMES = {
    "helped_here": "Helped here",
    "passed_on": "Passed to another service",
    "not_wanted": "The family did not want to go on",
    "not_reached": "Could not reach the family",
    "other": "Other",
}
# Which closing text each ending sends (data/content/referrals.yml).
CLOSING_TEXT = {"helped_here": "referral_closing_helped", "passed_on": "referral_closing_passed_on",
                "not_wanted": "referral_closing_helped", "not_reached": "referral_closing_not_reached",
                "other": "referral_closing_helped"}
# Only families a worker was in touch with are asked whether we helped.
ASK_FEEDBACK_AFTER = ("helped_here", "passed_on", "other")
FEEDBACK_AFTER = timedelta(days=3)
FEEDBACK_NOT_AFTER = timedelta(days=14)     # closed longer ago: not asked
FEEDBACK_ANSWER_WITHIN = timedelta(days=7)  # a "1" later than this is not taken as an answer
FEEDBACK_SCORES = {1: "Yes", 2: "A bit", 3: "No"}
FEEDBACK_REPLY = re.compile(r"^\s*([123])(?![\d])[\s.,:;!)-]*(.*)$", re.DOTALL)
CLOSABLE = ("claimed", "contacted")


class EndingRefused(ValueError):
    """The close is not allowed (the message says why, for the page)."""


def _event(referral: Referral, kind: str, now: datetime, staff=None, body: str | None = None, **detail) -> None:
    referral.events.append(ReferralEvent(at=now, kind=kind, staff_id=getattr(staff, "id", None),
                                         detail=detail, body=body))
    referral.updated_at = now


def close_with_outcome(session: Session, referral: Referral, staff, outcome: str, passed_to: str, notes: str,
                       now: datetime) -> bool:
    """Close the request with how it ended; True when a closing text was queued."""
    outcome, passed_to, notes = (outcome or "").strip(), (passed_to or "").strip(), (notes or "").strip()
    if referral.status not in CLOSABLE:
        raise EndingRefused(f"A {referral.status} request cannot be closed. Claim it first.")
    if outcome not in OUTCOMES:
        raise EndingRefused("Choose how the request ended.")
    if outcome == "passed_on" and not passed_to:
        raise EndingRefused("Say which service the family was passed to.")
    if outcome == "other" and not notes:
        raise EndingRefused("Say in the notes how the request ended.")
    if len(passed_to) > 200 or len(notes) > 2000:
        raise EndingRefused("The service must be 200 characters or fewer, and the notes 2000.")
    old = referral.status
    referral.status, referral.closed_at = "closed", now
    referral.outcome, referral.outcome_service = outcome, passed_to if outcome == "passed_on" else None
    referral.status_reason = notes or None
    _event(referral, "status_changed", now, staff, body=notes or None, old=old, new="closed", outcome=outcome)
    texted = False
    if referral.safe_to_text:
        body = render(session, CLOSING_TEXT[outcome], "sms", first_name=referral.first_name,
                      hub=referral.hub.name, service=passed_to or "")
        queue_text(session, referral.id, referral.phone, body, "closing", now)
        _event(referral, "text_queued", now, staff, body=body, text_kind="closing")
        texted = True
    else:
        _event(referral, "closing_not_sent", now, staff, why="not_safe_to_text")
    session.commit()
    return texted


def ask_for_feedback(session: Session, now: datetime, limit: int = 200) -> int:
    """Queue the feedback question to families whose request closed
    FEEDBACK_AFTER ago (not longer than FEEDBACK_NOT_AFTER), once each.
    Run by the SMS upkeep job; quiet hours hold the text until morning."""
    due = list(session.scalars(
        select(Referral).options(selectinload(Referral.events))
        .where(Referral.status == "closed", Referral.outcome.in_(ASK_FEEDBACK_AFTER),
               Referral.feedback_asked_at.is_(None), Referral.safe_to_text.is_(True),
               Referral.closed_at <= now - FEEDBACK_AFTER, Referral.closed_at > now - FEEDBACK_NOT_AFTER)
        .order_by(Referral.closed_at).limit(limit)))
    asked = 0
    for referral in due:
        won = session.execute(update(Referral).where(Referral.id == referral.id, Referral.feedback_asked_at.is_(None))
                              .values(feedback_asked_at=now).execution_options(synchronize_session=False)).rowcount
        if won != 1:
            session.rollback()
            continue
        body = render(session, "referral_feedback_question", "sms", first_name=referral.first_name,
                      hub=referral.hub.name)
        queue_text(session, referral.id, referral.phone, body, "feedback_question", now)
        _event(referral, "text_queued", now, body=body, text_kind="feedback_question")
        session.commit()
        asked += 1
    return asked


def take_feedback_reply(session: Session, phone_hash: str, text: str, now: datetime) -> list[str] | None:
    """A text that answers the feedback question ("1", "2 it was ok",
    "3. nobody called back") is kept, and thanked; None when it is not an
    answer (it goes to the assistant as usual)."""
    match = FEEDBACK_REPLY.match(text or "")
    if match is None:
        return None
    referral = session.scalar(
        select(Referral).options(selectinload(Referral.hub))
        .where(Referral.phone_hash == phone_hash, Referral.feedback_asked_at.is_not(None),
               Referral.feedback_asked_at > now - FEEDBACK_ANSWER_WITHIN, Referral.feedback_score.is_(None))
        .order_by(Referral.feedback_asked_at.desc()).limit(1))
    if referral is None:
        return None
    referral.feedback_score = int(match.group(1))
    referral.feedback_words = " ".join(match.group(2).split())[:1000] or None
    referral.feedback_at = now
    _event(referral, "feedback", now, body=referral.feedback_words, score=referral.feedback_score)
    session.commit()
    return [render(session, "referral_feedback_thanks", "sms", hub=referral.hub.name)]


@dataclass(frozen=True)
class FeedbackRow:
    at: datetime
    hub: str
    score: int
    answer: str
    words: str  # masked: no numbers, names, postcodes


def what_families_told_us(session: Session, since: datetime, until: datetime, hub_slug: str | None = None,
                          limit: int = 500) -> list[FeedbackRow]:
    """Feedback answers, newest first, their words masked as on the
    unanswered page."""
    query = (select(Referral).options(selectinload(Referral.hub))
             .where(Referral.feedback_score.is_not(None), Referral.feedback_at >= since, Referral.feedback_at < until))
    if hub_slug:
        query = query.join(Hub, Referral.hub_id == Hub.id).where(Hub.slug == hub_slug)
    rows = session.scalars(query.order_by(Referral.feedback_at.desc()).limit(limit))
    return [FeedbackRow(r.feedback_at, r.hub.name, r.feedback_score, FEEDBACK_SCORES[r.feedback_score],
                        mask_personal_details(r.feedback_words or "")) for r in rows]
