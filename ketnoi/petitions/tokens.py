"""The petitioner's link (/phan-anh/theo-doi/<token>/): follow the petition, read the answer, rate it, reopen it.
Signed with SECRET_KEY, no expiry; it proves possession of the acknowledgement or the answer message."""

import re

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Petition

SALT = "ketnoi.petitions.track"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=".")


def petition_token(petition: Petition) -> str:
    return _signer().sign(petition.uuid.hex)


def petition_from_token(token: str) -> Petition | None:
    try:
        value = _signer().unsign((token or "").strip())
    except signing.BadSignature:
        return None
    return Petition.objects.filter(uuid=value).first() if re.fullmatch(r"[0-9a-f]{32}", value) else None


def track_url(petition: Petition) -> str:
    return settings.PUBLIC_BASE_URL + reverse("portal:petition_track", kwargs={"token": petition_token(petition)})
