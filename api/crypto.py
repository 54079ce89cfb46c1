"""Field encryption for personal data at rest, and keyed hashes for look-ups.

Two secrets:
- `DATA_ENCRYPTION_KEY` (any long random string; several separated by commas
  to rotate: the first encrypts, all of them decrypt). From each a Fernet key
  is derived that encrypts names, phone numbers and the family's own words.
  After adding a new key, `python -m api.rekey` re-encrypts everything under
  it, and the old one can then be dropped.
- `LOOKUP_HASH_KEY`, never rotated: the HMAC key for look-up hashes (so a
  phone number, and a STOP, can be found without storing the number in plain
  text). It has its own key because an opt-out is kept as a hash alone: a
  hash made with another key would never match it again. Left empty, the
  (single) DATA_ENCRYPTION_KEY serves, as it did before the two were apart;
  with several DATA_ENCRYPTION_KEYs and no LOOKUP_HASH_KEY the api refuses to
  start, rather than lose every STOP.

Columns declared as `EncryptedText` / `EncryptedJSON` are encrypted on the
way into the database and decrypted on the way out. The key is set once per
process by `use_key()` (the app does it from settings at start-up; tests do
it in a fixture). With no key, writing or reading personal data raises
`EncryptionKeyMissing`: the api refuses rather than store it in plain text.
"""

import base64
import hashlib
import hmac
import json
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class EncryptionKeyMissing(RuntimeError):
    """DATA_ENCRYPTION_KEY is empty, so personal data cannot be written or read."""


class FieldCipher:
    def __init__(self, secrets: list[str], lookup_secret: str = "") -> None:
        if not secrets:
            raise EncryptionKeyMissing("DATA_ENCRYPTION_KEY is empty: refusing to handle personal data")
        self._fernet = MultiFernet([Fernet(_derive(secret, b"fernet")) for secret in secrets])
        self._lookup_key = hashlib.sha256(b"lookup:" + (lookup_secret or secrets[0]).encode()).digest()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise EncryptionKeyMissing("stored personal data does not open with DATA_ENCRYPTION_KEY") from error

    def rotate(self, token: str) -> str:
        """The same text, encrypted under the newest key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as error:
            raise EncryptionKeyMissing("stored personal data does not open with DATA_ENCRYPTION_KEY") from error

    def lookup_hash(self, value: str) -> str:
        return hmac.new(self._lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _derive(secret: str, purpose: bytes) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(purpose + b":" + secret.encode("utf-8")).digest())


_cipher: FieldCipher | None = None


def key_secrets(key_setting: str) -> list[str]:
    """DATA_ENCRYPTION_KEY as its secrets, newest first ("new,old" while rotating)."""
    return [part.strip() for part in (key_setting or "").split(",") if part.strip()]


def use_key(key_setting: str, lookup_setting: str = "") -> None:
    """Set the process's keys from the DATA_ENCRYPTION_KEY setting (may be
    empty) and the LOOKUP_HASH_KEY setting."""
    global _cipher
    secrets = key_secrets(key_setting)
    lookup = (lookup_setting or "").strip()
    if len(secrets) > 1 and not lookup:
        raise EncryptionKeyMissing(
            "DATA_ENCRYPTION_KEY has several keys but LOOKUP_HASH_KEY is empty: look-ups (and every STOP) "
            "would no longer match. Set LOOKUP_HASH_KEY to the key look-ups were made with (the oldest).")
    _cipher = FieldCipher(secrets, lookup) if secrets else None


def cipher() -> FieldCipher:
    if _cipher is None:
        raise EncryptionKeyMissing("DATA_ENCRYPTION_KEY is empty: refusing to handle personal data")
    return _cipher


def normalise_phone(phone: str) -> str:
    """"07700 900123" and "+44 7700 900123" -> "+447700900123"."""
    digits = re.sub(r"[^0-9+]", "", phone or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("0"):
        digits = "+44" + digits[1:]
    return digits


def phone_hash(phone: str) -> str:
    """The keyed hash stored next to an encrypted phone number, for look-ups."""
    return cipher().lookup_hash("phone:" + normalise_phone(phone))


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else cipher().encrypt(str(value))

    def process_result_value(self, value, dialect):
        return None if value is None else cipher().decrypt(value)


class EncryptedJSON(TypeDecorator):
    """Any JSON value (lists, dicts) stored as one Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else cipher().encrypt(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(cipher().decrypt(value))
