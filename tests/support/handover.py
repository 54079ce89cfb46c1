"""A family going through the whole handover, answering every question.
Used by the conversation tests and by bench/."""
import re

OFFER = "Would you like someone from the family hub to get in touch with you?"


def flat(texts):
    return " ".join(" ".join(texts).split())


def answer_until_the_last_question(say, *, first="can someone from the hub get in touch",
                                   story="we have been told to leave our flat", name="jo", method="text",
                                   phone="07700 900123"):
    """Everything up to "Which family hub is best for you?"; `say(text)` returns the replies.
    By text the number question is "Shall they use the number you are texting
    from?", which a number, "yes" or "this one" answers."""
    assert OFFER in flat(say(first))
    assert "Is it OK to share this with the family hub team?" in flat(say("yes please"))
    steps = [("yes", "In your own words"), (story, "What name"), (name, "text or a phone call"),
             (method, "number"), (phone, "safe for us to text"), ("yes", "What times"),
             ("after 3pm", "interpreter"), ("no", "Which family hub")]
    for answer, next_question in steps:
        assert next_question in flat(say(answer)), f"after {answer!r}"


def queue_html(front_door):
    """The staff queue, every status; `front_door` is a logged-in staff client."""
    response = front_door.get("/staff/queue", params={"status": "all"})
    assert response.status_code == 200
    return response.text


def references(front_door):
    return set(re.findall(r'data-referral="([^"]+)"', queue_html(front_door)))


def referral_page(front_door, reference):
    response = front_door.get(f"/staff/referrals/{reference}")
    assert response.status_code == 200
    return " ".join(response.text.split())
