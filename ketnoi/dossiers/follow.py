"""Where a citizen follows the unit on Zalo: the Zalo OA of the dossier's unit or of its nearest ancestor.

Read by the receipt, the desk poster and the public lookup page (owned by the console/portal pages of issue 4).
`https://zalo.me/<oa_id>` opens the OA with its Follow button (zalo-oa-api.md §7). A dossier's follow link adds
`?token=<signed token>`, which the follow event hands over (ketnoi.dossiers.inbound; unconfirmed on live Zalo, so
the lookup page also shows the link to send in the chat, which links the dossier too). Development points
settings.ZALO_FOLLOW_BASE at the sandbox's follow page.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings

from ketnoi.channels.models import Channel
from ketnoi.orgs.models import AdministrativeUnit

ZALO_TYPE = "zalo"
DEFAULT_FOLLOW_BASE = "https://zalo.me"


@dataclass(frozen=True)
class FollowTarget:
    url: str
    name: str
    is_zalo: bool


def _ancestor_ids(unit: AdministrativeUnit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def zalo_channel_for(unit: AdministrativeUnit) -> Channel | None:
    """The active Zalo OA of the unit, else of the nearest ancestor that has one."""
    ids = _ancestor_ids(unit)
    channels = Channel.objects.filter(type_code=ZALO_TYPE, is_active=True, unit_id__in=ids).exclude(external_id="")
    by_unit = {}
    for channel in channels.order_by("created_at", "id"):
        by_unit.setdefault(channel.unit_id, channel)
    for unit_id in reversed(ids):
        if unit_id in by_unit:
            return by_unit[unit_id]
    return None


def oa_url(oa_id: str, token: str = "") -> str:
    base = getattr(settings, "ZALO_FOLLOW_BASE", DEFAULT_FOLLOW_BASE).rstrip("/")
    return f"{base}/{oa_id}" + (f"?{urlencode({'token': token})}" if token else "")


def follow_target(unit: AdministrativeUnit, fallback_url: str, token: str = "") -> FollowTarget:
    """The OA to follow (with the dossier's token, if given), or the portal when no unit up the tree has one."""
    channel = zalo_channel_for(unit)
    if channel is None:
        return FollowTarget(url=fallback_url, name="", is_zalo=False)
    return FollowTarget(url=oa_url(channel.external_id, token), name=channel.name, is_zalo=True)
