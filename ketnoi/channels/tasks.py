"""Processing stored channel events: parse through the channel type, run the registered handlers, mark handled."""

import logging

from django_tasks import task

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .inbound import handlers_for
from .models import ChannelEvent
from .types.base import EventKind

logger = logging.getLogger(__name__)


@task(queue_name="inbound")
def process_channel_event(event_id: int) -> str:
    """Idempotent: an event already handled is skipped, and handlers run in the transaction that marks it handled."""
    event = ChannelEvent.objects.select_related("channel").filter(pk=event_id).first()
    if event is None or event.handled_at is not None:
        return "skipped"
    channel = event.channel
    try:
        parsed = channel.channel_type.parse_events(channel, event.body)
    except ValueError as exc:
        ChannelEvent.objects.filter(pk=event.pk, handled_at__isnull=True).update(
            status=ChannelEvent.Status.UNPARSEABLE, handled_at=timezone.now(), error=str(exc)[:500]
        )
        return "unparseable"
    try:
        with transaction.atomic():
            locked = ChannelEvent.objects.select_for_update().get(pk=event.pk)
            if locked.handled_at is not None:
                return "skipped"
            handled = False
            for inbound in parsed:
                for handler in handlers_for(inbound.kind):
                    handler(channel, inbound)
                    handled = True
            ignored = not handled and all(e.kind == EventKind.OTHER for e in parsed)
            locked.status = ChannelEvent.Status.IGNORED if ignored else ChannelEvent.Status.HANDLED
            locked.handled_at = timezone.now()
            locked.attempts += 1
            locked.error = ""
            locked.save(update_fields=["status", "handled_at", "attempts", "error"])
    except Exception as exc:
        logger.exception("Channel event %s failed", event.pk)
        ChannelEvent.objects.filter(pk=event.pk, handled_at__isnull=True).update(
            status=ChannelEvent.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], attempts=F("attempts") + 1
        )
        raise
    return locked.status


def retry_failed_events(*, max_attempts: int = 5) -> int:
    """For the scheduler: enqueue failed events again (a handler's bug fixed, a database hiccup passed)."""
    ids = list(
        ChannelEvent.objects.filter(status=ChannelEvent.Status.FAILED, attempts__lt=max_attempts).values_list(
            "pk", flat=True
        )
    )
    for event_id in ids:
        process_channel_event.enqueue(event_id)
    return len(ids)
