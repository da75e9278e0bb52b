"""The per-desk poster (A4): a big QR to follow the unit's Zalo OA (or the portal when the unit has none)."""

from django.conf import settings
from django.urls import reverse

from ketnoi.dossiers.follow import follow_target
from ketnoi.orgs.models import Desk

from .pdf import render_pdf
from .qr import qr_data_uri


def poster_context(desk: Desk) -> dict:
    portal = f"{settings.PUBLIC_BASE_URL}{reverse('portal:home')}"
    target = follow_target(desk.agency.unit, portal)
    return {
        "agency_name": desk.agency.name,
        "desk_name": desk.name,
        "url": target.url,
        "is_zalo": target.is_zalo,
        "channel_name": target.name,
        "lookup_url": f"{settings.PUBLIC_BASE_URL}{reverse('portal:lookup')}",
        "qr": qr_data_uri(target.url, scale=10),
    }


def poster_pdf(desk: Desk) -> bytes:
    return render_pdf("console/documents/poster.html", {"p": poster_context(desk)})
