"""Encryption at rest for credentials (channel tokens and secrets), with Fernet from `cryptography`."""

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(("ketnoi-field-encryption:" + settings.FIELD_ENCRYPTION_KEY).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_json(value: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError("Stored credentials cannot be decrypted: was FIELD_ENCRYPTION_KEY changed?") from exc
