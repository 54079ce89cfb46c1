"""`/internal/...` routes for the action server and Rasa (see docs/contracts.md).

Each route checks the bearer token, calls one service function, and
returns `{"messages": [{"text": ...}]}`; `/internal/nlg` answers Rasa's NLG
callback instead, with one message.
"""

import hmac
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.clock import get_now
from api.content.glossary import explaining_answer, load_glossary
from api.content.service import AnswerNotFound, response_message, template_placeholders
from api.crisis.service import crisis_support
from api.db import get_db
from api.deps import get_app_settings
from api.directory import service as directory
from api.settings import Settings

Channel = Literal["web", "sms"]
# The language to answer in (api/languages/), as a code: "pl".
LanguageCode = Query(default="en", pattern=r"^[a-z]{2,3}$")


def require_actions_token(authorization: str | None = Header(default=None),
                          settings: Settings = Depends(get_app_settings)) -> None:
    """401 unless `Authorization: Bearer <ACTIONS_API_TOKEN>` (constant-time compare).
    With no token configured, nothing gets in."""
    expected = settings.actions_api_token.encode()
    scheme, _, given = (authorization or "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise HTTPException(status_code=401, detail="missing or wrong bearer token",
                            headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/internal", dependencies=[Depends(require_actions_token)])


def messages(texts: list[str]) -> dict:
    return {"messages": [{"text": text} for text in texts]}


@router.get("/answers/{key}")
def answer(key: str, channel: Channel = "web", language: str = LanguageCode, db: Session = Depends(get_db),
           now: datetime = Depends(get_now)) -> dict:
    """One answer as stored now; its quick replies too, when it has some.
    When the hub is shut, an answer naming daytime numbers comes after what
    can be done tonight (directory.tonight_first)."""
    try:
        message = response_message(db, key, channel, language=language)
        named = template_placeholders(message["text"])
        # An answer naming the directory's numbers gets them as they are now;
        # a question with the family's details ({first_name}) comes as written.
        if named <= set(directory.local_facts(db)):
            message["text"] = directory.answer_with_local_facts(db, key, channel, language)[0]
    except AnswerNotFound:
        raise HTTPException(status_code=404, detail="no answer with that key")
    first = directory.tonight_first(db, now, channel) if any(n.endswith("_phone") for n in named) else []
    return {"messages": [{"text": text} for text in first] + [{k: v for k, v in message.items() if v}]}


# What Rasa puts in an NLG request's `arguments` besides the values an
# action passed (rasa-sdk's message fields): never template values.
MESSAGE_FIELDS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment", "id"}


class NlgRequest(BaseModel):
    """Rasa's NLG callback body (Rasa 3.6, `nlg:` in endpoints.yml). The
    tracker may be whole (Rasa's own callback) or only its slots and latest
    message (bot.nlg.ApiNaturalLanguageGenerator sends no events)."""

    # A name, never a control character (PostgreSQL cannot look up a NUL: a 500 before).
    response: str = Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f]+$")
    arguments: dict[str, Any] = Field(default_factory=dict)
    tracker: dict[str, Any] = Field(default_factory=dict)
    channel: dict[str, Any] = Field(default_factory=dict)

    def _metadata(self) -> dict:
        """The latest message's metadata: the api sets `channel` and `language`
        when it passes a message to Rasa."""
        latest = self.tracker.get("latest_message") or {}
        metadata = latest.get("metadata") if isinstance(latest, dict) else None
        return metadata if isinstance(metadata, dict) else {}

    def family_channel(self) -> Channel:
        """SMS or web chat, as the actions decide."""
        return "sms" if self._metadata().get("channel") == "sms" else "web"

    def family_language(self) -> str:
        """The language to answer in."""
        language = self._metadata().get("language")
        return language if isinstance(language, str) and language.isalpha() and len(language) <= 3 else "en"

    def values(self) -> dict[str, Any]:
        """The slots, with what the action passed on top."""
        slots = self.tracker.get("slots") or {}
        passed = {k: v for k, v in self.arguments.items() if k not in MESSAGE_FIELDS}
        return {**(slots if isinstance(slots, dict) else {}), **passed}


