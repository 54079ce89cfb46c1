"""The content editor's pages for the answers in other languages: drafts
are clearly marked (crisis answers first), comms change the words and say
which speaker checked them, and a crisis answer never loses its numbers."""

import re

import pytest
from sqlalchemy import select

from api.content.models import Answer, AnswerTranslation
from tests.api.conftest import AUTH
from tests.api.content_editor_helpers import audits, signed_in  # noqa: F401 - fixture
from tests.api.referral_helpers import encryption_key  # noqa: F401 - fixture

POLISH_MEDICAL = "/staff/content/answers/crisis_medical/languages/pl"


@pytest.fixture
def restore_polish_medical(session_factory):
    """Put the shipped Polish words for crisis_medical back after the test."""
    with session_factory() as session:
        row = _polish_medical(session)
        saved = (row.sms_text, row.web_text, row.checked_by, row.updated_by)
    yield
    with session_factory() as session, session.begin():
        row = _polish_medical(session)
        row.sms_text, row.web_text, row.checked_by, row.updated_by = saved


def _polish_medical(session) -> AnswerTranslation:
    answer = session.scalar(select(Answer).where(Answer.key == "crisis_medical"))
    return session.scalar(select(AnswerTranslation).where(AnswerTranslation.answer_id == answer.id,
                                                          AnswerTranslation.language == "pl"))


def test_every_language_lists_its_drafts_with_crisis_answers_first(signed_in):
    client, _ = signed_in("worker")
    page = client.get("/staff/content/languages")
    assert page.status_code == 200
    for name in ("Polish", "Romanian", "Urdu", "Arabic", "Ukrainian", "Bengali"):
        assert f'{name} (' in page.text
    polish = page.text[page.text.index('id="language-pl"'):page.text.index('id="language-ro"')]
    answers = re.findall(r'data-answer="([a-z_]+)"', polish)
    crisis_first = [key.startswith("crisis_") for key in answers]
    assert crisis_first[0] and crisis_first == sorted(crisis_first, reverse=True) and "cannot_help" in answers
    assert polish.count("Draft</strong> not yet checked") == len(answers)


def test_the_english_answer_page_shows_its_other_languages_and_whether_they_are_checked(signed_in):
    client, _ = signed_in("comms")
    page = client.get("/staff/content/answers/crisis_violence").text
    other = page[page.index('id="other-languages"'):]
    assert "Arabic" in other and "Bengali" in other and "not yet checked by a speaker" in other


def test_comms_change_the_words_and_name_the_speaker_who_checked_them(signed_in, session_factory,
                                                                      restore_polish_medical):
    client, token = signed_in("comms")
    page = client.get(POLISH_MEDICAL).text
    assert "Draft" in page and "drafted, not yet checked by a speaker" in page
    assert "each text holds 70 characters" in page  # Polish letters are outside the basic set
    words = "Zadzwoń teraz pod 999, jeśli ktoś nie oddycha. Jeśli to nie nagły wypadek, zadzwoń pod NHS 111."
    saved = client.post(POLISH_MEDICAL, data={"csrf_token": token, "sms": words, "web": words,
                                              "checked_by": "Agnieszka Nowak"}, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "Checked by Agnieszka Nowak" in page and "Your changes are live" in page
    event = audits(session_factory, "answer_translation.published", "crisis_medical")[-1]
    assert event.detail == {"language": "pl", "checked": True}
    # ...and a Polish family hears the new words at once.
    text = client.get("/internal/crisis", params={"kind": "medical", "language": "pl"},
                      headers=AUTH).json()["messages"][0]["text"]
    assert text == words


def test_a_crisis_answer_cannot_lose_its_numbers_in_any_language(signed_in, session_factory,
                                                                 restore_polish_medical):
    client, token = signed_in("comms")
    published = len(audits(session_factory, "answer_translation.published", "crisis_medical"))
    refused = client.post(POLISH_MEDICAL, data={"csrf_token": token, "sms": "Zadzwoń pod 999.",
                                                "web": "Zadzwoń pod 999.", "checked_by": ""})
    assert refused.status_code == 422
    assert "111" in refused.text and "These words cannot be published yet" in refused.text
    with session_factory() as session:
        assert "NHS 111" in _polish_medical(session).sms_text
    assert len(audits(session_factory, "answer_translation.published", "crisis_medical")) == published


def test_only_comms_may_change_the_words_and_only_with_the_csrf_token(signed_in, restore_polish_medical):
    reader, token = signed_in("front_door")
    assert reader.get(POLISH_MEDICAL).status_code == 200
    form = {"sms": "x 999 111", "web": "x 999 111", "checked_by": ""}
    assert reader.post(POLISH_MEDICAL, data={**form, "csrf_token": token}).status_code == 403
    comms, _ = signed_in("comms")
    assert comms.post(POLISH_MEDICAL, data=form).status_code == 403


@pytest.mark.parametrize("path", ["/staff/content/answers/crisis_medical/languages/xx",
                                  "/staff/content/answers/no_such_answer/languages/pl"])
def test_an_unknown_answer_or_language_is_not_found(signed_in, path):
    client, _ = signed_in("comms")
    assert client.get(path).status_code == 404
