"""What to send when a message shows risk: the static crisis answer, and,
when the front door is closed, a plain warning that nobody at the hub will
see messages until it opens (and when that is)."""

from datetime import datetime

from sqlalchemy.orm import Session

from api.content.service import AnswerNotFound, get_answer, render
from api.directory.service import front_door_status
from api.directory.wording import family_moment

# Each kind has an answer `crisis_<kind>` (data/content/crisis.yml) and the
# numbers it must give (data/safety/crisis_numbers.yml).
# parent_fear: a parent afraid they might hurt their own baby or child, or
#   who cannot keep their children safe or cannot cope tonight.
# child_harm: a child at risk from an adult.  violence: domestic abuse.
# nowhere_safe: nowhere safe to sleep tonight.
# check_in: the check is unsure, so we gently ask if anyone is in danger.
CRISIS_KINDS = ("medical", "child_harm", "violence", "parent_fear", "self_harm", "nowhere_safe", "general",
                "check_in")
FALLBACK_KIND = "general"


def crisis_kind(kind: str | None) -> str:
    """The kind as asked for, or `general` (every helpline) for a kind we do
    not know: a family in crisis always gets an answer, never an error."""
    given = (kind or "").strip().lower()
    return given if given in CRISIS_KINDS else FALLBACK_KIND


def crisis_support(session: Session, kind: str | None, now: datetime, channel: str = "web",
                   language: str | None = None) -> list[str]:
    """`crisis_<kind>` (`crisis_general` for an unknown kind, or a kind whose
    answer is missing), plus `crisis_out_of_hours` when the phone line is
    closed. In the family's `language` where comms have words for it.

    Raises AnswerNotFound only if `crisis_general` is missing too.
    """
    kind = crisis_kind(kind)
    try:
        text = get_answer(session, f"crisis_{kind}", channel, language)
    except AnswerNotFound:
        text = get_answer(session, f"crisis_{FALLBACK_KIND}", channel, language)
    texts = [text]
    status = front_door_status(session, now)
    if not status.is_open and status.next_opens is not None:
        texts.append(render(session, "crisis_out_of_hours", channel,
                            opens_at=family_moment(status.next_opens, now), phone=status.phone))
    return texts
