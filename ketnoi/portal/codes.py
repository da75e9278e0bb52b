"""Receipt codes as citizens type them: lower case, spaces, missing dashes or dots -> the printed form.

A receipt code is `<agency code>-YYMMDD-XXXX` (Circular 01/2018 Art. 19), e.g. `H90.90001-261124-0007`.
"""

import re

from django.core.cache import cache

from ketnoi.orgs.models import Agency

_TAIL = re.compile(r"^(?P<prefix>.+?)[\s\-_/.]*(?P<day>\d{6})[\s\-_/.]*(?P<seq>\d{4})$")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def _squash(text: str) -> str:
    return _NOT_ALNUM.sub("", text.upper())


def _agency_codes() -> dict[str, str]:
    """Squashed agency code -> agency code ('H9090001' -> 'H90.90001'), cached: agencies change rarely."""
    codes = cache.get("ketnoi:agency-codes")
    if codes is None:
        codes = {_squash(c): c for c in Agency.objects.values_list("code", flat=True)}
        cache.set("ketnoi:agency-codes", codes, 300)
    return codes


def normalize_receipt_code(raw: str) -> str:
    """'h90.90001 261124 0007', 'H9090001-2611240007' -> 'H90.90001-261124-0007'; '' when it cannot be one."""
    text = (raw or "").strip().upper()
    match = _TAIL.match(text)
    if not match:
        return ""
    prefix = match["prefix"].strip(" -_/")
    squashed = _squash(prefix)
    if not squashed:
        return ""
    prefix = _agency_codes().get(squashed, prefix.replace(" ", ""))
    return f"{prefix}-{match['day']}-{match['seq']}"
