"""Create the first admin account.

    python -m api.staff.create_admin --email E --name N [--password-stdin]

Without --password-stdin the password is asked for twice (not echoed).
"""

import argparse
import getpass
import sys

from sqlalchemy import select

from api.db import make_engine, make_session_factory
from api.settings import get_settings
from api.staff.audit import record_audit
from api.staff.models import StaffUser, normalise_email
from api.staff.passwords import MIN_LENGTH, hash_password


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise SystemExit("The two passwords are different. Nothing was created.")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Create a staff admin account.")
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)

    email, name = normalise_email(args.email), args.name.strip()
    if "@" not in email or not name:
        print("Give an email address and a name.", file=sys.stderr)
        return 2
    password = read_password(args.password_stdin)
    if len(password) < MIN_LENGTH:
        print(f"The password must be at least {MIN_LENGTH} characters. Nothing was created.", file=sys.stderr)
        return 2

    engine = make_engine(get_settings().database_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            if session.scalar(select(StaffUser).where(StaffUser.email == email)) is not None:
                print("There is already an account with that email. Nothing was created.", file=sys.stderr)
                return 1
            staff = StaffUser(email=email, name=name, role="admin", password_hash=hash_password(password))
            session.add(staff)
            session.flush()
            record_audit(session, None, "staff_user_created", "staff_user", staff.id, role="admin",
                         by="create_admin")
    finally:
        engine.dispose()
    print(f"Created admin account {staff.id}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
