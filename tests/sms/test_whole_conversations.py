"""A whole booking and a whole handover by text, through the real services."""
import re

from tests.support.handover import answer_until_the_last_question, flat
from tests.support.sms_stack import ANSWERS

REFERENCE = re.compile(r"\bFH\d{6}\b")


def number_of(reply, title):
    found = re.search(rf"(\d+)\. {title} at", reply)
    assert found, reply
    return found.group(1)


def test_a_whole_booking_by_text_never_asks_for_the_number(family, sms_stack, twilio):
    reply = flat(family.say("can i book baby massage"))
    assert "Reply 1" in reply, reply
    assert "What is your first name?" in flat(family.say(number_of(reply, "Baby massage")))
    assert "How many children will come, and how old are they?" in flat(family.say("jo"))
    assert "How many grown ups will come?" in flat(family.say("1, aged 4 months"))
    reply = flat(family.say("1"))
    assert "Can we text you on this number" in reply, reply
    reply = flat(family.say("yes"))
    assert "Please check:" in reply and "Shall I book it?" in reply, reply
    texts = family.say("yes")
    reply = flat(texts)
    assert "You're booked, Jo" in reply and "Riverside Family Hub" in reply, reply
    assert "Tuesday 24 November" in reply
    (reference,) = REFERENCE.findall(reply)[:1]

    # The booking has the number the family texted from, and the
    # confirmation reached the phone once: as the reply, not again as a notice.
    [(channel, booked_hash)] = sms_stack.query("SELECT channel, phone_hash FROM bookings WHERE reference = ?",
                                               reference)
    contact_hashes = {row[0] for row in sms_stack.query("SELECT phone_hash FROM conversation_contacts")}
    assert channel == "sms" and booked_hash in contact_hashes
    assert sum(reference in message["Body"] for message in twilio.to(family.number)) == 1
    # Every text of the conversation went through Twilio from our number,
    # in GSM-7, and no answer cost more than two segments.
    sizes = sms_stack.query("SELECT d.encoding, d.segments FROM sms_deliveries d JOIN sms_inbound i "
                            "ON i.id = d.inbound_id WHERE i.phone_hash = ?", booked_hash)
    assert len(sizes) >= 7 and all(encoding == "GSM-7" and 1 <= segments <= 2 for encoding, segments in sizes), sizes


def test_a_whole_handover_by_text(family, sms_stack):
    answer_until_the_last_question(family.say)
    reply = flat(family.say("riverside"))
    # Sunday 8pm, "after 3pm": Monday afternoon, inside the time they gave.
    found = re.search(r"Thanks Jo\. (\w+) from Riverside Family Hub will text you tomorrow between 3pm and 4pm, "
                      r"a time you said is good\. You won't need to explain everything again\.", reply)
    assert found, reply
    worker = found.group(1)
    [(reference, channel, conversation)] = sms_stack.query(
        "SELECT reference, channel, conversation_id FROM referrals ORDER BY id DESC LIMIT 1")
    assert channel == "sms" and "7700" not in conversation
    # What the family texts afterwards goes onto the referral, for the same worker.
    later = flat(family.say("also my youngest has asthma"))
    assert f"I have added this to your request. {worker} will see it." in later
    events = sms_stack.query("SELECT e.kind FROM referral_events e JOIN referrals r ON r.id = e.referral_id "
                             "WHERE r.reference = ? AND e.kind = 'family_message'", reference)
    assert len(events) == 1


def test_a_handover_by_text_can_use_the_number_the_family_texts_from(family, sms_stack):
    """"this one" at "Shall they use the number you are texting from?" is the
    family's own number, which only the api knows."""
    answer_until_the_last_question(family.say, name="sam", phone="this one")
    assert "Thanks Sam." in flat(family.say("riverside"))
    [(phone_hash, conversation)] = sms_stack.query(
        "SELECT phone_hash, conversation_id FROM referrals ORDER BY id DESC LIMIT 1")
    [(texting_from,)] = sms_stack.query("SELECT phone_hash FROM conversation_contacts WHERE conversation_id = ?",
                                        conversation)
    assert phone_hash == texting_from


def test_at_night_what_can_be_done_tonight_comes_before_daytime_numbers(family):
    """A parent up with a baby late on a Sunday is not first told about a
    number that is shut (the SMS stack's clock is Sunday 8pm)."""
    reply = flat(family.say("my baby wont settle to sleep at night what can i do tonight"))
    assert "shut now" in reply and "opens at 9am" in reply, reply
    assert reply.index("NHS 111") < reply.index("01632 960000"), reply


def test_stop_then_nothing_more_then_start(family, twilio):
    assert flat(family.say("STOP")).startswith("You will not get any more texts")
    before = len(twilio.to(family.number))
    family.send("when is riverside open")
    assert family.wait(family.last_sid, kinds=ANSWERS + ("sms_holding",)) == []
    assert len(twilio.to(family.number)) == before
    assert "Welcome back" in flat(family.say("START"))
    assert "Riverside" in flat(family.say("when is riverside open"))
