"""Receipt codes as people type them in chat: "ho so h90.90001 261124 0007 cua toi", "H9090001-2611240007",
"ma DEMO-0012". The printed form is `<agency code>-YYMMDD-XXXX`; other codes of a dossier (aliases) are looked up
as typed. (The portal has its own normaliser for its form; the layers keep the chat from importing the portal.)
"""

import re

from django.core.cache import cache

from ketnoi.dossiers.models import Dossier
from ketnoi.dossiers.selectors import dossier_find_by_code
from ketnoi.orgs.models import Agency

_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-_/]*")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_PRINTED = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9.]*?)[-_/.]*(?P<day>\d{6})[-_/.]*(?P<seq>\d{4})$")
MAX_WINDOW = 4
MAX_CANDIDATES = 16  # each is one or two indexed lookups


def _squash(text: str) -> str:
    return _NOT_ALNUM.sub("", text.upper())


def _agency_codes() -> dict[str, str]:
    codes = cache.get("ketnoi:conversations:agency-codes")
    if codes is None:
        codes = {_squash(c): c for c in Agency.objects.values_list("code", flat=True) if c}
        cache.set("ketnoi:conversations:agency-codes", codes, 300)
    return codes


def _printed(squashed: str, raw: str) -> str:
    for squashed_agency, agency in _agency_codes().items():
        rest = squashed[len(squashed_agency) :]
        if squashed.startswith(squashed_agency) and len(rest) == 10 and rest.isdigit():
            return f"{agency}-{rest[:6]}-{rest[6:]}"
    match = _PRINTED.match(raw.upper())
    return f"{match['prefix']}-{match['day']}-{match['seq']}" if match else ""


def candidate_codes(text: str) -> list[str]:
    """Codes the text may contain, most likely first: printed receipt codes rebuilt from up to four pieces, then
    single words that could be another code of a dossier (letters and digits, at least five characters)."""
    tokens = _TOKEN.findall(text or "")
    found: list[str] = []
    for size in range(MAX_WINDOW, 0, -1):
        for start in range(len(tokens) - size + 1):
            window = tokens[start : start + size]
            squashed = _squash("".join(window))
            if len(squashed) < 11 or not squashed[-10:].isdigit():
                continue
            code = _printed(squashed, "".join(window))
            if code and code not in found:
                found.append(code)
    for size in (3, 2):  # another code typed with spaces: "chat demo 2" -> CHAT-DEMO-2, CHATDEMO2
        for start in range(len(tokens) - size + 1):
            window = [t.strip(".-_/").upper() for t in tokens[start : start + size]]
            if any(c.isdigit() for c in window[-1]):
                for joined in ("-".join(window), "".join(window)):
                    if joined not in found:
                        found.append(joined)
    for token in tokens:
        token = token.strip(".-_/").upper()
        is_code = len(token) >= 5 and any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
        if is_code and token not in found:
            found.append(token)
    return found[:MAX_CANDIDATES]


def looks_like_code(text: str) -> bool:
    return bool(candidate_codes(text))


def find_dossier(text: str) -> tuple[Dossier | None, str]:
    """The dossier whose code (or alias) is in the text, and the code as read ('' when none looks like one)."""
    candidates = candidate_codes(text)
    for code in candidates:
        dossier = dossier_find_by_code(code=code)
        if dossier is not None:
            return dossier, code
    return None, candidates[0] if candidates else ""
