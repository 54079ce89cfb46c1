"""Seeding is safe to repeat, and never overwrites what comms have edited."""

from sqlalchemy import func, select

from api.content.models import Answer
from api.content.service import get_answer, load_shipped_answers, seed_answers
from api.directory.models import (
    Closure, Hub, HubHours, HubSession, PartnerService, SchoolHoliday, SessionKind, Worker, WorkerShift,
)
from api.seed import seed_all
from api.settings import REPO_ROOT

TABLES = [Hub, HubHours, Closure, SchoolHoliday, SessionKind, HubSession, Worker, WorkerShift, PartnerService, Answer]


def counts(db) -> dict[str, int]:
    return {model.__tablename__: db.scalar(select(func.count()).select_from(model)) for model in TABLES}


def test_seeding_again_duplicates_nothing(db):
    before = counts(db)
    assert before["hubs"] >= 4 and before["hub_sessions"] >= 14 and before["workers"] >= 6
    assert before["partner_services"] >= 6
    report = seed_all(db, REPO_ROOT / "data")
    db.flush()
    assert counts(db) == before
    assert report.added == 0 and report.updated == 0


def write_answers(folder, sms_a: str, sms_b: str) -> None:
    (folder / "test.yml").write_text(
        "topic: Test\nanswers:\n"
        f"  - key: seedtest_a\n    title: A\n    sms: \"{sms_a}\"\n    web: \"{sms_a}\"\n"
        f"  - key: seedtest_b\n    title: B\n    sms: \"{sms_b}\"\n    web: \"{sms_b}\"\n",
        encoding="utf-8",
    )


def test_shipped_updates_reach_unedited_answers_but_not_edited_ones(db, tmp_path):
    write_answers(tmp_path, "First words for A.", "First words for B.")
    first = seed_answers(db, load_shipped_answers(tmp_path))
    assert first.added == 2

    edited = db.scalar(select(Answer).where(Answer.key == "seedtest_b"))
    edited.sms_text = "Words comms wrote for B."
    edited.version += 1
    edited.updated_by = "comms"
    db.flush()

    write_answers(tmp_path, "New shipped words for A.", "New shipped words for B.")
    second = seed_answers(db, load_shipped_answers(tmp_path))
    assert (second.updated, second.kept_edited) == (1, 1)
    assert get_answer(db, "seedtest_a", "sms") == "New shipped words for A."
    assert db.scalar(select(Answer.version).where(Answer.key == "seedtest_a")) == 2
    assert get_answer(db, "seedtest_b", "sms") == "Words comms wrote for B."


def test_database_urls_use_psycopg_and_repo_relative_sqlite():
    from api.db import normalise_database_url

    assert normalise_database_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///var/familyhub.db") == f"sqlite:///{REPO_ROOT / 'var' / 'familyhub.db'}"
