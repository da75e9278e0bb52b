"""Tracking codes given to petitioners, and Vietnamese tax codes (mã số thuế) checked before they are stored."""

import re
import secrets

from django.utils import timezone
from django.utils.translation import gettext

from ketnoi.core.errors import ApplicationError

# No 0/O, 1/I/L: a code read aloud over the phone survives.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_RE = re.compile(r"\bPA-\d{6}-[2-9A-HJKMNP-Z]{5}\b", re.IGNORECASE)
TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def new_tracking_code(now=None) -> str:
    """'PA-261124-7KQ3M': the day of receipt and five random characters (not guessable, not a counter)."""
    day = timezone.localdate(now) if now is not None else timezone.localdate()
    return f"PA-{day:%y%m%d}-{''.join(secrets.choice(ALPHABET) for _ in range(5))}"


def find_tracking_code(text: str) -> str:
    match = TRACKING_RE.search(text or "")
    return match.group(0).upper() if match else ""


def normalize_tax_code(raw: str) -> str:
    """A valid tax code in its standard form, or an ApplicationError saying what is wrong.

    Enterprises: 10 digits whose last is a check digit (weights 31 29 23 19 17 13 7 5 3, 10 - sum mod 11);
    branches: the same 10 digits, a dash and 3 digits. Individuals and household businesses since 1 July 2025:
    the 12-digit personal ID number.
    """
    value = re.sub(r"[\s.]", "", raw or "")
    digits = value.replace("-", "")
    if not digits.isdigit() or len(digits) not in (10, 12, 13):
        raise ApplicationError(
            gettext(
                "A tax code has 10 digits (an enterprise), 10 digits, a dash and 3 digits (a branch), or 12 digits "
                "(a personal ID number)."
            ),
            code="invalid_tax_code",
        )
    if len(digits) == 12:
        return digits
    base = digits[:10]
    check = 10 - sum(int(d) * w for d, w in zip(base[:9], TAX_WEIGHTS, strict=True)) % 11
    if check != int(base[9]):
        raise ApplicationError(
            gettext(
                "The tax code %(code)s is not valid: its last digit does not match (check the number on the business "
                "registration certificate)."
            )
            % {"code": base},
            code="invalid_tax_code",
        )
    return base if len(digits) == 10 else f"{base}-{digits[10:]}"
