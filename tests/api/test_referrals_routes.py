"""The referral routes as the action server and staff browsers use them:
status codes, JSON, who may see what, the audit log, the outbox, live events."""

import json
from datetime import timedelta

import anyio
import pytest
from sqlalchemy import func, select

from api.outbox.models import OutboxMessage
from api.referrals import service
from api.referrals.live import channel_name, publish_referral_changed, queue_events
from api.staff.audit import AuditEvent
from tests.api.conftest import AUTH, make_settings
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    TEST_DATA_KEY, encryption_key, london, make_staff, new_key, no_referrals, payload, sign_in,
)

MONDAY_10AM = london(2026, 11, 23, 10, 0)


@pytest.fixture
def client(make_client):
    return make_client(now=MONDAY_10AM, data_encryption_key=TEST_DATA_KEY)


def post_referral(client, key=None, **changes):
    return client.post("/internal/referrals", json=payload(**changes),
                       headers={**AUTH, "Idempotency-Key": key or new_key()})


def audits(session_factory, action: str, subject_id: str | None = None) -> list[AuditEvent]:
    with session_factory() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        if subject_id is not None:
            query = query.where(AuditEvent.subject_id == subject_id)
        return list(session.scalars(query))


def outbox_count(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count(OutboxMessage.id)))


# --- internal routes (the action server) ---

def test_create_gives_201_the_reference_and_the_confirmation(client):
    response = post_referral(client)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"referral_id", "messages"}
    assert body["messages"] == [{"text": "Thanks Jo. Amira from Riverside Family Hub will text you by 5pm today. "
                                         "You won't need to explain everything again."}]


def test_a_repeated_key_gives_200_and_the_same_referral(client):
    key = new_key()
    first, again = post_referral(client, key), post_referral(client, key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


@pytest.mark.parametrize("changes, field", [
    ({"first_name": None}, "first_name"), ({"family_words": "x" * 10_000}, "family_words"),
    ({"hub": "Atlantis"}, "hub"), ({"consent__answer": "no"}, "consent"),
])
def test_bad_input_gives_422_with_a_clear_detail(client, session_factory, changes, field):
    response = post_referral(client, **changes)
    assert response.status_code == 422
    assert response.json()["detail"].startswith(field)
    with session_factory() as session:
        assert service.queue(session, status="all") == []


def test_no_idempotency_key_gives_422(client):
    response = client.post("/internal/referrals", json=payload(), headers=AUTH)
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["detail"]


def test_not_json_gives_422(client):
    response = client.post("/internal/referrals", content=b"hello", headers={**AUTH, "Idempotency-Key": "k"})
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/internal/referrals", "/internal/referrals/withdraw",
                                  "/internal/referrals/messages"])
def test_internal_referral_routes_need_the_token(client, path):
    response = client.post(path, json=payload(), headers={"Idempotency-Key": new_key()})
    assert response.status_code == 401


def test_no_encryption_key_gives_503_and_no_referral(make_client, session_factory):
    client = make_client(now=MONDAY_10AM, data_encryption_key="")
    assert post_referral(client).status_code == 503


def test_withdraw_route(client):
    post_referral(client)
    response = client.post("/internal/referrals/withdraw", json={"conversation_id": "c0ffee-1", "reason": "ok now"},
                           headers=AUTH)
    assert response.status_code == 200
    assert response.json()["withdrawn"] is True
    assert "stopped your request" in response.json()["messages"][0]["text"]


def test_messages_route_attaches_to_the_open_referral(client):
    post_referral(client)
    attached = client.post("/internal/referrals/messages", json={"conversation_id": "c0ffee-1", "text": "also this"},
                           headers=AUTH)
    assert attached.json() == {"attached": True, "messages": [
        {"text": "Thanks. I have added this to your request. Amira will see it."}]}
    loose = client.post("/internal/referrals/messages", json={"conversation_id": "other", "text": "hi"}, headers=AUTH)
    assert loose.json() == {"attached": False, "messages": []}


