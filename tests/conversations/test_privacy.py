"""What the front door keeps in Redis after a real conversation: nothing a
person could read, and nothing at all once the family clears the chat."""
from api.turns.conversation import pseudonym
from tests.support.handover import answer_until_the_last_question, flat

STORY = "my partner shouts at the kids every night"
NAME = "marguerite"
NUMBER_FORMS = ("07700 900123", "07700900123", "+447700900123", "7700 900123", "7700900123")


def everything_in(tracker_redis) -> dict[str, bytes]:
    """Every key in the stack's Redis database with all it holds, as bytes."""
    held = {}
    for key in tracker_redis.scan_iter(count=1000):
        kind = tracker_redis.type(key).decode()
        if kind == "string":
            parts = [tracker_redis.get(key) or b""]
        elif kind == "list":
            parts = tracker_redis.lrange(key, 0, -1)
        elif kind == "hash":
            parts = [b for pair in tracker_redis.hgetall(key).items() for b in pair]
        elif kind == "set":
            parts = list(tracker_redis.smembers(key))
        elif kind == "zset":
            parts = tracker_redis.zrange(key, 0, -1)
        elif kind == "stream":
            parts = [b for _, fields in tracker_redis.xrange(key) for pair in fields.items() for b in pair]
        else:
            parts = []
        held[key.decode()] = key + b"\n" + b"\n".join(parts)
    return held


def test_after_a_web_handover_no_redis_key_holds_the_familys_words(chat, tracker_redis):
    answer_until_the_last_question(chat.say, story=STORY, name=NAME)
    assert "from Riverside Family Hub" in flat(chat.say("riverside"))
    chat.say("also my youngest has asthma")

    held = everything_in(tracker_redis)
    assert any(key.startswith("familyhub:tracker:") for key in held)  # Rasa did keep the conversation
    for key, content in held.items():
        lowered = content.lower()
        for readable in (STORY, NAME, "youngest has asthma", *NUMBER_FORMS):
            assert readable.encode() not in lowered, f"{readable!r} readable in {key}"


def test_clearing_the_chat_leaves_no_tracker_of_it(chat, stack, tracker_redis):
    chat.say("when is riverside open")
    hashed = pseudonym(stack.env["PSEUDONYM_KEY"], chat.http.cookies["fh_chat"])
    ours = list(tracker_redis.scan_iter(match=f"familyhub:tracker:{hashed}-*"))
    assert ours

    response = chat.http.post("/chat/forget", data={"then": "clear"}, follow_redirects=False)

    assert response.status_code == 303
    assert not any(tracker_redis.exists(key) for key in ours)


def test_delete_my_data_asks_first_then_erases_everything_of_the_chat(chat, stack, tracker_redis, answers):
    chat.say("when is riverside open")
    assert answers["delete_my_data_check"] in flat(chat.say("delete my data"))
    done = flat(chat.say("yes"))
    assert "We have deleted your chats and texts with us" in done, done
    hashed = pseudonym(stack.env["PSEUDONYM_KEY"], chat.http.cookies["fh_chat"])
    assert not [key for key in tracker_redis.scan_iter(count=1000) if hashed.encode() in key]
    # The page shows nothing of it, and the next message starts afresh.
    assert "riverside open" not in chat.http.get("/chat").text
    assert chat.say("hello")


def test_a_no_to_delete_my_data_keeps_everything(chat, answers):
    chat.say("when is riverside open")
    assert answers["delete_my_data_check"] in flat(chat.say("please delete my data"))
    assert "we have not deleted anything" in flat(chat.say("no")).lower()
    assert "riverside open" in chat.http.get("/chat").text
