"""What the assistant could not answer: kept masked, grouped, shown to staff
with weekly figures, sorted out by comms, exported as training examples."""

from datetime import datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy import delete, func, select, text

from api.turns.models import ConversationStart
from api.settings import REPO_ROOT
from api.unanswered.grouping import similarity, word_stems
from api.unanswered.masking import mask_personal_details
from api.unanswered.models import UnansweredGroup, UnansweredMessage
from api.unanswered.training import example_text, intent_for_answer, training_yaml
from api.unanswered.weekly import recent_weeks
from tests.api.conftest import AUTH
from tests.api.content_editor_helpers import NOW, audits, signed_in  # noqa: F401 - fixtures
from tests.api.referral_helpers import (  # noqa: F401 - fixtures
    TEST_DATA_KEY, encryption_key, new_key, no_referrals, payload,
)


@pytest.fixture(autouse=True)
def nothing_kept(session_factory):
    with session_factory() as session, session.begin():
        session.execute(delete(UnansweredMessage))
        session.execute(delete(UnansweredGroup))
        session.execute(delete(ConversationStart))
    yield


@pytest.fixture
def client(make_client):
    return make_client(now=NOW, data_encryption_key=TEST_DATA_KEY)


def report(client, said: str, conversation_id: str = "f00d-1", reason: str = "out_of_scope", **extra):
    body = {"conversation_id": conversation_id, "channel": "web", "text": said, "intent": "out_of_scope",
            "confidence": 0.82, "reason": reason, "entities": [], **extra}
    return client.post("/internal/unanswered", json=body, headers=AUTH)


def kept(session_factory) -> list[UnansweredMessage]:
    with session_factory() as session:
        return list(session.scalars(select(UnansweredMessage).order_by(UnansweredMessage.id)))


# --- masking ---

@pytest.mark.parametrize("said, kept_as", [
    ("my number is 07700 900123 pls ring", "my number is [phone] pls ring"),
    ("ring me on +44 7700 900 123", "ring me on [phone]"),
    ("email me at jo.bloggs@mail.example", "email me at [email]"),
    ("we live in FB1 2AB is there a hub", "we live in [postcode] is there a hub"),
    ("my name is Jo Bloggs and i need a job", "my name is [name] and i need a job"),
    ("hi its Sam here, can you get me a cot", "hi its [name] here, can you get me a cot"),
    ("im called sam. do u do swimming", "im called [name]. do u do swimming"),
    ("my nhs number is 485 777 3456", "my nhs number is [number]"),
])
def test_personal_details_are_masked(said, kept_as):
    assert mask_personal_details(said) == kept_as


@pytest.mark.parametrize("said", [
    "is riverside open on saturday", "baby massage for my 2 year old at 10:30", "this is urgent", "call me back",
])
def test_ordinary_words_are_kept(said):
    assert mask_personal_details(said) == said


def test_a_postcode_the_entity_ruler_found_is_masked_even_in_an_odd_form():
    said = "near fb1-2ab please"
    assert mask_personal_details(said, [{"entity": "postcode", "start": 5, "end": 12}]) == "near [postcode] please"
    assert mask_personal_details("near riverside", [{"entity": "hub", "start": 5, "end": 14}]) == "near riverside"


# --- grouping ---

def test_messages_worded_alike_have_a_lot_in_common():
    assert similarity(word_stems("is there swimming for babies"), word_stems("baby swimming lessons?")) >= 0.5
    assert similarity(word_stems("can i get free school meals"), word_stems("free school meals how do i apply")) >= 0.5
    assert similarity(word_stems("what is the weather"), word_stems("can you fix my car")) < 0.5


def test_the_route_keeps_masked_words_in_groups_with_counts(client, session_factory):
    for said in ("do you do baby swimming", "Baby swimming lessons? my number is 07700 900123",
                 "is there swimming for babies", "can you fix my car"):
        assert report(client, said).status_code == 201
    with session_factory() as session:
        groups = list(session.scalars(select(UnansweredGroup).order_by(UnansweredGroup.message_count.desc())))
        assert [g.message_count for g in groups] == [3, 1]
        assert groups[0].sample == "do you do baby swimming"
    texts = [m.text for m in kept(session_factory)]
    assert "Baby swimming lessons? my number is [phone]" in texts
    assert not any("07700" in t for t in texts)


def test_the_words_are_encrypted_at_rest(client, session_factory):
    report(client, "do you sell pushchairs")
    with session_factory() as session:
        raw = session.execute(text("SELECT text FROM unanswered_messages")).scalar_one()
        sample = session.execute(text("SELECT sample FROM unanswered_groups")).scalar_one()
    assert "pushchair" not in raw and "pushchair" not in sample


def test_a_group_that_was_sorted_out_is_not_joined_by_new_messages(client, session_factory):
    report(client, "do you sell pushchairs")
    with session_factory() as session, session.begin():
        session.scalar(select(UnansweredGroup)).status = "new_topic"
    report(client, "where can i sell pushchairs")
    with session_factory() as session:
        assert session.scalar(select(func.count(UnansweredGroup.id))) == 2


