"""The booking routes as the action server uses them: status codes, JSON
shapes, family words in every answer. And the promise that matters most:
parallel requests for the last places never overbook, on SQLite and
PostgreSQL, through a real uvicorn server."""

import threading
import time
from collections import Counter

import httpx
import pytest
import uvicorn

from api.bookings import service
from api.clock import get_now
from api.main import create_app
from tests.api.booking_helpers import (  # noqa: F401 - fixtures
    MESSY_NEXT_TUESDAY, MESSY_TUESDAY, MONDAY_10AM, STAY_AND_PLAY, TEST_DATA_KEY, a_phone, booking_body, bookings_with,
    conversation, count_bookings, encryption_key, new_key, no_bookings, places_taken, texts,
)
from tests.api.conftest import AUTH, make_settings
from tests.support.ports import unused_port


@pytest.fixture
def client(make_client):
    return make_client(now=MONDAY_10AM, data_encryption_key=TEST_DATA_KEY)


def post_booking(client, key=None, occurrence=MESSY_TUESDAY, **changes):
    return client.post("/internal/bookings", json=booking_body(occurrence, **changes),
                       headers={**AUTH, "Idempotency-Key": key or new_key()})


def texts_of(response) -> list[str]:
    return [message["text"] for message in response.json()["messages"]]


def fill(session_factory, occurrence=MESSY_TUESDAY, places=10):
    with session_factory() as session:
        for index in range(places):
            service.create_booking(session, booking_body(occurrence, children=1, child_ages_months=[30],
                                                         phone=a_phone(index)), new_key(), MONDAY_10AM)


@pytest.mark.parametrize("method, path", [
    ("post", "/internal/bookings/options"), ("get", "/internal/bookings/needs"), ("post", "/internal/bookings"),
    ("post", "/internal/bookings/check"), ("get", "/internal/bookings/mine"), ("post", "/internal/bookings/find"),
    ("post", "/internal/bookings/FH123456/cancel"), ("get", "/internal/bookings/FH123456/move-options"),
    ("post", "/internal/bookings/FH123456/move"),
])
def test_every_route_needs_the_token(client, method, path):
    assert getattr(client, method)(path).status_code == 401


def test_the_chats_one_address_started_book_only_so_many_a_day(make_client, fake_rasa, test_redis):
    client = make_client(now=MONDAY_10AM, data_encryption_key=TEST_DATA_KEY, rasa_url=fake_rasa.url,
                         booking_max_per_address_per_day=2)
    made = []
    for index in range(3):
        client.cookies.clear()  # a script that drops its cookie: a new chat each time, from the same address
        assert client.post("/chat/messages", json={"text": "book messy play"}).status_code == 200
        key = new_key()
        made.append((key, post_booking(client, key, conversation_id=fake_rasa.received[-1]["json"]["sender"],
                                       phone=a_phone(index))))
    assert [response.status_code for _, response in made] == [201, 201, 429]
    assert texts_of(made[2][1])[0].startswith("Sorry")
    first_key, first = made[0]
    again = post_booking(client, first_key, conversation_id=fake_rasa.received[0]["json"]["sender"],
                         phone=a_phone(0))
    assert again.status_code == 200 and again.json()["reference"] == first.json()["reference"]
    # Texts, and chats with no address kept, are not counted against it.
    assert post_booking(client, channel="sms", phone=a_phone(5)).status_code == 201
    # The address is kept only as a keyed hash.
    kept = [test_redis.get(name) for name in test_redis.scan_iter(match="chat:address:*")]
    assert len(kept) == 3 and not any("testclient" in value for value in kept)


