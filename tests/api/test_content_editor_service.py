"""Publishing, history, rollback, two editors at once, seeding and the
download, called as service functions on SQLite and PostgreSQL."""

import io
import zipfile

import pytest
from sqlalchemy import select

from api.content.models import Answer, AnswerVersion
from api.content.service import get_answer, load_shipped_answers, seed_answers
from api.editor import service
from api.editor.export import export_zip
from api.settings import REPO_ROOT
from api.staff.audit import AuditEvent
from tests.api.content_editor_helpers import (  # noqa: F401 - fixtures
    CURLY, GOOD_SMS, GOOD_WEB, NOW, answer_key, template_key,
)
from tests.api.referral_helpers import make_staff


@pytest.fixture
def comms(session_factory):
    return make_staff(session_factory, "comms", name="Rosie Hart")


def load(db, key) -> Answer:
    return db.scalar(select(Answer).where(Answer.key == key))


def versions(db, key) -> list[AnswerVersion]:
    return service.history(db, load(db, key))


def test_publishing_makes_the_words_live_and_keeps_a_version_with_who_and_when(answer_key, db, comms):
    answer = load(db, answer_key)
    service.publish(db, answer, comms, "New words for families to read.", GOOD_WEB, 1, "Shorter", NOW)
    assert get_answer(db, answer_key, "sms") == "New words for families to read."
    answer = load(db, answer_key)
    assert (answer.version, answer.updated_by) == (2, "Rosie Hart")
    newest = versions(db, answer_key)[0]
    assert (newest.version, newest.sms_text, newest.published_by, newest.staff_id, newest.note) == (
        2, "New words for families to read.", "Rosie Hart", comms.id, "Shorter")
    assert newest.published_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "answer.published",
                                               AuditEvent.subject_id == answer_key))
    assert event.staff_id == comms.id and event.detail == {"version": 2}


@pytest.mark.parametrize("sms, code", [
    (f"It{CURLY}s free.", "not_gsm7"), (" ".join(["You can come along."] * 17), "too_many_segments"), ("", "empty"),
])
def test_a_hard_problem_blocks_publishing_and_changes_nothing(answer_key, db, comms, sms, code):
    with pytest.raises(service.PublishRefused) as refused:
        service.publish(db, load(db, answer_key), comms, sms, GOOD_WEB, 1, "", NOW)
    assert [p.code for p in refused.value.problems] == [code]
    assert get_answer(db, answer_key, "sms") == GOOD_SMS and load(db, answer_key).version == 1
    assert len(versions(db, answer_key)) == 1


def test_soft_problems_do_not_block_publishing(answer_key, db, comms):
    web = "Every service user can come along to the hub on a Monday."
    service.publish(db, load(db, answer_key), comms, GOOD_SMS, web, 1, "", NOW)
    assert get_answer(db, answer_key, "web") == web


def test_publishing_the_same_words_again_is_refused_in_plain_words(answer_key, db, comms):
    with pytest.raises(service.PublishRefused, match="Nothing has changed"):
        service.publish(db, load(db, answer_key), comms, GOOD_SMS + "\r\n", GOOD_WEB, 1, "", NOW)


def test_words_loaded_at_an_old_version_are_not_saved(answer_key, db, comms):
    service.publish(db, load(db, answer_key), comms, "First change to these words.", GOOD_WEB, 1, "", NOW)
    with pytest.raises(service.StaleEdit) as stale:
        service.publish(db, load(db, answer_key), comms, "Second change to these words.", GOOD_WEB, 1, "", NOW)
    assert stale.value.current.version == 2
    assert get_answer(db, answer_key, "sms") == "First change to these words."


def test_two_people_publishing_at_once_the_second_is_told_and_nothing_is_overwritten(session_factory, answer_key,
                                                                                     comms):
    with session_factory() as first, session_factory() as second:
        mine, theirs = load(first, answer_key), load(second, answer_key)
        assert mine.version == theirs.version == 1  # both editors loaded version 1
        service.publish(first, mine, comms, "Words from the first editor.", GOOD_WEB, 1, "", NOW)
        first.commit()
        with pytest.raises(service.StaleEdit) as stale:
            service.publish(second, theirs, comms, "Words from the second editor.", GOOD_WEB, 1, "", NOW)
        assert stale.value.current.sms_text == "Words from the first editor."
        assert stale.value.current.version == 2
    with session_factory() as check:
        assert get_answer(check, answer_key, "sms") == "Words from the first editor."
        assert [v.version for v in versions(check, answer_key)] == [2, 1]


