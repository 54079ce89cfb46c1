"""Staff accounts and the audit log: create_admin, password hashes, demo staff, /staff/audit."""

import os
import subprocess
import sys

import pytest
import yaml
from sqlalchemy import select

from api.settings import REPO_ROOT
from api.staff.audit import AuditEvent, record_audit
from api.staff.models import StaffUser
from api.staff.seed import load_staff, seed_staff
from tests.api.test_staff_auth import PASSWORD, login, make_staff, signed_in


def create_admin(database_url: str, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "api.staff.create_admin", *args], input=password + "\n",
                          capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=60)


def test_create_admin_makes_an_admin_who_can_sign_in(database_url, session_factory, make_client):
    email = f"first-admin-{os.getpid()}-{id(session_factory)}@fernbridge.example"
    done = create_admin(database_url, "--email", email.upper(), "--name", "Pat Admin", "--password-stdin")
    assert done.returncode == 0, done.stderr
    with session_factory() as session:
        staff = session.scalar(select(StaffUser).where(StaffUser.email == email))
    assert staff.role == "admin" and staff.name == "Pat Admin" and staff.active
    client = make_client()
    assert login(client, email).status_code == 303
    assert client.get("/staff/audit").status_code == 200

    again = create_admin(database_url, "--email", email, "--name", "Pat Again", "--password-stdin")
    assert again.returncode == 1 and "already an account" in again.stderr


def test_create_admin_refuses_a_short_password(database_url, session_factory):
    email = f"short-{id(session_factory)}@fernbridge.example"
    done = create_admin(database_url, "--email", email, "--name", "Pat", "--password-stdin", password="short")
    assert done.returncode == 2
    with session_factory() as session:
        assert session.scalar(select(StaffUser).where(StaffUser.email == email)) is None


def test_passwords_are_stored_only_as_argon2_hashes(session_factory):
    staff = make_staff(session_factory, "worker")
    with session_factory() as session:
        stored = session.get(StaffUser, staff.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_demo_staff_match_the_demo_workers_and_hubs():
    people = load_staff(REPO_ROOT / "data" / "demo" / "staff.yml")
    borough = yaml.safe_load((REPO_ROOT / "data" / "demo" / "borough.yml").read_text())
    worker_hubs = {w["name"]: w["hub"] for w in borough["workers"]}
    hubs = {hub["slug"] for hub in borough["hubs"]}
    workers = [p for p in people if p["role"] == "worker"]
    assert {p["hub"] for p in workers} == hubs  # one worker per hub
    for person in workers:
        assert worker_hubs[person["name"]] == person["hub"]
    roles = [p["role"] for p in people]
    assert roles.count("admin") == 1 and roles.count("front_door") == 2 and roles.count("comms") == 1


def test_seeding_demo_staff_twice_keeps_one_account_each_and_the_password(db):
    people = load_staff(REPO_ROOT / "data" / "demo" / "staff.yml")
    seed_staff(db, people, "demo password one")
    seed_staff(db, people, "demo password one")
    seeded = db.scalars(select(StaffUser).where(StaffUser.email.like("%@fernbridge.example"),
                                                StaffUser.email.in_([p["email"] for p in people]))).all()
    assert len(seeded) == len(people)
    assert all(s.password_hash.startswith("$argon2id$") for s in seeded)
    with pytest.raises(ValueError):
        seed_staff(db, people, "")


def test_seed_adds_demo_staff_only_in_demo_mode_with_a_demo_password(tmp_path):
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    env = {**os.environ, "DATABASE_URL": url, "DEMO_MODE": "true", "DEMO_STAFF_PASSWORD": ""}
    for args in (["-m", "alembic", "upgrade", "head"], ["-m", "api.seed"]):
        subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=120)
    from api.db import make_engine, make_session_factory
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        assert session.scalars(select(StaffUser)).all() == []
    engine.dispose()
    # A password alone is not enough: a real site's reseed must never create
    # (or reset the password of) the demo accounts.
    env.update(DEMO_STAFF_PASSWORD="a demo password for tests", DEMO_MODE="false")
    subprocess.run([sys.executable, "-m", "api.seed"], cwd=REPO_ROOT, env=env, check=True, capture_output=True,
                   timeout=120)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        assert session.scalars(select(StaffUser)).all() == []
    engine.dispose()
    env["DEMO_MODE"] = "true"
    subprocess.run([sys.executable, "-m", "api.seed"], cwd=REPO_ROOT, env=env, check=True, capture_output=True,
                   timeout=120)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        assert len(session.scalars(select(StaffUser)).all()) == 10  # data/demo/staff.yml
    engine.dispose()


def test_audit_detail_refuses_personal_data(db):
    with pytest.raises(ValueError):
        record_audit(db, None, "note_added", "referral", 1, email="jo@example.com")


# --- the audit page ---

def test_audit_page_lists_newest_first_and_filters_by_record(make_client, session_factory):
    client, admin = signed_in(make_client, session_factory, "admin")
    marker = f"referral-{admin.id}"
    with session_factory() as session, session.begin():
        staff = session.get(StaffUser, admin.id)
        record_audit(session, staff, "referral_viewed", marker, 7)
        session.flush()
        record_audit(session, staff, "referral_claimed", marker, 7)
        record_audit(session, staff, "referral_viewed", marker, 8)
    page = client.get("/staff/audit", params={"subject_type": marker, "subject_id": "7"})
    assert page.status_code == 200
    assert "2 events" in page.text
    assert page.text.index("referral_claimed") < page.text.index("referral_viewed")
    assert "govuk-table" in page.text and admin.name in page.text


def test_audit_page_is_paginated(make_client, session_factory):
    client, admin = signed_in(make_client, session_factory, "admin")
    marker = f"bulk-{admin.id}"
    with session_factory() as session, session.begin():
        staff = session.get(StaffUser, admin.id)
        for number in range(55):
            record_audit(session, staff, "viewed", marker, number)
    first = client.get("/staff/audit", params={"subject_type": marker})
    second = client.get("/staff/audit", params={"subject_type": marker, "page": 2})
    assert "Page 1 of 2" in first.text and "Older events" in first.text
    assert "Page 2 of 2" in second.text and "Newer events" in second.text
    assert second.text.count('<tr class="govuk-table__row">') == 5 + 1  # 5 events and the header row


def test_failed_sign_in_shows_in_the_audit_log_without_the_email(make_client, session_factory):
    admin_client, _ = signed_in(make_client, session_factory, "admin")
    other = make_client()
    staff = make_staff(session_factory, "worker")
    login(other, staff.email, "wrong guess")
    page = admin_client.get("/staff/audit").text
    assert "login_failed" in page and staff.email not in page
    with session_factory() as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert rows and all(staff.email not in repr(r.detail) for r in rows)
