"""The project's own spaCy pipeline finds what families mention."""
import pytest
import spacy
import yaml

from bot.build_spacy import REPO_ROOT, build


@pytest.fixture(scope="module")
def nlp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spacy") / "familyhub_en"
    build(REPO_ROOT / "data").to_disk(folder)
    # Loaded from a path, exactly as Rasa's SpacyNLP loads it.
    return spacy.load(folder)


def entities(nlp, text):
    # Rasa lower-cases text before spaCy sees it.
    return {(ent.label_, ent.text) for ent in nlp(text.lower()).ents}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("whats on at riverside tmrw for my 2 year old",
         {("hub", "riverside"), ("day", "tmrw"), ("age", "2 year old")}),
        ("Stay & Play thurs near FB3 4CD",
         {("session_kind", "stay & play"), ("day", "thurs"), ("postcode", "fb3 4cd")}),
        ("any baby group on sat", {("session_kind", "baby group"), ("day", "sat")}),
        ("is northgate hub open xmas eve", {("hub", "northgate hub"), ("day", "xmas eve")}),
        ("my 18 month old", {("age", "18 month old")}),
        ("im in FB1", {("postcode", "fb1")}),
        ("sumthing for my 3yo", {("age", "3yo")}),
        ("messy play millbrook", {("session_kind", "messy play"), ("hub", "millbrook")}),
        ("bank holiday monday", {("day", "bank holiday"), ("day", "monday")}),
        # Dates as families write them (api/directory/days.py reads them).
        ("can i come next tues", {("day", "next tues")}),
        ("anything on 16/12", {("day", "16/12")}),
        ("what about the 16th", {("day", "the 16th")}),
        ("book me in for 8th december", {("day", "8th december")}),
        ("messy play on dec 8", {("session_kind", "messy play"), ("day", "dec 8")}),
    ],
)
def test_finds_hubs_days_kinds_postcodes_and_ages(nlp, text, expected):
    assert expected <= entities(nlp, text)


def test_every_hub_in_the_directory_is_recognised_by_name(nlp):
    directory = yaml.safe_load((REPO_ROOT / "data/demo/borough.yml").read_text())
    for hub in directory["hubs"]:
        found = nlp(f"where is {hub['name']}".lower())
        assert [(e.label_, e.ent_id_) for e in found.ents] == [("hub", hub["slug"])]


def test_everyday_words_are_not_mistaken_for_session_kinds(nlp):
    assert entities(nlp, "can you send me the address") == set()

