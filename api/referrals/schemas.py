"""The shape of a referral as the action server sends it, with limits.

Safety answers are strict booleans: "yes" or 1 is refused, so a mix-up in
the form can never turn into "safe to text".
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator

from api.internal.contract import explain_error

MAX_FAMILY_WORDS = 1000
MAX_TRANSCRIPT_LINES = 500
MAX_LINE_CHARS = 2000
MAX_MESSAGE_CHARS = 2000
MAX_TOPICS = 10


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class ConsentIn(_In):
    wording: str = Field(min_length=1, max_length=2000)
    answer: str = Field(min_length=1, max_length=20)
    at: datetime


class ContactIn(_In):
    method: Literal["text", "call"]
    phone: str | None = Field(default=None, max_length=30)  # none: use_sender_number
    use_sender_number: bool = False
    times: str = Field(default="", max_length=200)
    safe_to_text: StrictBool
    safe_to_leave_message: StrictBool
    needs: str = Field(default="", max_length=300)
    # The family's whole answer when they gave their number, if it said
    # more than the number ("07700 900123 dont text it").
    said_with_number: str = Field(default="", max_length=300)

    @field_validator("times", "needs", "said_with_number", mode="before")
    @classmethod
    def _none_is_empty(cls, value):
        return "" if value is None else value


class TranscriptLine(_In):
    sender: Literal["family", "assistant"] = Field(alias="from")
    text: str
    at: datetime | None = None

    @field_validator("text", mode="before")
    @classmethod
    def _shorten(cls, value):
        # A long line is cut, not refused: the referral matters more.
        return value[:MAX_LINE_CHARS] if isinstance(value, str) else value


class ReferralIn(_In):
    conversation_id: str = Field(min_length=1, max_length=200)
    channel: Literal["web", "sms"] = "web"
    consent: ConsentIn
    family_words: str = Field(min_length=1, max_length=MAX_FAMILY_WORDS)
    first_name: str = Field(min_length=1, max_length=60)
    contact: ContactIn
    hub: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, max_length=10)
    topics: list[str] = Field(default_factory=list)
    urgent: StrictBool = False
    transcript: list[TranscriptLine] = Field(default_factory=list)
    # The language the family wrote in (api/languages/), as a code.
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")

    @field_validator("topics", mode="before")
    @classmethod
    def _first_topics(cls, value):
        if value is None:
            return []
        return value[:MAX_TOPICS] if isinstance(value, list) else value

    @field_validator("topics")
    @classmethod
    def _short_topics(cls, value: list[str]) -> list[str]:
        return [topic[:60] for topic in value]

    @field_validator("transcript", mode="before")
    @classmethod
    def _last_lines(cls, value):
        # Keep the most recent lines of a very long conversation.
        if value is None:
            return []
        return value[-MAX_TRANSCRIPT_LINES:] if isinstance(value, list) else value


class WithdrawIn(_In):
    conversation_id: str = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=500)
    channel: Literal["web", "sms"] | None = None


class UrgentIn(_In):
    conversation_id: str = Field(min_length=1, max_length=200)
    channel: Literal["web", "sms"] | None = None


class FamilyMessageIn(_In):
    conversation_id: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    channel: Literal["web", "sms"] | None = None


def explain(error: ValidationError) -> str:
    """Which fields are wrong, in the /internal error shape (api/internal/contract.py)."""
    return explain_error(error)
