"""What to send when a message shows risk: the static crisis answer, and,
when the front door is closed, a plain warning that nobody at the hub will
see messages until it opens (and when that is)."""

from datetime import datetime

from sqlalchemy.orm import Session

from api.content.service import get_answer, render
from api.directory.service import front_door_status
from api.directory.wording import family_moment

CRISIS_KINDS = ("self_harm", "child_harm", "violence", "medical", "general")


def crisis_support(session: Session, kind: str, now: datetime, channel: str = "web") -> list[str]:
    """`crisis_<kind>`, plus `crisis_out_of_hours` when the phone line is closed.

    Raises AnswerNotFound for a kind with no answer.
    """
    texts = [get_answer(session, f"crisis_{kind}", channel)]
    status = front_door_status(session, now)
    if not status.is_open and status.next_opens is not None:
        texts.append(render(session, "crisis_out_of_hours", channel,
                            opens_at=family_moment(status.next_opens, now), phone=status.phone))
    return texts
