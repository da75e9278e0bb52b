"""Small helpers for outbox tests: enqueue in a transaction, and drain the outbox until nothing is due."""

import time

from django.db import transaction

from ketnoi.channels.types.base import OutboundPayload
from ketnoi.outbox.dispatcher import Dispatcher
from ketnoi.outbox.models import Lane, OutboundMessage, Status


def enqueue(channel, key, *, user_id="u1", text="Xin chào", lane=Lane.TRANSACTIONAL, **kwargs):
    from ketnoi.outbox.services import outbox_enqueue

    with transaction.atomic():
        return outbox_enqueue(
            channel=channel,
            payload=OutboundPayload(kind="text", text=text),
            idempotency_key=key,
            lane=lane,
            recipient_user_id=user_id,
            **kwargs,
        )


def drain(*, until_seconds=30.0, concurrency=4, batch_size=50, settled=None) -> None:
    """Dispatch rounds until no row is queued or sending (or `settled()` is true), within a deadline."""
    dispatcher = Dispatcher(concurrency=concurrency, batch_size=batch_size)
    deadline = time.monotonic() + until_seconds
    try:
        while time.monotonic() < deadline:
            dispatcher.dispatch_once()
            if settled is not None:
                if settled():
                    return
            elif not OutboundMessage.objects.filter(status__in=(Status.QUEUED, Status.SENDING)).exists():
                return
            time.sleep(0.02)
    finally:
        dispatcher.close()
    raise AssertionError("The outbox did not settle before the deadline.")


def statuses() -> dict[str, str]:
    return dict(OutboundMessage.objects.values_list("idempotency_key", "status"))
