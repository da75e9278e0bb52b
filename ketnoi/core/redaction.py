"""Masking of personal data and secrets: phone and ID numbers are shown only as far as needed."""

import re
from typing import Any

SECRET_FIELD_WORDS = ("secret", "token", "password", "key", "otp")
PHONE_FIELD_WORDS = ("phone", "so_dien_thoai", "msisdn")
ID_FIELD_WORDS = ("id_number", "citizen_id", "cccd", "identity")

# +84 912 345 678, 0912345678, 84912345678 (with spaces, dots or dashes between groups).
PHONE_RE = re.compile(r"(?<![\w])(?:\+?84|0)(?:[\s.-]?\d){8,10}(?![\w])")
# 12-digit personal ID numbers and 9-digit legacy CMND numbers.
ID_RE = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")
SECRET_PAIR_RE = re.compile(
    r"(?i)(access_token|refresh_token|secret_key|app_secret|api_key|apikey|secret|password|token|authorization)"
    r"([\"']?\s*[:=]\s*[\"']?)(?:Bearer\s+)?[^\s\"'&,}]+"
)
# Secrets that travel in URLs, where access logs and Referer headers pick them up: keys in the query string
# (Open311's api_key, where the spec requires it), and the path segments that are bearer secrets (the citizen's
# dossier and petition links, the DVCQG bare-array key). Headers are preferred where a caller can send them.
SECRET_QUERY_RE = re.compile(r"(?i)([?&;](?:api_key|apikey|key|token|access_token|session|signature)=)[^&#\s\"']*")
SECRET_PATH_RE = re.compile(r"(/(?:tra-cuu|phan-anh/theo-doi|api/dvcqg/rest)/)(?!xac-minh/)([^/?#\s\"']+)")
HIDDEN = "[redacted]"


def mask_phone(phone: str | None) -> str:
    """'+84912345678' -> '091****678': enough for a citizen to recognise, useless to a stranger."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"


def mask_id_number(number: str | None) -> str:
    """'001203004567' -> '********4567'."""
    if not number:
        return ""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def redact_url(url: str) -> str:
    """'/tra-cuu/eyJ..x/bo-sung/?api_key=kn_abc' -> '/tra-cuu/[redacted]/bo-sung/?api_key=[redacted]'."""
    url = SECRET_PATH_RE.sub(lambda m: m.group(1) + HIDDEN, url)
    return SECRET_QUERY_RE.sub(lambda m: m.group(1) + HIDDEN, url)


def redact_text(text: str) -> str:
    """Mask secrets, phone numbers and ID numbers anywhere in free text (log lines, error messages)."""
    text = redact_url(text)
    text = SECRET_PAIR_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    text = PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)
    return ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)


def redact_value(field_name: str, value: Any) -> Any:
    """Mask a value by what its field holds, for audit snapshots and logs."""
    if not isinstance(value, str) or not value:
        return value
    name = field_name.lower()
    if any(word in name for word in SECRET_FIELD_WORDS):
        return "[redacted]"
    if any(word in name for word in PHONE_FIELD_WORDS):
        return mask_phone(value)
    if any(word in name for word in ID_FIELD_WORDS):
        return mask_id_number(value)
    return value


# Publication: free text written by citizens, anonymised before anyone outside the agency reads it. ------------

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A person named after a form of address: "ông Nguyễn Văn An", "chị Lan", "bà Trần Thị B".
_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_NAME_WORD = rf"[{_UPPER}][^\s,.;:!?()\"“”]*"
HONORIFIC_NAME_RE = re.compile(
    rf"(?i:\b(ông|bà|anh|chị|em|cô|chú|bác|cụ|mr\.?|mrs\.?|ms\.?))\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}}"
)
# "tôi là Nguyễn Văn An", "tên tôi là Lan", "my name is ..."
SELF_NAME_RE = re.compile(
    rf"(?i:\b(tôi là|tên tôi là|tên là|my name is|i am))\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}}"
)
# A house address: "số 12 đường Lê Lợi", "12/3 Bạch Đằng", "ngõ 45", "hẻm 7/2", "nhà số 8".
_STREET = r"(?i:đường|phố|ngõ|hẻm|kiệt|ngách)"
ADDRESS_RE = re.compile(
    rf"\b(?:(?i:nhà\s+)?(?i:số)\s+\d+[\w/-]*|\d+[a-zA-Z]?(?:/\d+)+|\d+[a-zA-Z]?\s+(?={_STREET}\b)"
    rf"|(?<!dân )(?<!Dân ){_STREET}\s+\d+[\w/-]*)"
    rf"(?:\s*,?\s*(?:{_STREET}\s+)?{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})?"
)
HIDDEN_PERSON = "[…]"
HIDDEN_CONTACT = "[đã ẩn]"


def anonymize_text(text: str, *, names: tuple[str, ...] | list[str] = ()) -> str:
    """Remove personal data from free text for publication: the given names (the petitioner, a business owner),
    names after a form of address, e-mail addresses, phone and ID numbers, and house addresses. Numbers are
    removed, not masked: the public needs none of their digits."""
    text = text or ""
    variants = set()
    for name in names:
        words = (name or "").split()
        if len(words) >= 2:
            variants.add(" ".join(words))
        if len(words) >= 3:
            variants.add(" ".join(words[-2:]))  # "Văn An" of "Nguyễn Văn An"
    for variant in sorted(variants, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(variant)}(?!\w)", HIDDEN_PERSON, text, flags=re.IGNORECASE)
    text = EMAIL_RE.sub(HIDDEN_CONTACT, text)
    text = PHONE_RE.sub(HIDDEN_CONTACT, text)
    text = ID_RE.sub(HIDDEN_CONTACT, text)
    text = re.sub(r"(?<!\d)\d{10,13}(?!\d)", HIDDEN_CONTACT, text)  # other long numbers (tax codes, accounts)
    text = SELF_NAME_RE.sub(lambda m: f"{m.group(1)} {HIDDEN_PERSON}", text)
    text = HONORIFIC_NAME_RE.sub(lambda m: f"{m.group(1)} {HIDDEN_PERSON}", text)
    return ADDRESS_RE.sub(HIDDEN_CONTACT, text)