def test_a_crisis_after_the_handover_makes_the_open_request_urgent_on_the_queue(client, session_factory):
    calm = post_referral(client).json()["referral_id"]
    earlier = post_referral(client, conversation_id="someone-else").json()["referral_id"]
    response = client.post("/internal/referrals/urgent", json={"conversation_id": "c0ffee-1"}, headers=AUTH)
    assert response.json() == {"urgent": True}
    assert client.post("/internal/referrals/urgent", json={"conversation_id": "nobody"},
                       headers=AUTH).json() == {"urgent": False}
    sign_in(client, make_staff(session_factory, "front_door"))
    queue = client.get("/staff/queue").text
    assert queue.index(calm) < queue.index(earlier)  # urgent first
    page = client.get(f"/staff/referrals/{calm}").text
    assert "Made urgent: the family told the assistant of a crisis" in page


def test_a_new_referral_is_published_for_the_live_queue(client, test_redis):
    pubsub = test_redis.pubsub()
    pubsub.subscribe(channel_name(make_settings("sqlite://")))
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    reference = post_referral(client).json()["referral_id"]
    message = pubsub.get_message(timeout=3)
    assert json.loads(message["data"]) == {"referral_id": reference, "hub": "riverside", "status": "new"}
    pubsub.close()


def test_a_workers_live_stream_only_carries_their_hubs_changes(client, test_redis):
    settings = make_settings("sqlite://")

    async def listen() -> list[str]:
        from api.deps import make_redis
        redis = make_redis(settings)
        seen, done = [], anyio.Event()

        async def is_disconnected():
            return done.is_set()

        async def read():
            async for chunk in queue_events(redis, settings, "northgate", is_disconnected):
                seen.append(chunk)
                if "event: referral" in chunk:
                    done.set()

        async with anyio.create_task_group() as group:
            group.start_soon(read)
            await anyio.sleep(0.3)
            await publish_referral_changed(redis, settings, "AAAA-AAAA", "riverside", "new")
            await publish_referral_changed(redis, settings, "BBBB-BBBB", "northgate", "new")
            with anyio.fail_after(5):
                await done.wait()
        await redis.aclose()
        return seen

    events = [chunk for chunk in anyio.run(listen) if chunk.startswith("event:")]
    assert len(events) == 1 and "BBBB-BBBB" in events[0]


# --- staff pages: who may see what ---

STAFF_GETS = ["/staff/queue", "/staff/queue/table", "/staff/referrals/ABCD-EFGH"]


