"""Encryption at rest (channel tokens and secrets, ID numbers, DVCQG payloads) with Fernet from `cryptography`, and
the keyed hash that finds an ID number without storing it in clear.

FIELD_ENCRYPTION_KEY encrypts; it and FIELD_ENCRYPTION_OLD_KEYS decrypt (MultiFernet), so a new key can be put in
place first and `manage.py rotate_encryption_key` then re-encrypts every stored value (and recomputes every keyed
hash) before the old key is dropped. Keys are any long random strings; each is stretched to a Fernet key.
"""

import base64
import hashlib
import hmac
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from django.conf import settings


def _derive(key: str) -> Fernet:
    digest = hashlib.sha256(("ketnoi-field-encryption:" + key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@cache
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(key) for key in keys])


def encryption_keys() -> tuple[str, ...]:
    """The current key first, then the old ones still accepted for reading."""
    old = [key for key in getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", []) if key != settings.FIELD_ENCRYPTION_KEY]
    return (settings.FIELD_ENCRYPTION_KEY, *old)


def _fernet() -> MultiFernet:
    return _multi(encryption_keys())


def encrypt_json(value: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError(
            "Stored data cannot be decrypted with FIELD_ENCRYPTION_KEY or FIELD_ENCRYPTION_OLD_KEYS: was a key lost?"
        ) from exc


def reencrypt(token: str) -> str:
    """The same value encrypted with the current key (what rotation writes back); '' stays ''."""
    if not token:
        return token
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("A stored value cannot be decrypted with any configured key.") from exc


def keyed_hash(purpose: str, value: str, *, key: str | None = None) -> str:
    """HMAC-SHA256 of `value` under the current key (or `key`), separated by purpose; '' stays ''."""
    if not value:
        return ""
    secret = (f"ketnoi-{purpose}:" + (key if key is not None else settings.FIELD_ENCRYPTION_KEY)).encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def keyed_hashes(purpose: str, value: str) -> list[str]:
    """The hash under every configured key: a search still finds rows not yet re-hashed during a rotation."""
    return [keyed_hash(purpose, value, key=key) for key in encryption_keys()] if value else []