# --- the internal route ---

def test_the_route_needs_the_token(client):
    response = client.post("/internal/unanswered", json={"conversation_id": "x", "text": "hi", "reason": "fallback"})
    assert response.status_code == 401


@pytest.mark.parametrize("change, field", [
    ({"reason": "bored"}, "reason"), ({"text": "  "}, "text"), ({"channel": "fax"}, "channel"),
    ({"confidence": 2}, "confidence"), ({"conversation_id": ""}, "conversation_id"),
    ({"entities": "postcode"}, "entities"),
])
def test_bad_input_gives_422_naming_the_field_and_keeps_nothing(client, session_factory, change, field):
    response = report(client, "do you sell pushchairs", **change)
    assert response.status_code == 422 and response.json()["detail"].startswith(field)
    assert kept(session_factory) == []


def test_without_an_encryption_key_nothing_is_kept_in_plain_text(make_client, session_factory):
    client = make_client(now=NOW, data_encryption_key="")
    assert report(client, "do you sell pushchairs").status_code == 503
    with session_factory() as session:
        assert session.scalar(select(func.count(UnansweredMessage.id))) == 0


# --- the staff page ---

def test_the_page_shows_groups_with_counts_dates_and_masked_words(client, signed_in):
    report(client, "do you do baby swimming", reason="fallback", intent="whats_on")
    report(client, "baby swimming? call me on 07700 900123", reason="low_confidence", intent="whats_on")
    staff, _ = signed_in("worker")
    page = staff.get("/staff/unanswered").text
    assert '"do you do baby swimming"' in page and 'data-count="2"' in page
    assert "call me on [phone]" in page and "07700" not in page
    assert "Wednesday 25 November 2026" in page  # first and last seen
    assert "not understood" in page and "answered, but unsure" in page and "whats on" in page
    assert "Mark as answered" not in page  # a worker can read, not sort out