def test_roll_back_publishes_an_old_version_as_a_new_one(answer_key, db, comms):
    service.publish(db, load(db, answer_key), comms, "Words that did not work well.", GOOD_WEB, 1, "", NOW)
    service.roll_back(db, load(db, answer_key), comms, 1, 2, NOW)
    assert get_answer(db, answer_key, "sms") == GOOD_SMS
    history = versions(db, answer_key)
    assert [(v.version, v.sms_text) for v in history] == [
        (3, GOOD_SMS), (2, "Words that did not work well."), (1, GOOD_SMS)]
    assert history[0].note == "Rolled back to version 1"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "answer.rolled_back",
                                              AuditEvent.subject_id == answer_key)).detail == {"version": 3}


def test_roll_back_to_a_version_that_does_not_exist_is_refused(answer_key, db, comms):
    with pytest.raises(service.PublishRefused, match="no version 7"):
        service.roll_back(db, load(db, answer_key), comms, 7, 1, NOW)


def test_an_answer_with_no_history_keeps_its_old_words_as_the_first_version(answer_key, db, comms):
    answer = load(db, answer_key)
    for version in versions(db, answer_key):
        db.delete(version)
    db.flush()
    service.publish(db, answer, comms, "Brand new words for the families.", GOOD_WEB, 1, "", NOW)
    assert [(v.version, v.sms_text) for v in versions(db, answer_key)] == [
        (2, "Brand new words for the families."), (1, GOOD_SMS)]


def test_a_template_cannot_be_published_with_a_placeholder_the_api_cannot_fill(template_key, db, comms):
    with pytest.raises(service.PublishRefused) as refused:
        service.publish(db, load(db, template_key), comms, "Call {phone_number}.", "{hub}: call {phone}.", 1, "",
                        NOW)
    assert [p.code for p in refused.value.problems] == ["unknown_placeholder"]


# --- seeding keeps history and never overwrites comms ---

def write_answer(folder, sms: str) -> None:
    (folder / "test.yml").write_text(
        f"topic: Test\nanswers:\n  - key: history_seedtest\n    title: A\n    sms: \"{sms}\"\n    web: \"{sms}\"\n",
        encoding="utf-8")


def test_seeding_records_each_shipped_version_and_leaves_comms_edits_alone(db, tmp_path, comms):
    write_answer(tmp_path, "First shipped words.")
    seed_answers(db, load_shipped_answers(tmp_path))
    assert [(v.version, v.published_by, v.note) for v in versions(db, "history_seedtest")] == [
        (1, "seed", "Shipped in data/content")]

    write_answer(tmp_path, "Second shipped words.")
    seed_answers(db, load_shipped_answers(tmp_path))
    assert [(v.version, v.sms_text) for v in versions(db, "history_seedtest")][0] == (2, "Second shipped words.")

    service.publish(db, load(db, "history_seedtest"), comms, "Words comms wrote.", "Words comms wrote.", 2, "", NOW)
    write_answer(tmp_path, "Third shipped words.")
    report = seed_answers(db, load_shipped_answers(tmp_path))
    assert report.kept_edited == 1
    assert get_answer(db, "history_seedtest", "sms") == "Words comms wrote."
    assert [v.version for v in versions(db, "history_seedtest")] == [3, 2, 1]


def test_every_shipped_answer_has_its_first_version(db):
    without = db.scalars(select(Answer.key).where(~Answer.id.in_(select(AnswerVersion.answer_id)))).all()
    assert without == []


# --- the download goes back into data/content/ ---

def unzip(data: bytes, folder) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
        return sorted(archive.namelist())


