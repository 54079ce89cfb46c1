"""What a word means (data/glossary.yml, answers in data/content/glossary.yml):
the word found in the family's own message, explained in the words comms
keep, with the hub's number as the directory has it now."""

import pytest

from api.content.glossary import explaining_answer, load_glossary
from api.content.service import load_shipped_answers
from api.settings import REPO_ROOT
from tests.api.conftest import AUTH

GLOSSARY = load_glossary(str(REPO_ROOT / "data" / "glossary.yml"))


@pytest.mark.parametrize("message, answer", [
    ("what does ehcp mean", "glossary_ehcp"),
    ("What does EHCP stand for??", "glossary_ehcp"),
    ("what are ehcps", "glossary_ehcp"),
    # The longest term wins: the assessment, not the plan.
    ("what is an ehc needs assessment", "glossary_ehc_assessment"),
    ("wat is a senco", "glossary_senco"),
    ("what is children's social care", "glossary_social_care"),
    ("what is childrens social care", "glossary_social_care"),
    ("they said weve been stepped down what does that mean", "glossary_step_down"),
    ("what are short breaks", "glossary_respite"),
    # A term with a topic of its own is explained by that topic's answer.
    ("what is a health visitor", "health_visiting"),
    ("whats the 30 hours", "childcare_costs"),
    ("what does flibbertigibbet mean", "glossary_unknown"),
    ("", "glossary_unknown"),
])
def test_the_word_in_the_message_is_found(message, answer):
    assert explaining_answer(GLOSSARY, message) == answer


def test_every_term_has_an_answer_and_every_glossary_answer_a_term():
    shipped = {a.key for a in load_shipped_answers(REPO_ROOT / "data" / "content")}
    named = set(GLOSSARY.answer_for_words.values())
    assert named <= shipped and GLOSSARY.unknown_answer in shipped
    assert {k for k in shipped if k.startswith("glossary_")} - named == {GLOSSARY.unknown_answer}


def test_the_route_explains_the_word_with_todays_number(make_client):
    client = make_client()
    web = client.post("/internal/glossary", json={"text": "whats a SENCO?"}, headers=AUTH).json()
    assert web["messages"][0]["text"].startswith('A "SENCO" is the teacher at a school or nursery')
    sms = client.post("/internal/glossary", json={"text": "what does mash mean", "channel": "sms"},
                      headers=AUTH).json()
    assert sms["messages"][0]["text"].startswith('The "MASH" is the council team')
    unknown = client.post("/internal/glossary", json={"text": "what does zorbing mean"}, headers=AUTH).json()
    assert "01632 960000" in unknown["messages"][0]["text"]  # the front door's number, filled in
