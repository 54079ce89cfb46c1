"""Demo staff accounts from data/demo/staff.yml, all with DEMO_STAFF_PASSWORD."""

from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.directory.models import Hub
from api.staff.models import ROLES, StaffUser, normalise_email
from api.staff.passwords import hash_password, verify_password


def load_staff(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)["staff"]


def seed_staff(session: Session, people: list[dict], password: str) -> int:
    """Upsert each person by email; returns how many there are. Their password
    is reset to `password` only when it no longer matches (so reseeding is cheap)."""
    if not password:
        raise ValueError("demo staff need a password")
    hubs = set(session.scalars(select(Hub.slug)))
    for person in people:
        email, role, hub = normalise_email(person["email"]), person["role"], person.get("hub")
        if role not in ROLES:
            raise ValueError(f"{email}: unknown role {role!r}")
        if hub is not None and hub not in hubs:
            raise ValueError(f"{email}: unknown hub {hub!r}")
        staff = session.scalar(select(StaffUser).where(StaffUser.email == email))
        if staff is None:
            staff = StaffUser(email=email, password_hash=hash_password(password))
            session.add(staff)
        elif not verify_password(staff.password_hash, password):
            staff.password_hash = hash_password(password)
        staff.name, staff.role, staff.hub_slug, staff.active = person["name"], role, hub, True
        staff.organisation = person.get("organisation")
    session.flush()
    return len(people)
