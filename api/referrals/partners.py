"""Requests from partners: a school, GP practice, health visitor or
voluntary group, signed in with the partner role, asks the hub to contact
a family who agreed to it. The request lands on the same queue, marked as
from a partner, and the family gets a text saying who asked and that it is
their choice. A partner sees only the requests they made.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.turns.conversation import pseudonym
from api.content.service import render
from api.crypto import normalise_phone
from api.directory.timetable import at_local, local
from api.directory.wording import family_day, family_moment, family_time
from api.outbox.service import queue_text
from api.referrals import service
from api.referrals.models import Referral, ReferralEvent

FIELDS = ("first_name", "phone", "postcode", "hub", "help_wanted", "contact_method", "safe_to_text", "times",
          "asked_by", "asked_on", "agreement_words", "agreed")


class PartnerRequestInvalid(ValueError):
    """What is missing or wrong, field by field, for the form."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class PartnerRequest:
    referral: Referral
    created: bool
    texted: bool


def _check(form: dict, today: date) -> dict[str, str]:
    errors = {}
    if not form.get("first_name"):
        errors["first_name"] = "Enter the name the family would like to be called"
    if not form.get("phone"):
        errors["phone"] = "Enter the family's phone number"
    if not form.get("hub") and not form.get("postcode"):
        errors["hub"] = "Choose a hub, or enter the family's postcode"
    if not form.get("help_wanted"):
        errors["help_wanted"] = "Say what help the family would like"
    if form.get("contact_method") not in ("text", "call"):
        errors["contact_method"] = "Choose a text or a phone call"
    if form.get("safe_to_text") not in ("yes", "no"):
        errors["safe_to_text"] = "Say whether it is safe to text the family"
    if form.get("agreed") != "yes":
        errors["agreed"] = "The family must have agreed to the hub getting in touch"
    if not form.get("asked_by"):
        errors["asked_by"] = "Enter who asked the family"
    try:
        asked_on = date.fromisoformat(form.get("asked_on") or "")
        if asked_on > today:
            errors["asked_on"] = "The day the family agreed cannot be in the future"
    except ValueError:
        errors["asked_on"] = "Enter the day the family agreed"
    if not form.get("agreement_words"):
        errors["agreement_words"] = "Write what the family said when they agreed"
    return errors


def _family_text(session: Session, referral: Referral, organisation: str, now: datetime) -> str:
    method = "text" if referral.contact_method == "text" and referral.safe_to_text else "call"
    names = {"first_name": referral.first_name, "organisation": organisation, "hub": referral.hub.name,
             "worker": service.first_word(referral.worker.name), "method": method}
    if referral.contact_from is not None:
        starts, ends = local(referral.contact_from), local(referral.contact_by)
        return render(session, "referral_partner_request_between", "sms", **names, day=family_day(
            starts.date(), local(now).date()), starts=family_time(starts.time()), ends=family_time(ends.time()))
    return render(session, "referral_partner_request", "sms", **names,
                  when=family_moment(referral.contact_by, now))


def create_partner_request(session: Session, partner, form: dict, idempotency_key: str, now: datetime,
                           pseudonym_key: str) -> PartnerRequest:
    """Check the form, make the referral (one transaction with the
    partner's details and the family's text). Raises PartnerRequestInvalid."""
    form = {name: " ".join(str(form.get(name) or "").split()) for name in FIELDS}
    errors = _check(form, local(now).date())
    if errors:
        raise PartnerRequestInvalid(errors)
    organisation = partner.organisation or partner.name
    phone = normalise_phone(form["phone"])
    # The id a text conversation from this number would have, so what the
    # family texts later goes onto this request (api/turns/conversation.py).
    family = pseudonym(pseudonym_key, phone) if pseudonym_key else f"partner{secrets.token_hex(16)}"
    asked_on = at_local(date.fromisoformat(form["asked_on"]), time(12, 0))
    data = {
        "conversation_id": f"{family}-partner{secrets.token_hex(4)}", "channel": "sms",
        "consent": {"wording": f"The family agreed with {organisation} that the hub may get in touch with them.",
                    "answer": "yes", "at": asked_on.isoformat()},
        "family_words": form["help_wanted"][:1000], "first_name": form["first_name"][:60],
        "contact": {"method": form["contact_method"], "phone": form["phone"], "times": form["times"][:200],
                    "safe_to_text": form["safe_to_text"] == "yes", "safe_to_leave_message": form["safe_to_text"] == "yes"},
        "hub": form["hub"] or None, "postcode": form["postcode"] or None, "topics": [], "urgent": False,
        "transcript": [],
    }
    texted = []

    def mark(referral: Referral) -> None:
        referral.partner_id, referral.partner_organisation = partner.id, organisation[:200]
        referral.partner_consent = {"asked_by": form["asked_by"][:200], "asked_on": form["asked_on"],
                                    "their_words": form["agreement_words"][:1000]}
        referral.events.append(ReferralEvent(at=now, kind="partner_request", staff_id=partner.id,
                                             detail={"organisation": organisation[:200]}))
        if referral.safe_to_text:
            body = _family_text(session, referral, organisation, now)
            session.flush()
            queue_text(session, referral.id, referral.phone, body, "partner_request", now)
            referral.events.append(ReferralEvent(at=now, kind="text_queued", staff_id=partner.id, body=body,
                                                 detail={"text_kind": "partner_request"}))
            texted.append(True)

    try:
        result = service.create_referral(session, data, idempotency_key, now, before_commit=mark)
    except service.ReferralInvalid as error:
        field = str(error).split(":")[0].split(".")[-1]
        raise PartnerRequestInvalid({field if field in FIELDS else "hub": str(error).split(": ", 1)[-1]}) from None
    return PartnerRequest(result.referral, result.created, bool(texted))


def partner_requests(session: Session, partner) -> list[Referral]:
    """The requests this partner made, newest first."""
    return list(session.scalars(
        select(Referral).options(selectinload(Referral.hub), selectinload(Referral.worker))
        .where(Referral.partner_id == partner.id).order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(500)))