def test_the_download_reads_back_as_the_live_answers_in_the_shipped_files(answer_key, db, tmp_path, comms):
    tricky = 'Say "yes": it\'s #1 - really. {Not a placeholder}\nA second line, and a euro sign: €5.'
    service.publish(db, load(db, answer_key), comms, GOOD_SMS + " Ask me.", tricky, 1, "", NOW)
    names = unzip(export_zip(db, REPO_ROOT / "data" / "content", NOW), tmp_path)
    shipped = sorted(p.name for p in (REPO_ROOT / "data" / "content").glob("*.yml"))
    assert set(shipped) <= set(names)
    assert "editor_tests.yml" in names
    exported = {a.key: a for a in load_shipped_answers(tmp_path)}
    live = {a.key: a for a in db.scalars(select(Answer))}
    assert set(exported) == set(live)
    for key, answer in live.items():
        got = exported[key]
        assert (got.topic, got.title, got.sms_text, got.web_text, got.placeholders) == (
            answer.topic, answer.title, answer.sms_text, answer.web_text, answer.placeholders or {}), key
    assert exported[answer_key].web_text == tricky


def test_an_unedited_download_is_the_shipped_content(db, tmp_path):
    unzip(export_zip(db, REPO_ROOT / "data" / "content", NOW), tmp_path)
    shipped = {a.key: a for a in load_shipped_answers(REPO_ROOT / "data" / "content")}
    exported = {a.key: a for a in load_shipped_answers(tmp_path)}
    for key, answer in shipped.items():
        assert exported[key] == answer, key


def test_word_diff_marks_what_was_taken_out_and_put_in():
    assert service.word_diff("Open from 9am today.", "Open from 10am today.") == [
        ("same", "Open from "), ("removed", "9am "), ("added", "10am "), ("same", "today.")]


# --- a crisis answer cannot go out without its numbers ---

def test_a_crisis_answer_without_its_numbers_is_refused_and_with_them_is_published(db, comms):
    answer = load(db, "crisis_child_harm")
    sms, web, version = answer.sms_text, answer.web_text, answer.version
    no_police = sms.replace("call the police on 101", "call the police")
    assert no_police != sms
    with pytest.raises(service.PublishRefused) as refused:
        service.publish(db, answer, comms, no_police, web, version, "", NOW)
    [problem] = refused.value.problems
    assert (problem.code, problem.where) == ("missing_crisis_number", "sms")
    assert "must give 101 (the police, to report a child at risk)" in problem.message
    assert (get_answer(db, "crisis_child_harm", "sms"), load(db, "crisis_child_harm").version) == (sms, version)
    assert len(versions(db, "crisis_child_harm")) == 1

    # The same words with the number back, spaced differently, are published.
    spaced = no_police.replace("call the police", "call the police on 1 01").replace("0808 800 5000", "08088005000")
    service.publish(db, load(db, "crisis_child_harm"), comms, spaced, web, version, "", NOW)
    assert get_answer(db, "crisis_child_harm", "sms") == spaced


def test_every_missing_number_is_named_for_each_text(db, comms):
    answer = load(db, "crisis_self_harm")
    words = "You are not alone, and people want to help. Please talk to someone you trust today."
    with pytest.raises(service.PublishRefused) as refused:
        service.publish(db, answer, comms, words, words, answer.version, "", NOW)
    assert [(p.where, p.code) for p in refused.value.problems] == [
        ("sms", "missing_crisis_number"), ("web", "missing_crisis_number")]
    assert all("999 (emergency services) and 116 123 (Samaritans)" in p.message for p in refused.value.problems)
    assert get_answer(db, "crisis_self_harm", "web") == answer.web_text


def test_rolling_back_to_a_version_without_the_numbers_is_refused(db, comms):
    """The words crisis_child_harm shipped with before the police's 101 was
    required: they cannot be put back."""
    answer = load(db, "crisis_child_harm")
    old = ("If a child is in danger now, please call 999. You can talk to the NSPCC helpline about any worry "
           "for a child on 0808 800 5000. It is free.")
    db.add(AnswerVersion(answer_id=answer.id, version=0, sms_text=old, web_text=old, published_by="seed"))
    db.flush()
    with pytest.raises(service.PublishRefused) as refused:
        service.roll_back(db, answer, comms, 0, answer.version, NOW)
    assert {p.code for p in refused.value.problems} == {"missing_crisis_number"}
    assert "101" in refused.value.problems[0].message
