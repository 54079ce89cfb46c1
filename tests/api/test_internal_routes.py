"""The `/internal/...` routes the action server calls."""

from datetime import datetime, timezone

import pytest
from fastapi import Query
from sqlalchemy import delete, select

from api.content.crisis_numbers import load_crisis_numbers
from api.content.models import Answer
from api.content.service import get_answer
from api.crisis import service as crisis_service
from api.directory.models import PartnerService
from tests.api.conftest import AUTH

MONDAY_10AM = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
SATURDAY_NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=timezone.utc)

ROUTES = [
    ("get", "/internal/answers/hours_open", None),
    ("post", "/internal/opening-hours", {"hub": "riverside", "day": "tmrw"}),
    ("post", "/internal/hubs/find", {"postcode": "FB1 2AB"}),
    ("post", "/internal/hubs/getting-there", {"hub": "oakfield"}),
    ("post", "/internal/sessions", {"day": "sat", "kind": "stay and play"}),
    ("post", "/internal/talk-to-person", {}),
    ("get", "/internal/crisis?kind=testkind", None),
    ("post", "/internal/hubs/resolve", {"text": "riverside"}),
    ("post", "/internal/glossary", {"text": "what does ehcp mean"}),
]


@pytest.mark.parametrize("method, path, body", ROUTES)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "test-actions-token"}])
def test_internal_routes_need_the_token(make_client, method, path, body, headers):
    response = make_client().request(method.upper(), path, headers=headers, json=body)
    assert response.status_code == 401
    # The one /internal error shape, with no answer's words in it.
    assert response.json() == {"detail": "missing or wrong bearer token", "messages": []}
    assert response.headers["www-authenticate"] == "Bearer"


def test_no_token_configured_means_nobody_gets_in(make_client):
    client = make_client(actions_api_token="")
    assert client.post("/internal/talk-to-person", json={}, headers={"Authorization": "Bearer "}).status_code == 401


