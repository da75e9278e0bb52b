"""Small helpers for outbox tests: enqueue in a transaction, drain the outbox until nothing is due, wait for a
condition, and the test database's URL for the processes a test starts."""

import time

from django.db import connection, transaction

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


def wait_for(condition, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"Timed out waiting for {what}.")


def unsettled() -> int:
    return OutboundMessage.objects.filter(status__in=(Status.QUEUED, Status.SENDING)).count()


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
