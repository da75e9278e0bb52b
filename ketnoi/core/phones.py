"""Phone numbers: parsed with libphonenumber's Vietnamese metadata, stored in E.164."""

import functools

import phonenumbers

from django.utils.translation import gettext as _


class InvalidPhoneNumber(ValueError):
    pass


@functools.lru_cache(maxsize=65536)
def normalize_phone(raw: str, region: str = "VN") -> str:
    """'0912 345 678', '84912345678', '+84 912.345.678' -> '+84912345678'. Raises InvalidPhoneNumber.
    Remembered per process (a notice to a dossier's phone normalises the same number for every row)."""
    text = (raw or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+") and digits.startswith("84") and len(digits) >= 11:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(_("'%(raw)s' is not a phone number.") % {"raw": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(_("'%(raw)s' is not a valid phone number.") % {"raw": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """'+84912345678' -> '0912 345 678' for screens where the full number is needed."""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
