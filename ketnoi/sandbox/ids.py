"""Identifiers shaped like Zalo's: 18-19-digit numeric strings (always strings: they exceed 2^53)."""

import secrets


def numeric_id() -> str:
    return str(10**17 + secrets.randbelow(10**19 - 10**17))


def message_id() -> str:
    return secrets.token_hex(16)


def secret(length: int = 20) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def token() -> str:
    return secrets.token_urlsafe(48)


def page_id() -> str:
    """Facebook page ids and page-scoped user ids: 15-17 digits, kept as strings."""
    return str(10**15 + secrets.randbelow(10**17 - 10**15))


def page_message_id() -> str:
    return "m_" + secrets.token_urlsafe(30)


def group_id() -> str:
    """A GMF group id: 20 hex characters, as seen in public notes (e.g. "df7d5a31765c9f02c64d")."""
    return secrets.token_hex(10)


def link_code() -> str:
    """The code of an invite link https://zalo.me/g/<code> (9 lowercase letters and digits)."""
    return "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(9))
