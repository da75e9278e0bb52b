"""Storing a verified webhook delivery: one insert, de-duplicated per channel. The pending row is the queue entry
(ketnoi.channels.inbound_queue claims it), so the acknowledgement costs one round trip to the database."""

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
    handling happens later, when `manage.py run_inbound` claims the pending row.
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
    event = ChannelEvent(
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
    try:
        _insert(event)
    except IntegrityError:
        existing = ChannelEvent.objects.filter(channel=channel, dedup_key=key).order_by().first()
        if existing is None:
            raise
        return existing, False
    return event, True


def _insert(event: ChannelEvent) -> None:
    """Outside a transaction (the web request): one INSERT in autocommit, durable before the view answers.
    Inside one (a caller's atomic block, tests): in a savepoint, so a duplicate does not break the caller's."""
    if transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            event.save(force_insert=True)
    else:
        event.save(force_insert=True)