def test_opening_hours_route(make_client):
    client = make_client(now=MONDAY_10AM)
    response = client.post("/internal/opening-hours", json={"hub": "River Side", "day": "today", "channel": "sms"},
                           headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {"messages": [{"text": "Riverside Family Hub is open now. It shuts at 5pm today."}]}


def test_empty_entities_are_fine(make_client):
    response = make_client(now=MONDAY_10AM).post("/internal/opening-hours", json={"hub": "", "day": ""}, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["messages"][0]["text"].startswith("Here are our hub times today.")


def test_find_hub_getting_there_sessions_and_talk_to_person(make_client):
    client = make_client(now=MONDAY_10AM)
    found = client.post("/internal/hubs/find", json={"postcode": "fb7 1xx"}, headers=AUTH).json()
    assert "Oakfield Family Hub" in found["messages"][0]["text"]
    travel = client.post("/internal/hubs/getting-there", json={"hub": "oakfield"}, headers=AUTH).json()
    assert len(travel["messages"]) == 2 and "Acorn Road" in travel["messages"][0]["text"]
    sessions = client.post("/internal/sessions", json={"day": "sat", "kind": "stay & play"}, headers=AUTH).json()
    assert "Saturday stay and play at Millbrook Family Hub, on Saturday 10am to 12pm." in sessions["messages"][0]["text"]
    person = client.post("/internal/talk-to-person", json={"hub": "northgate"}, headers=AUTH).json()
    assert [m["text"] for m in person["messages"]] == [
        "You can talk to someone on our phone line, 01632 960000. The line is open now, until 5pm. "
        "We are happy to help.",
        "You can also call Northgate Family Hub on 01632 960202.",
    ]


def test_answers_route_by_channel_and_404(make_client):
    client = make_client()
    sms = client.get("/internal/answers/chat_too_long?channel=sms", headers=AUTH)
    assert sms.status_code == 200 and "1,000 letters" in sms.json()["messages"][0]["text"]
    assert client.get("/internal/answers/no_such_answer", headers=AUTH).status_code == 404
    assert client.get("/internal/answers/hours_open?channel=fax", headers=AUTH).status_code == 422


def test_an_answer_names_a_partner_service_as_the_directory_has_it(make_client, session_factory):
    """One change in the directory changes every answer that names the service."""
    client = make_client(now=MONDAY_10AM)
    text = client.get("/internal/answers/send_support", headers=AUTH).json()["messages"][0]["text"]
    assert "extra needs advice service" in text and "0808 157 0610" in text and "01632 960000" in text
    assert "{" not in text
    with session_factory() as session, session.begin():
        advice = session.scalar(select(PartnerService).where(PartnerService.slug == "send_advice"))
        advice.phone = "0808 157 0999"
    try:
        text = client.get("/internal/answers/send_support?channel=sms", headers=AUTH).json()["messages"][0]["text"]
        assert "0808 157 0999" in text and "0808 157 0610" not in text
    finally:
        with session_factory() as session, session.begin():
            advice = session.scalar(select(PartnerService).where(PartnerService.slug == "send_advice"))
            advice.phone = "0808 157 0610"


def test_when_the_hub_is_shut_an_answer_with_daytime_numbers_says_what_to_do_tonight_first(make_client):
    """A mother of a crying newborn at 11pm is not told first about a number that is shut."""
    at_night = make_client(now=SATURDAY_NIGHT).get("/internal/answers/crying_baby", headers=AUTH).json()
    first, answer = [m["text"] for m in at_night["messages"]]
    assert "shut now" in first and "NHS 111" in first and "116 123" in first and "Monday" in first
    assert first.index("NHS 111") < len(first) and "01632 960000" in answer
    by_day = make_client(now=MONDAY_10AM).get("/internal/answers/crying_baby", headers=AUTH).json()
    assert len(by_day["messages"]) == 1 and "shut" not in by_day["messages"][0]["text"]


def test_an_answer_with_no_daytime_number_needs_nothing_first_at_night(make_client):
    at_night = make_client(now=SATURDAY_NIGHT).get("/internal/answers/greet", headers=AUTH).json()
    assert len(at_night["messages"]) == 1


def test_an_answer_that_is_not_a_template_is_sent_as_written(make_client, session_factory):
    with session_factory() as session, session.begin():
        session.execute(delete(Answer).where(Answer.key == "braces_test"))
        session.add(Answer(key="braces_test", topic="test", title="test", sms_text="Use {this} as it is.",
                           web_text="Use {this} as it is.", placeholders={}))
    try:
        response = make_client().get("/internal/answers/braces_test", headers=AUTH)
        assert response.json() == {"messages": [{"text": "Use {this} as it is."}]}
    finally:
        with session_factory() as session, session.begin():
            session.execute(delete(Answer).where(Answer.key == "braces_test"))


@pytest.fixture
def crisis_fixture(session_factory, monkeypatch):
    """A crisis answer of our own, so these tests do not depend on the
    shipped crisis wording."""
    monkeypatch.setattr(crisis_service, "CRISIS_KINDS", (*crisis_service.CRISIS_KINDS, "testkind"))
    with session_factory() as session, session.begin():
        session.execute(delete(Answer).where(Answer.key == "crisis_testkind"))
        session.add(Answer(key="crisis_testkind", topic="test", title="test", sms_text="Call 999 now (sms).",
                           web_text="Call 999 now (web).", placeholders={}))
    yield
    with session_factory() as session, session.begin():
        session.execute(delete(Answer).where(Answer.key == "crisis_testkind"))


def test_crisis_while_the_front_door_is_open_is_one_message(make_client, crisis_fixture):
    response = make_client(now=MONDAY_10AM).get("/internal/crisis?kind=testkind&channel=sms", headers=AUTH)
    assert response.json() == {"messages": [{"text": "Call 999 now (sms)."}]}


def test_crisis_out_of_hours_says_nobody_will_see_it_until_monday(make_client, crisis_fixture):
    response = make_client(now=SATURDAY_NIGHT).get("/internal/crisis?kind=testkind", headers=AUTH)
    texts = [m["text"] for m in response.json()["messages"]]
    assert texts[0] == "Call 999 now (web)."
    assert texts[1] == ("Our hub team is not at work now. Nobody at the hub will see your messages until "
                        "9am on Monday. If anyone is in danger now, call 999.")


# Every kind the risk check can find, and the gentle check-in when it is unsure.
KINDS = ("medical", "child_harm", "violence", "parent_fear", "self_harm", "nowhere_safe", "general", "check_in")
REQUIRED = load_crisis_numbers()


def shipped_text(session_factory, key: str, channel: str) -> str:
    with session_factory() as session:
        return get_answer(session, key, channel)


def test_the_kinds_are_the_ones_the_answers_are_written_for():
    assert set(crisis_service.CRISIS_KINDS) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("channel", ["sms", "web"])
def test_each_kind_gets_its_own_answer_with_its_numbers(make_client, session_factory, kind, channel):
    response = make_client(now=MONDAY_10AM).get("/internal/crisis", params={"kind": kind, "channel": channel},
                                                headers=AUTH)
    assert response.status_code == 200
    [text] = [m["text"] for m in response.json()["messages"]]  # the front door is open: no out-of-hours line
    assert text == shipped_text(session_factory, f"crisis_{kind}", channel)
    required = REQUIRED.required(f"crisis_{kind}")
    assert required and [n.number for n in REQUIRED.missing(text, f"crisis_{kind}")] == []


@pytest.mark.parametrize("kind, numbers", [
    ("child_harm", ["999", "101", "0808 800 5000"]),
    ("parent_fear", ["999", "116 123"]),
    ("nowhere_safe", ["999", "01632 960700", "0808 800 4444"]),
    ("check_in", ["999"]),
])
def test_the_new_kinds_give_the_right_numbers_out_of_hours_too(make_client, kind, numbers):
    response = make_client(now=SATURDAY_NIGHT).get("/internal/crisis", params={"kind": kind, "channel": "sms"},
                                                   headers=AUTH)
    texts = [m["text"] for m in response.json()["messages"]]
    assert all(number in texts[0] for number in numbers), texts[0]
    assert texts[1].startswith("Our hub team is not at work now.")


@pytest.mark.parametrize("kind", ["nothing_like_this", "out_of_hours", "testkind"])
def test_an_unknown_kind_gets_the_general_answer_not_an_error(make_client, session_factory, kind):
    response = make_client(now=MONDAY_10AM).get("/internal/crisis", params={"kind": kind}, headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {"messages": [{"text": shipped_text(session_factory, "crisis_general", "web")}]}


@pytest.mark.parametrize("kind, answer", [
    ("parent_fear", "crisis_parent_fear"), (" Medical ", "crisis_medical"), ("", "crisis_general"),
    (None, "crisis_general"), ("out_of_hours", "crisis_general"), ("no_such_kind", "crisis_general"),
])
def test_the_crisis_service_falls_back_to_general(db, kind, answer):
    assert crisis_service.crisis_support(db, kind, MONDAY_10AM, "sms") == [get_answer(db, answer, "sms")]


def test_a_kind_whose_answer_is_missing_gets_the_general_answer(db):
    db.execute(delete(Answer).where(Answer.key == "crisis_check_in"))
    assert crisis_service.crisis_support(db, "check_in", MONDAY_10AM, "web") == [
        get_answer(db, "crisis_general", "web")]


@pytest.mark.parametrize("text, slug", [
    ("riverside", "riverside"),
    ("the northgate one please", "northgate"),
    ("im in FB7 1XX", "oakfield"),
    ("fb5", "millbrook"),
])
def test_the_hub_a_family_chose_by_name_or_postcode(make_client, text, slug):
    response = make_client().post("/internal/hubs/resolve", json={"text": text}, headers=AUTH)
    assert response.status_code == 200
    assert response.json()["slug"] == slug


def test_an_unknown_hub_is_404_with_the_list_of_hubs(make_client):
    response = make_client().post("/internal/hubs/resolve", json={"text": "the moon"}, headers=AUTH)
    assert response.status_code == 404
    text = response.json()["messages"][0]["text"]
    assert "the moon" in text and "Riverside Family Hub" in text


def test_every_internal_error_has_one_shape(make_client):
    client = make_client()
    unknown = client.get("/internal/answers/no_such_answer", headers=AUTH)
    assert unknown.status_code == 404 and unknown.json() == {"detail": "no answer with that key", "messages": []}
    bad_query = client.get("/internal/answers/hours_open", params={"channel": "fax"}, headers=AUTH)
    assert bad_query.status_code == 422 and bad_query.json()["detail"].startswith("channel: ")
    assert bad_query.json()["messages"] == []
    bad_body = client.post("/internal/referrals/withdraw", json={"reason": "x"}, headers=AUTH)
    assert bad_body.status_code == 422 and bad_body.json() == {"detail": "conversation_id: Field required",
                                                               "messages": []}
    not_json = client.post("/internal/unanswered", content=b"[1, 2", headers=AUTH)
    assert not_json.status_code == 422 and not_json.json() == {"detail": "body: send a JSON object", "messages": []}


# --- the family's words never go in a query string (they end up in access logs) ---

# Query parameters on /internal routes that carry no family words: which
# channel, a pseudonymous conversation id, an occurrence id we made.
NOT_FAMILY_WORDS = {"channel", "conversation_id", "occurrence"}


def family_words_in_query(app) -> list[str]:
    """Every query parameter of an /internal route that could carry what a
    family wrote: a free string (no pattern or fixed choices) not known to be
    an id. "GET /internal/hubs/find ?postcode" for each one."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/internal/"):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") != "query" or parameter["name"] in NOT_FAMILY_WORDS:
                    continue
                schema = parameter.get("schema", {})
                choices = [schema, *schema.get("anyOf", [])]
                if any(part.get("type") == "string" and "pattern" not in part and "enum" not in part
                       and "const" not in part for part in choices):
                    found.append(f"{method.upper()} {path} ?{parameter['name']}")
    return found


def test_no_internal_route_takes_family_words_or_postcodes_in_its_query_string(make_client):
    app = make_client().app
    assert family_words_in_query(app) == []
    # Postcodes, hubs, days and the family's text go in bodies.
    posted = {path for path, operations in app.openapi()["paths"].items() if "post" in operations}
    assert {"/internal/hubs/find", "/internal/hubs/getting-there", "/internal/hubs/resolve",
            "/internal/opening-hours", "/internal/sessions", "/internal/talk-to-person",
            "/internal/bookings/options"} <= posted


def test_the_query_string_check_finds_a_postcode_in_a_query():
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/internal/hubs/near")
    def near(postcode: str = "", channel: str = "web", kind: str = Query("", pattern=r"^[a-z_]{1,40}$")):
        return {}

    assert family_words_in_query(app) == ["GET /internal/hubs/near ?postcode"]
