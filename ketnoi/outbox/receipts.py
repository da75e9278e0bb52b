"""Delivery and seen receipts from providers update the outbox rows they concern (registered in apps.py).

Receipts name messages by provider id, or by tracking_id for template messages sent by phone (our idempotency
key). Status only moves forward: sent -> delivered -> seen; a late "delivered" never undoes "seen".
"""

from django.db.models import Q

from ketnoi.channels.types.base import EventKind, InboundEvent

from .models import OutboundMessage, Status

BEFORE_DELIVERED = (Status.QUEUED, Status.SENDING, Status.SENT)
BEFORE_SEEN = (*BEFORE_DELIVERED, Status.DELIVERED)


def _concerned(channel, event: InboundEvent):
    match = Q(pk__in=[])
    ids = [i for i in (*event.message_ids, event.provider_message_id) if i]
    if ids:
        match |= Q(provider_message_id__in=ids)
    if event.tracking_id:
        match |= Q(idempotency_key=event.tracking_id)
    return OutboundMessage.objects.filter(match, channel=channel)


def receipt_handle(channel, event: InboundEvent) -> None:
    messages = _concerned(channel, event)
    at = event.occurred_at
    if event.kind == EventKind.DELIVERED:
        messages.filter(status__in=BEFORE_DELIVERED).update(status=Status.DELIVERED, delivered_at=at)
        messages.filter(delivered_at__isnull=True).update(delivered_at=at)
    elif event.kind == EventKind.SEEN:
        messages.filter(status__in=BEFORE_SEEN).update(status=Status.SEEN, seen_at=at)
        messages.filter(delivered_at__isnull=True).update(delivered_at=at)
        messages.filter(seen_at__isnull=True).update(seen_at=at)