def test_options_route(client):
    response = client.post("/internal/bookings/options", json={"kind": "messy play", "day": "tuesday",
                                                               "channel": "sms"}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["options"] == [{"id": MESSY_TUESDAY, "label": "Messy play at Riverside Family Hub, tomorrow 10am "
                                "to 11am", "booking_required": True, "full": False}]
    assert texts_of(response) == ["I found this session:\n1. Messy play at Riverside Family Hub, tomorrow 10am to "
                                  "11am.\nReply 1 to choose it."]
    none = client.post("/internal/bookings/options", json={"kind": "swimming"}, headers=AUTH)
    assert none.status_code == 200 and none.json()["options"] == [] and texts_of(none)


def test_needs_route(client, session_factory):
    drop_in = client.get("/internal/bookings/needs", params={"occurrence": STAY_AND_PLAY}, headers=AUTH)
    assert drop_in.status_code == 200 and drop_in.json()["booking_required"] is False
    assert "Just turn up" in texts_of(drop_in)[0]
    for occurrence in ["riverside_messy_play_tue@2026-11-17", "nonsense", "riverside_messy_play_tue@2026-11-25"]:
        missing = client.get("/internal/bookings/needs", params={"occurrence": occurrence}, headers=AUTH)
        assert missing.status_code == 404 and texts_of(missing), occurrence
    fill(session_factory)
    full = client.get("/internal/bookings/needs", params={"occurrence": MESSY_TUESDAY, "channel": "sms"},
                      headers=AUTH).json()
    assert full["full"] is True and full["booking_required"] is True
    assert full["options"][-1] == {"id": "wait:" + MESSY_TUESDAY, "label": "Join the waiting list for Messy play "
                                   "tomorrow", "booking_required": True, "full": False}


def test_check_route(client):
    ok = client.post("/internal/bookings/check", json={"occurrence": MESSY_TUESDAY, "children": 2,
                                                       "child_ages_months": [24, 40], "adults": 1}, headers=AUTH)
    assert (ok.status_code, ok.json()) == (200, {"ok": True, "messages": []})
    too_many = client.post("/internal/bookings/check?channel=sms", json={"occurrence": MESSY_TUESDAY, "children": 40,
                                                                         "adults": 1}, headers=AUTH)
    assert too_many.status_code == 422
    assert texts_of(too_many)[0].startswith("Sorry, I can only book up to 6 children at once.")
    bad = client.post("/internal/bookings/check", content=b"not json", headers=AUTH)
    assert bad.status_code == 422 and texts_of(bad)


def test_create_route_then_a_repeat(client, session_factory):
    key = new_key()
    first = post_booking(client, key)
    assert first.status_code == 201
    body = first.json()
    assert set(body) == {"reference", "status", "messages"} and body["status"] == "booked"
    assert body["reference"] in texts_of(first)[0]
    again = post_booking(client, key)
    assert again.status_code == 200 and again.json() == body
    assert count_bookings(session_factory) == 1 and len(texts(session_factory, "booking_number_check")) == 1


@pytest.mark.parametrize("changes", [
    {"children": 40, "child_ages_months": [30] * 40}, {"occurrence": "riverside_messy_play_tue@2026-11-17"},
    {"occurrence": "made_up@2026-11-24"}, {"phone": "+1 202 555 0143"}, {"phone": "07700 9001"},
    {"phone": "01632 960101"}, {"child_ages_months": [3, 30]},
])
def test_create_route_refuses_bad_input_with_words(client, session_factory, changes):
    response = post_booking(client, **changes)
    assert response.status_code == 422 and texts_of(response) and response.json()["detail"]
    assert count_bookings(session_factory) == 0 and places_taken(session_factory, MESSY_TUESDAY) == 0


def test_create_route_needs_a_key(client, session_factory):
    response = client.post("/internal/bookings", json=booking_body(), headers=AUTH)
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["detail"]
    assert count_bookings(session_factory) == 0


def test_create_route_when_full(client, session_factory):
    fill(session_factory)
    response = post_booking(client, children=1, child_ages_months=[30], channel="sms")
    assert response.status_code == 409
    body = response.json()
    assert body["full"] is True and body["options"][-1]["id"] == "wait:" + MESSY_TUESDAY
    assert texts_of(response)[0].startswith("Sorry, Messy play tomorrow is full.")
    waiting = post_booking(client, occurrence="wait:" + MESSY_TUESDAY, children=1, child_ages_months=[30])
    assert waiting.status_code == 201 and waiting.json()["status"] == "waiting"


def test_mine_find_cancel_and_move_routes(client, session_factory):
    family = conversation()
    reference = post_booking(client, conversation_id=family).json()["reference"]
    mine = client.get("/internal/bookings/mine", params={"conversation_id": family}, headers=AUTH)
    assert mine.status_code == 200
    assert mine.json()["bookings"] == [{"reference": reference, "occurrence": MESSY_TUESDAY, "label":
                                        f"{reference}: Messy play at Riverside Family Hub, Tuesday 24 November "
                                        "10am to 11am."}]
    found = client.post("/internal/bookings/find", json={"conversation_id": family, "text": "my booking",
                                                         "day": "tuesday"}, headers=AUTH)
    assert [b["reference"] for b in found.json()["bookings"]] == [reference]

    options = client.get(f"/internal/bookings/{reference}/move-options", params={"conversation_id": family},
                         headers=AUTH)
    assert options.status_code == 200 and options.json()["options"][0]["id"] == MESSY_NEXT_TUESDAY
    moved = client.post(f"/internal/bookings/{reference}/move", json={"conversation_id": family,
                                                                      "occurrence": MESSY_NEXT_TUESDAY},
                        headers={**AUTH, "Idempotency-Key": new_key()})
    assert moved.status_code == 200 and moved.json()["reference"] == reference
    assert places_taken(session_factory, MESSY_NEXT_TUESDAY) == 2

    stranger = client.post(f"/internal/bookings/{reference}/cancel", json={"conversation_id": conversation()},
                           headers=AUTH)
    assert stranger.status_code == 404 and texts_of(stranger)
    cancelled = client.post(f"/internal/bookings/{reference}/cancel", json={"conversation_id": family},
                            headers=AUTH)
    assert cancelled.status_code == 200 and cancelled.json()["cancelled"] is True
    assert places_taken(session_factory, MESSY_NEXT_TUESDAY) == 0
    unknown = client.post("/internal/bookings/FH000001/cancel", json={"conversation_id": family}, headers=AUTH)
    assert unknown.status_code == 404
    assert client.get("/internal/bookings/mine", params={"conversation_id": family},
                      headers=AUTH).json()["bookings"] == []


# --- no overbooking under real concurrency ---

@pytest.fixture
def served_api(database_url, test_redis):
    """The api under uvicorn on a loopback port, in a thread: requests are
    served concurrently (event loop plus thread pool, a connection each)."""
    app = create_app(make_settings(database_url, data_encryption_key=TEST_DATA_KEY))
    app.dependency_overrides[get_now] = lambda: MONDAY_10AM
    port = unused_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


@pytest.mark.parametrize("families, places_left", [(16, 3), (12, 1)])
def test_parallel_bookers_for_the_last_places_never_overbook(served_api, session_factory, families, places_left):
    fill(session_factory, places=10 - places_left)
    start = threading.Barrier(families)
    statuses: list[int] = []
    lock = threading.Lock()

    def one_family(index: int) -> None:
        body = booking_body(children=1, child_ages_months=[30], first_name=f"Parent{index}", phone=a_phone(50 + index))
        with httpx.Client(base_url=served_api, timeout=60) as http:
            start.wait()
            response = http.post("/internal/bookings", json=body, headers={**AUTH, "Idempotency-Key": new_key()})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=one_family, args=(i,)) for i in range(families)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(statuses) == {201: places_left, 409: families - places_left}
    assert places_taken(session_factory, MESSY_TUESDAY) == 10
    assert len(bookings_with(session_factory, "booked")) == 10


def test_parallel_retries_of_one_booking_make_one_booking(served_api, session_factory):
    key, body, start = new_key(), booking_body(), threading.Barrier(8)
    statuses: list[int] = []

    def retry() -> None:
        with httpx.Client(base_url=served_api, timeout=60) as http:
            start.wait()
            statuses.append(http.post("/internal/bookings", json=body,
                                      headers={**AUTH, "Idempotency-Key": key}).status_code)

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(statuses) == {201: 1, 200: 7}, statuses
    assert count_bookings(session_factory) == 1 and places_taken(session_factory, MESSY_TUESDAY) == 2


def test_no_encryption_key_gives_503_and_no_booking(make_client, session_factory):
    client = make_client(now=MONDAY_10AM, data_encryption_key="")
    response = post_booking(client)
    assert response.status_code == 503 and texts_of(response)[0].startswith("Sorry, something went wrong")
    assert count_bookings(session_factory) == 0 and places_taken(session_factory, MESSY_TUESDAY) == 0
