"""Rasa stopped mid-conversation: the family's text waits, they get one
holding text, and once Rasa is back the text is answered, exactly once.
And the api restarting loses nothing."""
import time

import httpx

from tests.sms.conftest import HOLDING_AFTER_SECONDS
from tests.support.handover import flat

HOLDING = "Sorry, I am slow to answer just now."


def rasa_turns_with(stack, conversation_id, text):
    """How many times Rasa's own tracker holds this message from the family."""
    tracker = httpx.get(f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
                        params={"token": stack.env["RASA_TOKEN"]}, timeout=30).json()
    return sum(1 for event in tracker["events"] if event.get("event") == "user" and event.get("text") == text)


def test_rasa_stopped_the_text_is_answered_once_it_is_back(family, sms_stack, twilio):
    assert "Riverside" in flat(family.say("when is riverside open"))  # the conversation is under way
    sms_stack.stop("rasa")
    try:
        family.send("where is northgate family hub")  # Twilio is still answered at once
        sid = family.last_sid
        deadline = time.monotonic() + HOLDING_AFTER_SECONDS + 30
        while not any(HOLDING in m["Body"] for m in twilio.to(family.number)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert family.texts_for(sid) is None  # still waiting
    finally:
        sms_stack.start("rasa")
    sms_stack.wait_for_rasa()
    replies = family.wait(sid, timeout=300, kinds=("reply", "sms_holding"))
    assert sum(HOLDING in text for text in replies) == 1
    answer = [text for text in replies if HOLDING not in text]
    assert len(answer) == 1 and "Northgate" in answer[0], replies
    [(conversation, attempts)] = sms_stack.query(
        "SELECT conversation_id, attempts FROM sms_inbound WHERE message_sid = ?", sid)
    assert attempts >= 2
    time.sleep(3)  # nothing more arrives later
    assert rasa_turns_with(sms_stack, conversation, "where is northgate family hub") == 1
    assert sum("Northgate" in m["Body"] for m in twilio.to(family.number)) == 1


def test_nothing_is_lost_across_an_api_restart(family, sms_stack):
    sms_stack.stop("sms-worker")
    try:
        family.send("what time does millbrook open")
        sid = family.last_sid
        sms_stack.stop("api")
        sms_stack.start("api")
        sms_stack.wait_until_healthy()
    finally:
        sms_stack.start("sms-worker")
    assert "Millbrook" in flat(family.wait(sid, timeout=120))
