"""Re-encrypt everything kept encrypted under the newest DATA_ENCRYPTION_KEY.

To rotate the key: put the new key first (`DATA_ENCRYPTION_KEY=new,old`,
and LOOKUP_HASH_KEY set: it never changes), restart the services, run

    .venvs/api/bin/python -m api.rekey

and, once it says it is done, drop the old key (`DATA_ENCRYPTION_KEY=new`).
It rewrites every `EncryptedText`/`EncryptedJSON` column in the database,
the web chat transcripts and Rasa's trackers in Redis. It can be run again
safely (what is already under the newest key is rewritten the same way), and
the services keep running meanwhile: they read both keys.
"""

import sys
from dataclasses import dataclass, field

from redis import Redis
from sqlalchemy import Table, Text, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from api.crypto import EncryptedJSON, EncryptedText, cipher
from api.db import Base

BATCH = 500
TRACKER_MATCH = "familyhub:tracker:*"  # Rasa's tracker store (endpoints.yml key_prefix)
TRANSCRIPT_MATCH = "chat:transcript:*"  # api/chat/transcript.py


@dataclass
class Rekeyed:
    """How many values were re-encrypted, by table (or Redis kind)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, number: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + number


def encrypted_tables() -> list[tuple[Table, list[str]]]:
    """Every table with encrypted columns, and those columns' names."""
    found = []
    for table in Base.metadata.sorted_tables:
        names = [c.name for c in table.columns if isinstance(c.type, (EncryptedText, EncryptedJSON))]
        if names:
            found.append((table, names))
    return found


def rekey_table(session_factory: sessionmaker[Session], table: Table, names: list[str]) -> int:
    """Re-encrypt one table's encrypted columns, a batch per transaction."""
    (key,) = table.primary_key.columns  # every table here has one id column
    raw = [type_coerce(table.c[name], Text).label(name) for name in names]
    done, last = 0, None
    while True:
        with session_factory() as session, session.begin():
            query = select(key.label("row_key"), *raw).order_by(key).limit(BATCH)
            if last is not None:
                query = query.where(key > last)
            rows = session.execute(query).all()
            for row in rows:
                values = {table.c[name]: type_coerce(cipher().rotate(getattr(row, name)), Text)
                          for name in names if getattr(row, name) is not None}
                if values:
                    session.execute(update(table).where(key == row.row_key).values(values))
                    done += len(values)
        if len(rows) < BATCH:
            return done
        last = rows[-1].row_key


def rekey_database(session_factory: sessionmaker[Session], result: Rekeyed) -> None:
    for table, names in encrypted_tables():
        result.add(table.name, rekey_table(session_factory, table, names))


def rekey_redis(redis: Redis, result: Rekeyed) -> None:
    """Rasa's trackers and the web chat transcripts (their expiry is kept)."""
    for name in redis.scan_iter(match=TRACKER_MATCH, count=500):
        token = redis.get(name)
        if token is not None and token.startswith(b"gAAAAA"):
            redis.set(name, cipher().rotate(token.decode("ascii")), keepttl=True, xx=True)
            result.add("rasa trackers", 1)
    for name in redis.scan_iter(match=TRANSCRIPT_MATCH, count=500):
        tokens = redis.lrange(name, 0, -1)
        ttl = redis.pttl(name)
        if not tokens or ttl == -2:
            continue
        with redis.pipeline(transaction=True) as pipe:
            pipe.delete(name)
            pipe.rpush(name, *[cipher().rotate(t.decode("ascii")) for t in tokens])
            if ttl > 0:
                pipe.pexpire(name, ttl)
            pipe.execute()
        result.add("web chat transcripts", len(tokens))


def main() -> int:
    from api.crypto import use_key
    from api.db import make_engine, make_session_factory
    from api.models import load_all_models
    from api.sms.runtime import make_sync_redis
    from api.settings import get_settings

    load_all_models()
    settings = get_settings()
    use_key(settings.data_encryption_key, settings.lookup_hash_key)
    result = Rekeyed()
    rekey_database(make_session_factory(make_engine(settings.database_url)), result)
    rekey_redis(make_sync_redis(settings), result)
    for name, number in sorted(result.counts.items()):
        print(f"{name}: {number} re-encrypted")
    print("Done: everything is under the newest key. The older keys can now be dropped from DATA_ENCRYPTION_KEY.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
