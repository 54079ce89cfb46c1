"""Safeguarding: recording that a request was passed to children's social
care or the council's safeguarding front door, and the short guidance
front-door staff see beside topics that need judgement.

The guidance, the reminder and the places a request can be passed to are
in data/safety/safeguarding_guidance.yml, for the safeguarding lead to
edit. An escalation is never changed or deleted: a correction is a new
record with its own reason, so nothing is undone silently.
"""

from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from api.directory.timetable import LONDON, local
from api.referrals.models import Referral, ReferralEscalation, ReferralEvent
from api.settings import get_settings

MAX_REASON = 2000


class EscalationRefused(ValueError):
    """The record is not allowed (the message says why, for the page)."""


@lru_cache(maxsize=4)
def _load(path: Path, modified: float) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def guidance_data() -> dict:
    """The file as it is now (read again when the safeguarding lead changes it)."""
    path = get_settings().data_path / "safety" / "safeguarding_guidance.yml"
    return _load(path, path.stat().st_mtime)


def guidance_for(topics: list[str]) -> list[dict]:
    topics = set(topics or [])
    return [item for item in guidance_data()["guidance"] if topics & set(item["topics"])]


def reminder_for(referral: Referral) -> str | None:
    """The reminder to tell the family safely, if their consent said we
    would only share when someone may not be safe."""
    data = guidance_data()
    wording = " ".join((referral.consent_wording or "").lower().split())
    if any(phrase in wording for phrase in data["told_family_phrases"]):
        return " ".join(data["reminder"].split())
    return None


def passed_to_choices() -> dict[str, str]:
    return dict(guidance_data()["passed_to"])


def record_escalation(session: Session, referral: Referral, staff, passed_to: str, reason: str, passed_at: str,
                      now: datetime) -> ReferralEscalation:
    """Record that the request was passed on for safeguarding: where, why,
    and when (London time "YYYY-MM-DDTHH:MM"; empty means now)."""
    passed_to, reason, passed_at = (passed_to or "").strip(), (reason or "").strip(), (passed_at or "").strip()
    if passed_to not in passed_to_choices():
        raise EscalationRefused("Choose where the request was passed to.")
    if not reason:
        raise EscalationRefused("Give the reason it was passed on.")
    if len(reason) > MAX_REASON:
        raise EscalationRefused(f"The reason must be {MAX_REASON} characters or fewer.")
    when = now
    if passed_at:
        try:
            when = datetime.fromisoformat(passed_at)
        except ValueError:
            raise EscalationRefused("Give the time it was passed on as a date and time.") from None
        when = when if when.tzinfo else when.replace(tzinfo=LONDON)
        if when > now:
            raise EscalationRefused("The time it was passed on cannot be in the future.")
    escalation = ReferralEscalation(at=now, passed_at=when, staff_id=staff.id, passed_to=passed_to, reason=reason)
    referral.escalations.append(escalation)
    if referral.escalated_at is None:
        referral.escalated_at = when
    referral.events.append(ReferralEvent(at=now, kind="escalated", staff_id=staff.id, body=reason,
                                         detail={"passed_to": passed_to, "passed_at": local(when).isoformat()}))
    referral.updated_at = now
    session.commit()
    return escalation
