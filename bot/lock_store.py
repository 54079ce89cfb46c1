"""The conversation lock shared by every Rasa replica (`lock_store` in
endpoints.yml): one turn of a conversation at a time, in the order the
messages came, whichever replica each message reached.

Rasa's own RedisLockStore is not safe for this across replicas (RasaHQ/rasa
#9213): it reads the whole lock, changes it in the replica and writes it
back, so two replicas taking a ticket at the same moment can both get the
same number; and a ticket lapses TICKET_LOCK_LIFETIME after it was issued,
even while its turn is still running, so a turn slowed by a busy evening
lets the next message of the same conversation run beside it. Two turns of
one conversation at once can double or lose messages in the tracker.

Here every step is one atomic Redis script, and a ticket lives only as long
as its replica keeps renewing it:
- a ticket's number comes from INCR, and it joins the conversation's queue
  (a sorted set) in the same script;
- a ticket is served when it is the lowest live ticket in the queue; tickets
  whose renewal stopped (their replica died) are dropped from the queue;
- a waiting or serving ticket is renewed every `lock_lifetime / 4` seconds,
  so a dead replica's ticket lapses after `lock_lifetime` seconds (a dead
  replica never blocks a family for long), while a slow turn keeps its lock.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1  # how often a waiting turn looks again
# A conversation's counter and queue, if a replica died holding its last
# ticket, go after an hour (longer than any turn).
KEYS_KEPT_SECONDS = 3600

# KEYS: counter, queue; ARGV: ticket key prefix, lifetime ms, keys kept seconds
ISSUE = """
local number = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SET', ARGV[1] .. number, '1', 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], number, number)
redis.call('EXPIRE', KEYS[2], ARGV[3])
return number
"""

# KEYS: queue; ARGV: ticket key prefix, my number, lifetime ms.
# 1: served now; 0: still waiting; -1: my own ticket lapsed.
TAKE = """
local mine = ARGV[1] .. ARGV[2]
if redis.call('PEXPIRE', mine, ARGV[3]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return -1
end
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == nil then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[2])
    return 1
  end
  if head == ARGV[2] then
    return 1
  end
  if redis.call('EXISTS', ARGV[1] .. head) == 1 then
    return 0
  end
  redis.call('ZREM', KEYS[1], head)
end
"""

# KEYS: queue, counter; ARGV: ticket key prefix, my number. The last turn
# out takes the conversation's keys with it: nothing named after the
# conversation stays in Redis between turns (a family's erasure finds none).
RELEASE = """
redis.call('DEL', ARGV[1] .. ARGV[2])
redis.call('ZREM', KEYS[1], ARGV[2])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return 1
"""


class ReplicaSafeRedisLockStore(LockStore):
    """A Redis lock store that serialises a conversation's turns across
    replicas (see the module docstring)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, *, host: Text = "localhost",
                 port: Any = 6379, db: Any = 0, password: Optional[Text] = None,
                 key_prefix: Optional[Text] = None, **_: Any) -> None:
        import redis

        if endpoint_config is not None:
            settings = dict(endpoint_config.kwargs)
            host = endpoint_config.url or host
            port = settings.get("port", port)
            db = settings.get("db", db)
            password = settings.get("password", password)
            key_prefix = settings.get("key_prefix", key_prefix)
        self.red = redis.Redis(host=host, port=int(port or 6379), db=int(db or 0), password=password or None,
                               socket_timeout=10)
        self.prefix = f"{key_prefix or 'rasa'}:conversation_lock:"
        self._issue = self.red.register_script(ISSUE)
        self._take = self.red.register_script(TAKE)
        self._release = self.red.register_script(RELEASE)
        super().__init__()

    def _keys(self, conversation_id: Text) -> tuple[str, str, str]:
        base = self.prefix + conversation_id
        return f"{base}:issued", f"{base}:queue", f"{base}:ticket:"

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncGenerator[TicketLock, None]:
        """Wait for this conversation's earlier turns, then hold the lock
        (renewed in the background) until the block ends."""
        counter, queue, ticket_prefix = self._keys(conversation_id)
        lifetime_ms = max(1000, int(lock_lifetime * 1000))
        try:
            number = int(self._issue(keys=[counter, queue], args=[ticket_prefix, lifetime_ms, KEYS_KEPT_SECONDS]))
        except Exception as error:  # a Redis error: Rasa answers the request with an error
            raise LockError(f"Could not take a ticket for the conversation: {error}") from error
        try:
            while True:
                taken = int(self._take(keys=[queue], args=[ticket_prefix, number, lifetime_ms]))
                if taken == 1:
                    break
                if taken == -1:
                    raise LockError("This turn's ticket lapsed while it waited (the replica was stalled).")
                await asyncio.sleep(min(wait_time_in_seconds, POLL_SECONDS))
            renewing = asyncio.create_task(self._renew(ticket_prefix + str(number), lifetime_ms))
            try:
                yield TicketLock(conversation_id)
            finally:
                renewing.cancel()
                with suppress(asyncio.CancelledError):
                    await renewing
        finally:
            with suppress(Exception):
                self._release(keys=[queue, counter], args=[ticket_prefix, number])

    async def _renew(self, ticket_key: str, lifetime_ms: int) -> None:
        """Keep a served ticket alive while its turn runs."""
        while True:
            await asyncio.sleep(lifetime_ms / 4000)
            try:
                if not self.red.pexpire(ticket_key, lifetime_ms):
                    logger.warning("a turn outlived its conversation lock (the replica was stalled)")
                    return
            except Exception as error:  # noqa: BLE001 - try again at the next beat
                logger.warning("could not renew a conversation lock: %s", type(error).__name__)

    # Rasa's LockStore keeps a whole TicketLock per conversation; this store
    # keeps its tickets in Redis structures of their own instead.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return None

    def delete_lock(self, conversation_id: Text) -> None:
        counter, queue, _ = self._keys(conversation_id)
        self.red.delete(counter, queue)

    def save_lock(self, lock: TicketLock) -> None:
        return None

    def is_someone_waiting(self, conversation_id: Text) -> bool:
        return bool(self.red.zcard(self._keys(conversation_id)[1]))