@router.post("/nlg")
def nlg(body: NlgRequest, db: Session = Depends(get_db)) -> dict:
    """Rasa's words for one of its responses, by name: `{"text", "buttons"}`.
    404 for a name with no answer (Rasa then says its safe fallback)."""
    try:
        return response_message(db, body.response, body.family_channel(),
                                {**directory.local_facts(db), **body.values()}, body.family_language())
    except AnswerNotFound:
        raise HTTPException(status_code=404, detail="no answer with that key")


# The family's words (the raw entity text: a hub, a day, a postcode) come in
# JSON bodies, never in query strings, which end up in access logs.

class WordsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: Channel = "web"


class HubAndDay(WordsIn):
    hub: str = Field(default="", max_length=200)
    day: str = Field(default="", max_length=200)


class HubOrPostcode(WordsIn):
    hub: str = Field(default="", max_length=200)
    postcode: str = Field(default="", max_length=200)


class HubWords(WordsIn):
    text: str = Field(default="", max_length=500)


class SessionSearch(WordsIn):
    day: str = Field(default="", max_length=200)
    hub: str = Field(default="", max_length=200)
    kind: str = Field(default="", max_length=200)
    age: str = Field(default="", max_length=200)


class HubOnly(WordsIn):
    hub: str = Field(default="", max_length=200)


@router.post("/opening-hours")
def opening_hours(body: HubAndDay, db: Session = Depends(get_db), now: datetime = Depends(get_now)) -> dict:
    return messages(directory.opening_times(db, body.hub, body.day, now, body.channel))


@router.post("/hubs/find")
def find_hub(body: HubOrPostcode, db: Session = Depends(get_db)) -> dict:
    return messages(directory.find_hub(db, body.hub, body.postcode, body.channel))


@router.post("/hubs/resolve")
def resolve_hub(body: HubWords, db: Session = Depends(get_db)):
    """Which hub the family chose (by name or postcode): 200 with its slug and
    name, or 404 with words that list the hubs."""
    hub = directory.hub_from_words(db, body.text)
    if hub is None:
        return JSONResponse(status_code=404, content=messages(directory.hub_not_found(db, body.text, body.channel)))
    return {"slug": hub.slug, "name": hub.name}


@router.post("/hubs/getting-there")
def getting_there(body: HubOrPostcode, db: Session = Depends(get_db)) -> dict:
    return messages(directory.getting_there(db, body.hub, body.postcode, body.channel))


@router.post("/glossary")
def glossary(body: HubWords, db: Session = Depends(get_db), settings: Settings = Depends(get_app_settings)) -> dict:
    """What the word the family asked about means ("what does EHCP mean"),
    from data/glossary.yml and the answers comms edit."""
    key = explaining_answer(load_glossary(str(settings.data_path / "glossary.yml")), body.text)
    return messages(directory.answer_with_local_facts(db, key, body.channel))


@router.post("/sessions")
def sessions(body: SessionSearch, db: Session = Depends(get_db), now: datetime = Depends(get_now)) -> dict:
    return messages(directory.whats_on(db, body.day, body.hub, body.kind, body.age, now, body.channel))


@router.post("/talk-to-person")
def talk_to_person(body: HubOnly, db: Session = Depends(get_db), now: datetime = Depends(get_now)) -> dict:
    return messages(directory.talk_to_person(db, body.hub, now, body.channel))


@router.get("/crisis")
def crisis(kind: str = Query(..., pattern=r"^[a-z_]{1,40}$"), channel: Channel = "web",
           language: str = LanguageCode, db: Session = Depends(get_db), now: datetime = Depends(get_now)) -> dict:
    try:
        return messages(crisis_support(db, kind, now, channel, language))
    except AnswerNotFound:
        raise HTTPException(status_code=404, detail="no crisis answer for that kind")
