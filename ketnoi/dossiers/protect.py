"""ID numbers (CCCD) of applicants and authorized collectors: encrypted at rest, searchable by a keyed hash, shown
masked. Nothing here logs or returns the clear number except `reveal_id_number`, for the rare screen that needs it.
"""

import re

from django.utils.translation import gettext as _

from ketnoi.core.crypto import decrypt_json, encrypt_json, keyed_hash, keyed_hashes
from ketnoi.core.errors import ApplicationError
from ketnoi.core.redaction import mask_id_number

ID_NUMBER_RE = re.compile(r"^(\d{12}|\d{9})$")


def clean_id_number(raw: str) -> str:
    """'001 203 004 567' -> '001203004567'. 12-digit personal ID or 9-digit legacy CMND; '' stays ''."""
    number = re.sub(r"[\s.-]", "", raw or "")
    if number and not ID_NUMBER_RE.match(number):
        raise ApplicationError(_("An ID number has 12 digits (or 9 for an old CMND)."), code="invalid_id_number")
    return number


ID_HASH_PURPOSE = "id-number"


def id_number_hash(number: str) -> str:
    """The keyed hash stored beside the encrypted number (core.crypto; recomputed by rotate_encryption_key)."""
    return keyed_hash(ID_HASH_PURPOSE, number)


def id_number_hashes(number: str) -> list[str]:
    """Every hash the number may be stored under while a key rotation is under way: search with all of them."""
    return keyed_hashes(ID_HASH_PURPOSE, number)


def protect_id_number(raw: str) -> tuple[str, str, str]:
    """(encrypted, keyed hash, masked) for storing."""
    number = clean_id_number(raw)
    if not number:
        return "", "", ""
    return encrypt_json({"n": number}), id_number_hash(number), mask_id_number(number)


def reveal_id_number(encrypted: str) -> str:
    return decrypt_json(encrypted).get("n", "") if encrypted else ""
