"""Storing a verified webhook delivery: one insert (plus the task that processes it), de-duplicated per channel."""

import hashlib
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Channel, ChannelEvent
from .types.base import EventKind

logger = logging.getLogger(__name__)

KEPT_HEADERS = ("num_retry", "x_zevent_server")  # compared lower-case with "-" as "_" (servers differ)


def _dedup_key(keys: list[str], body: bytes) -> str:
    unique = sorted(set(keys))
    if len(unique) == 1 and len(unique[0]) <= 255:
        return unique[0]
    if not unique:
        return "raw:" + hashlib.sha256(body).hexdigest()
    return "many:" + hashlib.sha256("\n".join(unique).encode()).hexdigest()


def store_event(*, channel: Channel, body: bytes, headers: dict[str, str]) -> tuple[ChannelEvent, bool]:
    """Store the delivery; return (event, created). A repeat of an already stored event is (existing, False).

    The body is parsed here only to find its provider ids (for de-duplication) and to mark types nobody handles;
    handling happens in process_channel_event, enqueued on commit.
    """
    try:
        events = channel.channel_type.parse_events(channel, body)
        error = ""
    except ValueError as exc:  # json errors are ValueErrors too
        events, error = [], str(exc)[:500]
    now = timezone.now()
    if error:
        status, handled_at = ChannelEvent.Status.UNPARSEABLE, now
    elif not events or all(e.kind == EventKind.OTHER for e in events):
        status, handled_at = ChannelEvent.Status.IGNORED, now
    else:
        status, handled_at = ChannelEvent.Status.PENDING, None
    key = _dedup_key([e.dedup_key for e in events], body)
    normalised = {name.lower().replace("-", "_"): value for name, value in headers.items()}
    kept = {name: normalised[name] for name in KEPT_HEADERS if name in normalised}
    try:
        with transaction.atomic():
            event = ChannelEvent.objects.create(
                channel=channel,
                dedup_key=key,
                provider_event=(events[0].provider_event if events else "")[:80],
                user_id=(events[0].user_id if events else "")[:64],
                raw_body=body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),  # PostgreSQL text
                headers=kept,
                status=status,
                received_at=now,
                handled_at=handled_at,
                error=error,
            )
            if status == ChannelEvent.Status.PENDING:
                # The task row is written in the event's own transaction (the task queue is this database):
                # both exist or neither, and the acknowledgement costs one commit, not two.
                _enqueue(event.pk)
    except IntegrityError:
        existing = ChannelEvent.objects.filter(channel=channel, dedup_key=key).order_by().first()
        if existing is None:
            raise
        return existing, False
    return event, True


def _enqueue(event_id: int) -> None:
    from .tasks import process_channel_event

    process_channel_event.enqueue(event_id)