def test_comms_mark_a_group_answered_and_its_messages_become_training_examples(client, signed_in, session_factory):
    report(client, "my name is Jo Bloggs what time does riverside shut", intent="opening_hours",
           reason="low_confidence")
    report(client, "what time does riverside shut tonight", intent="opening_hours", reason="low_confidence")
    with session_factory() as session:
        group_id = session.scalar(select(UnansweredGroup.id))
    comms, token = signed_in("comms")
    response = comms.post(f"/staff/unanswered/groups/{group_id}", data={
        "status": "answered", "answer_key": "hours_open", "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    page = comms.get(response.headers["location"]).text
    assert "The group is marked as answered" in page
    assert 'Answered by "Opening times on a day when the hub is open"' in page

    download = comms.get("/staff/unanswered/training-examples.yml")
    assert download.status_code == 200
    assert 'filename="training-examples-2026-11-25.yml"' in download.headers["content-disposition"]
    data = yaml.safe_load(download.text)
    assert data["version"] == "3.1"
    assert data["nlu"] == [{"intent": "opening_hours", "examples":
                            "- my name is Sam what time does riverside shut\n"
                            "- what time does riverside shut tonight\n"}]
    assert audits(session_factory, "unanswered.marked_answered", str(group_id))


def test_comms_mark_a_group_as_a_new_topic_and_can_put_it_back(client, signed_in, session_factory):
    report(client, "do you sell pushchairs")
    with session_factory() as session:
        group_id = session.scalar(select(UnansweredGroup.id))
    comms, token = signed_in("comms")
    comms.post(f"/staff/unanswered/groups/{group_id}", data={
        "status": "new_topic", "note": "Second-hand baby things", "csrf_token": token})
    page = comms.get("/staff/unanswered").text
    assert "New topic: Second-hand baby things" in page and "Still to sort out (0)" in page
    comms.post(f"/staff/unanswered/groups/{group_id}", data={"status": "open", "csrf_token": token})
    assert "Still to sort out (1)" in comms.get("/staff/unanswered").text
    # A new topic is not a training example: no answer exists yet.
    assert yaml.safe_load(comms.get("/staff/unanswered/training-examples.yml").text)["nlu"] == []


@pytest.mark.parametrize("answer_key", ["", "referral_confirmed_text", "crisis_self_harm"])
def test_answered_needs_an_answer_that_answers_a_question(client, signed_in, session_factory, answer_key):
    report(client, "do you sell pushchairs")
    with session_factory() as session:
        group_id = session.scalar(select(UnansweredGroup.id))
    comms, token = signed_in("admin")
    response = comms.post(f"/staff/unanswered/groups/{group_id}", data={
        "status": "answered", "answer_key": answer_key, "csrf_token": token})
    assert response.status_code == 422 and "Choose the answer that answers these messages." in response.text
    with session_factory() as session:
        assert session.get(UnansweredGroup, group_id).status == "open"


def test_every_answer_intent_mapping_names_a_real_intent_and_answer():
    data = yaml.safe_load((REPO_ROOT / "data" / "answer_intents.yml").read_text(encoding="utf-8"))
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert set(data["answers"].values()) <= set(domain["intents"]) - {"crisis"}
    assert intent_for_answer(REPO_ROOT / "data", "cannot_help") == "out_of_scope"
    assert intent_for_answer(REPO_ROOT / "data", "hours_week") == "opening_hours"
    assert intent_for_answer(REPO_ROOT / "data", "crisis_medical") is None


def test_training_yaml_is_rasa_nlu_and_masks_become_plain_stand_ins():
    assert example_text("i live in [postcode] (the flats)") == "i live in FB1 2AB the flats"
    out = training_yaml({"find_hub": ["i live in FB1 2AB the flats", "nearest hub to me"]}, NOW)
    assert yaml.safe_load(out) == {"version": "3.1", "nlu": [
        {"intent": "find_hub", "examples": "- i live in FB1 2AB the flats\n- nearest hub to me\n"}]}


# --- the weekly figures ---

def test_weekly_figures_count_conversations_answered_handed_over_and_unanswered(client, session_factory):
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    with session_factory() as session, session.begin():
        for conversation_id, started in (("aaaa-1", monday), ("bbbb-1", monday + timedelta(days=1)),
                                         ("cccc-1", monday - timedelta(days=3))):
            session.add(ConversationStart(conversation_id=conversation_id, channel="web", started_at=started))
    report(client, "can you fix my car", conversation_id="bbbb-1")
    report(client, "what is the weather", conversation_id="dddd-1")  # an SMS conversation, say
    response = client.post("/internal/referrals", json=payload(), headers={**AUTH, "Idempotency-Key": new_key()})
    assert response.status_code == 201

    with session_factory() as session:
        this_week, last_week = recent_weeks(session, NOW)
    assert (this_week.starts_on.isoformat(), this_week.conversations, this_week.answered, this_week.handed_over,
            this_week.unanswered) == ("2026-11-23", 3, 1, 1, 2)
    assert (last_week.starts_on.isoformat(), last_week.conversations, last_week.answered, last_week.handed_over,
            last_week.unanswered) == ("2026-11-16", 1, 1, 0, 0)


def test_the_page_shows_the_weekly_figures(client, signed_in):
    report(client, "can you fix my car", conversation_id="bbbb-1")
    staff, _ = signed_in("front_door")
    page = staff.get("/staff/unanswered").text
    assert "Monday 23 November 2026 (so far)" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric" data-figure="unanswered">1</td>' in page


def test_web_chat_records_each_conversation_once(make_client, fake_rasa, session_factory):
    chat = make_client(now=NOW, rasa_url=fake_rasa.url)
    assert chat.post("/chat/messages", json={"text": "hello"}).status_code == 200
    assert chat.post("/chat/messages", json={"text": "hello again"}).status_code == 200
    with session_factory() as session:
        starts = list(session.scalars(select(ConversationStart)))
    assert len(starts) == 1
    assert starts[0].conversation_id == fake_rasa.received[0]["json"]["sender"]
    assert starts[0].channel == "web"


def test_erasing_a_family_removes_their_messages_and_empty_groups(client, session_factory):
    from api.unanswered.service import erase_conversations

    report(client, "my name is Jo do you sell pushchairs", conversation_id="aaaa-1")
    report(client, "do you sell pushchairs", conversation_id="bbbb-1")
    report(client, "can you fix my car", conversation_id="aaaa-2")
    with session_factory() as session, session.begin():
        assert erase_conversations(session, "aaaa") == 2
    with session_factory() as session:
        [group] = session.scalars(select(UnansweredGroup)).all()
        assert (group.message_count, group.sample) == (1, "do you sell pushchairs")
        assert [m.conversation_id for m in session.scalars(select(UnansweredMessage))] == ["bbbb-1"]


def test_messages_are_forgotten_when_conversations_expire(make_client, session_factory):
    old = make_client(now=NOW - timedelta(days=31), data_encryption_key=TEST_DATA_KEY)
    report(old, "do you sell pushchairs", conversation_id="aaaa-1")
    report(old, "can you fix my car", conversation_id="aaaa-1")
    new = make_client(now=NOW, data_encryption_key=TEST_DATA_KEY, conversation_expiry_seconds=30 * 86400)
    report(new, "where can i sell pushchairs", conversation_id="bbbb-1")
    with session_factory() as session:
        assert [m.text for m in session.scalars(select(UnansweredMessage))] == ["where can i sell pushchairs"]
        [group] = session.scalars(select(UnansweredGroup)).all()
        assert (group.message_count, group.sample) == (1, "where can i sell pushchairs")


def test_every_answer_named_in_answer_intents_exists():
    from fnmatch import fnmatchcase

    from api.content.service import load_shipped_answers

    keys = {a.key for a in load_shipped_answers(REPO_ROOT / "data" / "content")}
    data = yaml.safe_load((REPO_ROOT / "data" / "answer_intents.yml").read_text(encoding="utf-8"))
    assert [p for p in data["answers"] if not any(fnmatchcase(k, p) for k in keys)] == []

