"""Rasa's tracker store, encrypted: every message, slot (the family's name,
number, their story) and booking detail Rasa keeps is a Fernet token in
Redis, never readable text.

Configured in endpoints.yml (`tracker_store: type:
bot.tracker_store.EncryptedRedisTrackerStore`). It is Rasa's own
RedisTrackerStore (same keys: `<key_prefix>:tracker:<sender id>`, same
expiry `record_exp`, refreshed on each save), with its Redis client wrapped
so that what is written is encrypted and what is read is decrypted, with the
api's keys: `encryption_key` is DATA_ENCRYPTION_KEY (several, comma
separated, while rotating: the first encrypts, all decrypt), and the keys
are derived exactly as the api derives them (api/crypto.py), so the api's
re-encrypt command and tests can open what Rasa wrote.

With no key Rasa refuses to start rather than keep a family's words in
plain text. A tracker written before encryption was turned on (plain JSON)
is still read, and is encrypted when next saved.
"""
from __future__ import annotations

import logging
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain

from api.crypto import EncryptionKeyMissing, FieldCipher, key_secrets

logger = logging.getLogger(__name__)

FERNET_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte and time)


class EncryptingRedis:
    """A Redis client whose GET decrypts and SET encrypts; anything else
    (delete, keys, expire) goes to the real client unchanged."""

    def __init__(self, client: Any, cipher: FieldCipher) -> None:
        self._client = client
        self._cipher = cipher

    def set(self, name: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        return self._client.set(name, self._cipher.encrypt(text), *args, **kwargs)

    def get(self, name: Any) -> Optional[Text]:
        stored = self._client.get(name)
        if stored is None:
            return None
        text = stored.decode("ascii", errors="replace") if isinstance(stored, bytes) else str(stored)
        if not text.startswith(FERNET_PREFIX):
            return stored.decode("utf-8") if isinstance(stored, bytes) else stored  # from before encryption
        return self._cipher.decrypt(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class EncryptedRedisTrackerStore(RedisTrackerStore):
    """RedisTrackerStore that keeps every tracker encrypted with DATA_ENCRYPTION_KEY."""

    def __init__(
        self,
        domain: Domain,
        host: Text = "localhost",
        port: int = 6379,
        db: int = 0,
        password: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        record_exp: Optional[Any] = None,
        key_prefix: Optional[Text] = None,
        encryption_key: Optional[Text] = None,
        **kwargs: Any,
    ) -> None:
        secrets = key_secrets(str(encryption_key or ""))
        if not secrets:
            raise EncryptionKeyMissing(
                "DATA_ENCRYPTION_KEY is empty: Rasa will not keep conversations in plain text")
        super().__init__(domain, host=host, port=int(port), db=int(db), password=password or None,
                         event_broker=event_broker, record_exp=int(record_exp) if record_exp else None,
                         key_prefix=key_prefix, **kwargs)
        self.red = EncryptingRedis(self.red, FieldCipher(secrets))
        logger.info("Conversations are kept encrypted in Redis (expiry %s seconds)", self.record_exp)
