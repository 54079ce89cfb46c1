"""One family's data from the command line, for an admin (a subject access
request, or an erasure), the same as the staff page /staff/families:

    python -m api.privacy.cli find   --phone "07700 900123"
    python -m api.privacy.cli export --reference FH-7K2Q9 > family.json
    python -m api.privacy.cli erase  --phone "07700 900123" --yes

Each run is in the audit log ("by": "command line"), by counts, never by who
the family is. Settings come from the environment, as for the api.
"""

import argparse
import json
import sys
from datetime import datetime, timezone

from api.crypto import use_key
from api.db import make_engine, make_session_factory
from api.models import load_all_models
from api.privacy.erasure import erase_family, export_family, find_family, forget_family_in_redis_sync
from api.settings import Settings, get_settings
from api.sms.runtime import make_sync_redis
from api.staff.audit import record_audit


def run(settings: Settings, command: str, phone: str = "", reference: str = "", confirmed: bool = False,
        out=sys.stdout) -> int:
    load_all_models()
    use_key(settings.data_encryption_key, settings.lookup_hash_key)
    session_factory = make_session_factory(make_engine(settings.database_url))
    with session_factory() as session:
        family = find_family(session, settings.pseudonym_key, phone=phone, reference=reference)
        export = export_family(session, family)
        counts = {"requests": len(export["requests"]), "bookings": len(export["bookings"]),
                  "texts_received": len(export["texts_received"]), "texts_sent": len(export["texts_sent"])}
        if not any(counts.values()) and not export["messages_the_assistant_could_not_answer"]:
            record_audit(session, None, "family.searched", "family", None, found=False, by="command line")
            session.commit()
            print("Nothing is held about that number or reference.", file=sys.stderr)
            return 1
        if command == "export":
            record_audit(session, None, "family.exported", "family", None, by="command line", **counts)
            session.commit()
            json.dump(export, out, indent=2, ensure_ascii=False)
            out.write("\n")
            return 0
        if command == "erase":
            if not confirmed:
                print("Add --yes to erase everything held about this family. It cannot be undone.", file=sys.stderr)
                return 2
            erased = erase_family(session, family, settings.clock_frozen_at or datetime.now(timezone.utc), keep_in_use=False)
            record_audit(session, None, "family.erased", "family", None, by="command line", **erased.removed)
            session.commit()
            forget_family_in_redis_sync(make_sync_redis(settings), family)
            print("Erased: " + (", ".join(f"{n} {kind}" for kind, n in erased.removed.items()) or "nothing"),
                  file=out)
            if erased.kept_stop:
                print("Kept: a note (a code, not the number) that this number asked for no texts.", file=out)
            return 0
        record_audit(session, None, "family.searched", "family", None, found=True, by="command line")
        session.commit()
        for kind, number in counts.items():
            print(f"{kind.replace('_', ' ')}: {number}", file=out)
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["find", "export", "erase"])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--phone", default="")
    which.add_argument("--reference", default="")
    parser.add_argument("--yes", action="store_true", help="really erase")
    args = parser.parse_args(argv)
    return run(get_settings(), args.command, args.phone, args.reference, args.yes)


if __name__ == "__main__":
    sys.exit(main())
