"""The signed token on a dossier's receipt QR: opens the public lookup page (/tra-cuu/<token>/) and, carried in
the Zalo follow link, links the follower to the dossier. Signed with SECRET_KEY (django.core.signing), one per
dossier, no expiry (a receipt is kept for months); it proves possession of the receipt, nothing more.
"""

import functools
import re

from django.conf import settings
from django.core import signing

from .models import Dossier

SALT = "ketnoi.dossiers.lookup"
# A uuid in hex, the separator, and a base64url signature: what to look for in a chat message.
TOKEN_RE = re.compile(r"\b([0-9a-f]{32}[:.][A-Za-z0-9_-]{20,60})")
LOOKUP_PATH = "/tra-cuu/{token}/"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=".")


def dossier_token(dossier: Dossier) -> str:
    return _signed(dossier.uuid.hex, settings.SECRET_KEY)


@functools.lru_cache(maxsize=4096)
def _signed(value: str, _key: str) -> str:
    """Signed once per dossier and key (a notice signs it for its text and again for its button)."""
    return _signer().sign(value)


def dossier_from_token(token: str) -> Dossier | None:
    """The dossier a token was signed for, or None for anything forged, truncated or unknown."""
    try:
        value = _signer().unsign((token or "").strip())
    except signing.BadSignature:
        return None
    return Dossier.objects.filter(uuid=value).first() if re.fullmatch(r"[0-9a-f]{32}", value) else None


def find_token(text: str) -> str:
    """The first thing that looks like a dossier token in free text (a pasted lookup link), or ''."""
    match = TOKEN_RE.search(text or "")
    return match.group(1) if match else ""


def lookup_path(dossier: Dossier) -> str:
    return LOOKUP_PATH.format(token=dossier_token(dossier))


def lookup_url(dossier: Dossier) -> str:
    return settings.PUBLIC_BASE_URL + lookup_path(dossier)