@pytest.mark.parametrize("path", STAFF_GETS)
def test_strangers_are_sent_to_sign_in(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login?next=/staff/")


@pytest.mark.parametrize("path", ["claim", "status", "notes", "reassign", "texts"])
def test_strangers_cannot_post(client, path):
    reference = post_referral(client).json()["referral_id"]
    response = client.post(f"/staff/referrals/{reference}/{path}", data={}, follow_redirects=False)
    assert response.status_code in (303, 403)
    with client.app.state.session_factory() as session:
        assert service.load_referral(session, reference).status == "new"


def test_comms_cannot_open_the_queue(client, session_factory):
    sign_in(client, make_staff(session_factory, "comms"))
    assert client.get("/staff/queue").status_code == 403


def test_a_worker_sees_only_their_own_hubs_referrals(client, session_factory):
    riverside = post_referral(client).json()["referral_id"]
    northgate = post_referral(client, hub="northgate").json()["referral_id"]
    sign_in(client, make_staff(session_factory, "worker", hub_slug="northgate"))
    queue = client.get("/staff/queue?hub=riverside")
    assert queue.status_code == 200
    assert northgate in queue.text and riverside not in queue.text
    assert client.get(f"/staff/referrals/{northgate}").status_code == 200
    assert client.get(f"/staff/referrals/{riverside}").status_code == 403


def test_front_door_sees_every_hub_and_can_filter(client, session_factory):
    riverside = post_referral(client).json()["referral_id"]
    northgate = post_referral(client, hub="northgate").json()["referral_id"]
    sign_in(client, make_staff(session_factory, "front_door"))
    everything = client.get("/staff/queue").text
    assert riverside in everything and northgate in everything
    only_north = client.get("/staff/queue?hub=northgate").text
    assert northgate in only_north and riverside not in only_north


def test_a_worker_cannot_reassign(client, session_factory):
    reference = post_referral(client).json()["referral_id"]
    token = sign_in(client, make_staff(session_factory, "worker", hub_slug="riverside"))
    response = client.post(f"/staff/referrals/{reference}/reassign", data={"csrf_token": token, "worker_id": 1})
    assert response.status_code == 403


def test_a_post_without_the_csrf_token_is_refused(client, session_factory):
    reference = post_referral(client).json()["referral_id"]
    sign_in(client, make_staff(session_factory, "front_door"))
    response = client.post(f"/staff/referrals/{reference}/claim", data={})
    assert response.status_code == 403
    with session_factory() as session:
        assert service.load_referral(session, reference).status == "new"


def test_urgent_is_at_the_top_of_the_queue_page(client, session_factory):
    calm = post_referral(client).json()["referral_id"]
    urgent = post_referral(client, urgent=True).json()["referral_id"]
    sign_in(client, make_staff(session_factory, "front_door"))
    page = client.get("/staff/queue").text
    assert page.index(urgent) < page.index(calm)


# --- staff pages: reading and changing, all audited ---

def test_reading_a_referral_shows_the_story_and_is_audited(client, session_factory):
    reference = post_referral(client).json()["referral_id"]
    staff = make_staff(session_factory, "front_door")
    sign_in(client, staff)
    page = client.get(f"/staff/referrals/{reference}")
    assert page.status_code == 200
    for shown in ["My son has stopped going to school", "my son wont go to school", "+447700900123",
                  "Can I pass what you tell me to the Riverside team?", "any time"]:
        assert shown in page.text
    [event] = audits(session_factory, "referral.viewed", reference)
    assert event.staff_id == staff.id


def test_the_worker_sees_what_was_said_with_the_number_and_the_promised_times(client, session_factory):
    reference = post_referral(client, contact__times="weekday mornings before 11", contact__method="call",
                              contact__said_with_number="07700 900123 dont text it or leave a voicemail",
                              ).json()["referral_id"]
    sign_in(client, make_staff(session_factory, "front_door"))
    page = " ".join(client.get(f"/staff/referrals/{reference}").text.split())
    assert '<strong id="contact-condition">dont text it or leave a voicemail</strong>' in page
    assert 'id="not-safe-to-text"' in page and 'id="no-voicemail"' in page
    # Monday 10am, free until 11: the worker sees what the family was told.
    assert "Amira Hassan will call them by Monday 23 November 2026, 11:00am" in page


def test_claim_text_note_close_each_change_is_audited_and_texts_go_to_the_outbox(client, session_factory):
    reference = post_referral(client).json()["referral_id"]
    staff = make_staff(session_factory, "front_door", name="Sam Carter")
    token = sign_in(client, staff)
    steps = [("claim", {}), ("texts", {"message": "Hi Jo, I can call you at 4pm. Is that ok?"}),
             ("notes", {"note": "Left a text."}), ("status", {"status": "contacted"}),
             ("status", {"status": "closed", "reason": "Booked into the school support group."})]
    for path, data in steps:
        response = client.post(f"/staff/referrals/{reference}/{path}", data={"csrf_token": token, **data},
                               follow_redirects=False)
        assert response.status_code == 303, (path, response.text)
    for action in ["referral.claimed", "referral.text_sent", "referral.note_added"]:
        assert len(audits(session_factory, action, reference)) == 1
    assert len(audits(session_factory, "referral.status_changed", reference)) == 2
    with session_factory() as session:
        referral = service.load_referral(session, reference)
        assert referral.status == "closed" and referral.status_reason == "Booked into the school support group."
        bodies = [m.body for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert bodies[0].startswith("Hello Jo, this is Sam from Riverside Family Hub.")
    assert bodies[1] == "Hi Jo, I can call you at 4pm. Is that ok?"


def test_the_second_claimer_is_told_who_has_it(client, make_client, session_factory):
    reference = post_referral(client).json()["referral_id"]
    first = make_staff(session_factory, "front_door", name="Sam Carter")
    token = sign_in(client, first)
    assert client.post(f"/staff/referrals/{reference}/claim", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    other = make_client(now=MONDAY_10AM, data_encryption_key=TEST_DATA_KEY)
    other_token = sign_in(other, make_staff(session_factory, "front_door"))
    response = other.post(f"/staff/referrals/{reference}/claim", data={"csrf_token": other_token})
    assert response.status_code == 409
    assert "Sam Carter has already claimed this referral." in response.text
    assert len(audits(session_factory, "referral.claim_refused", reference)) == 1


def test_not_safe_to_text_is_shown_and_blocks_texting(client, session_factory):
    reference = post_referral(client, contact__method="call", contact__safe_to_text=False).json()["referral_id"]
    token = sign_in(client, make_staff(session_factory, "front_door"))
    page = client.get(f"/staff/referrals/{reference}").text
    assert "Do not text this family" in page and 'id="send-text"' not in page
    client.post(f"/staff/referrals/{reference}/claim", data={"csrf_token": token})
    response = client.post(f"/staff/referrals/{reference}/texts", data={"csrf_token": token, "message": "Hello"})
    assert response.status_code == 409 and "not safe" in response.text
    assert outbox_count(session_factory) == 0
    assert len(audits(session_factory, "referral.text_sent_refused", reference)) == 1


def test_closing_without_a_reason_is_refused_on_the_page(client, session_factory):
    reference = post_referral(client).json()["referral_id"]
    token = sign_in(client, make_staff(session_factory, "front_door"))
    client.post(f"/staff/referrals/{reference}/claim", data={"csrf_token": token})
    response = client.post(f"/staff/referrals/{reference}/status", data={"csrf_token": token, "status": "closed"})
    assert response.status_code == 409 and "Give a reason" in response.text


def test_front_door_can_reassign_to_another_hubs_worker(client, session_factory):
    reference = post_referral(client).json()["referral_id"]
    token = sign_in(client, make_staff(session_factory, "front_door"))
    with session_factory() as session:
        grace = next(w for w in service.workers_for_reassign(session) if w.name == "Grace Okafor")
    response = client.post(f"/staff/referrals/{reference}/reassign", data={"csrf_token": token, "worker_id": grace.id},
                           follow_redirects=False)
    assert response.status_code == 303
    with session_factory() as session:
        referral = service.load_referral(session, reference)
        assert referral.worker.name == "Grace Okafor" and referral.hub.slug == "northgate"
    assert len(audits(session_factory, "referral.reassigned", reference)) == 1


def test_the_queue_view_is_audited(client, session_factory):
    staff = make_staff(session_factory, "front_door")
    sign_in(client, staff)
    client.get("/staff/queue")
    assert any(e.staff_id == staff.id for e in audits(session_factory, "referral_queue.viewed"))


def test_time_moves_on_the_same_key_still_gives_the_same_words(make_client):
    early = make_client(now=MONDAY_10AM, data_encryption_key=TEST_DATA_KEY)
    key = new_key()
    first = post_referral(early, key).json()
    later = make_client(now=MONDAY_10AM + timedelta(minutes=1), data_encryption_key=TEST_DATA_KEY)
    assert post_referral(later, key).json() == first
