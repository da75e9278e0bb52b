"""Reaching someone who follows no channel: a template message by phone from the nearest Zalo OA, then SMS.

Dossier notices, petition answers and one-time codes all need the same two steps, so they live here, beside
the outbox that sends them, rather than once per domain.
"""

from typing import Any

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import OutboundPayload
from ketnoi.orgs.models import AdministrativeUnit

from .models import Lane, OutboundMessage
from .services import outbox_enqueue


def unit_and_ancestor_ids(unit: AdministrativeUnit) -> list[int]:
    """The unit's own id and its ancestors', from its materialised path (root first)."""
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def phone_channel_for(unit: AdministrativeUnit) -> Channel | None:
    """The active Zalo OA of the unit, or of its nearest ancestor, for template messages by phone."""
    channels = Channel.objects.filter(
        type_code="zalo", is_active=True, unit_id__in=unit_and_ancestor_ids(unit)
    ).select_related("unit")
    return max(channels, key=lambda c: (c.unit.path.count("/"), -c.pk), default=None)


def outbox_enqueue_by_phone(
    *,
    channel: Channel,
    phone: str,
    fallback: dict[str, Any],
    idempotency_key: str,
    source_type: str,
    source_id: str,
    lane: Lane = Lane.TRANSACTIONAL,
) -> OutboundMessage | None:
    """Queue the fallback's template to `phone` (SMS with its text after that). None when the OA has no template
    configured: the caller's own page (lookup, tracking) is then the way the person learns the news.
    MUST run inside the caller's transaction, like outbox_enqueue."""
    if "template_id" not in fallback:
        return None
    return outbox_enqueue(
        channel=channel,
        payload=OutboundPayload(
            kind="template", template_id=fallback["template_id"], template_data=fallback["template_data"]
        ),
        idempotency_key=idempotency_key,
        lane=lane,
        recipient_phone=phone,
        source_type=source_type,
        source_id=source_id,
        fallback={"sms_text": fallback["sms_text"]} if fallback.get("sms_text") else None,
    )
