"""The inbound queue's claimer: pending ChannelEvent rows, claimed and processed by `manage.py run_inbound`.

The webhook view only inserts the event (one INSERT); there is no separate task row. The rows are a work queue
(ketnoi.core.queue, configured below as INBOUND): a claimer takes the oldest pending event whose person (channel,
user_id) has no older pending event, locks it (FOR UPDATE SKIP LOCKED on PostgreSQL, so any number of claimers share
the queue; SQLite serialises writers), parses it and runs each parsed event through the pipeline (inbound.handle)
in that same transaction, which also marks the event handled: the row lock is the lease. So events of one person are processed one at a time and in arrival
order, a crash rolls back and leaves the event pending for the next claimer (nothing lost), and a step that
raises leaves it `failed` with the reason: a dead letter that does not hold back the person's later events, put
back by the `channels.retry_failed_events` job.
"""

import logging
import threading

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ketnoi.channels.models import ChannelEvent
from ketnoi.channels.types.base import EventKind
from ketnoi.core.db import drop_broken_connection
from ketnoi.core.prepared import PreparedRead, update_fields
from ketnoi.core.queue import WorkQueue

from .inbound import handle

logger = logging.getLogger(__name__)

PENDING = ChannelEvent.Status.PENDING


def poll_seconds() -> float:
    """How long an idle claimer waits before looking again (INBOUND_POLL_SECONDS)."""
    return float(getattr(settings, "INBOUND_POLL_SECONDS", 0.1))


INBOUND = WorkQueue(
    model=ChannelEvent,
    key=("channel_id", "user_id"),  # a person on a channel
    waiting=Q(status=PENDING),
    holds_line=lambda now: Q(status=PENDING),
    select_related=("channel",),
)


# The claim's statement, compiled once (ketnoi.core.prepared): the inbound line has no time in it (no due time, and
# every pending row holds its line), so the same SQL serves every claim.
_NEXT = PreparedRead(lambda: INBOUND.lock_next()[:1])


def has_pending() -> bool:
    """A cheap read outside any transaction, so an idle claimer takes no lock (SQLite's writers wait for none)."""
    return ChannelEvent.objects.filter(status=PENDING).exists()


class _StepFailed(Exception):
    """A step raised: raised on out of the event's transaction, so everything the steps wrote rolls back with it."""

    def __init__(self, event_id: int, error: str):
        super().__init__(error)
        self.event_id, self.error = event_id, error


def process_next() -> str | None:
    """Claim and process one event; None when nothing is claimable right now."""
    try:
        with transaction.atomic():
            event = _NEXT.first()
            if event is None:
                return None
            return _process_locked(event)
    except _StepFailed as failed:
        return _mark_failed(failed)


def process_event(event_id: int) -> str:
    """Process one given event (waiting for its lock if a claimer holds it). Idempotent: "skipped" once handled."""
    try:
        with transaction.atomic():
            event = ChannelEvent.objects.select_for_update(of=("self",)).select_related("channel").filter(pk=event_id)
            event = event.first()
            if event is None or event.handled_at is not None:
                return "skipped"
            return _process_locked(event)
    except _StepFailed as failed:
        return _mark_failed(failed)


def _process_locked(event: ChannelEvent) -> str:
    """Inside the transaction holding the event's lock: parse, run the pipeline, record the outcome.

    The steps' writes and the event's new status commit together. A step that raises rolls the whole transaction
    back (no savepoint to pay for on every event: failures are rare), then the event is marked failed on its own.
    """
    channel = event.channel
    try:
        parsed = channel.channel_type.parse_events(channel, event.body)
    except ValueError as exc:
        _save(event, ChannelEvent.Status.UNPARSEABLE, error=str(exc)[:500], handled=True)
        return event.status
    except Exception as exc:  # a parser bug: recorded like a step's, never retried in a loop
        logger.exception("Channel event %s could not be parsed", event.pk)
        _save(event, ChannelEvent.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], handled=False)
        return event.status
    handled = False
    try:
        for inbound in parsed:
            handled = handle(channel, inbound) or handled
    except Exception as exc:
        logger.exception("Channel event %s failed", event.pk)
        raise _StepFailed(event.pk, f"{type(exc).__name__}: {exc}"[:2000]) from exc
    ignored = not handled and all(e.kind == EventKind.OTHER for e in parsed)
    _save(event, ChannelEvent.Status.IGNORED if ignored else ChannelEvent.Status.HANDLED, error="", handled=True)
    return event.status


def _mark_failed(failed: _StepFailed) -> str:
    """After the rollback: a dead letter, unless another claimer took the event meanwhile (it is no longer pending
    then, or is locked by that claimer until it settles it)."""
    with transaction.atomic():
        ChannelEvent.objects.filter(pk=failed.event_id, status=PENDING).update(
            status=ChannelEvent.Status.FAILED, error=failed.error, attempts=F("attempts") + 1, handled_at=None
        )
    return ChannelEvent.Status.FAILED


def _save(event: ChannelEvent, status: str, *, error: str, handled: bool) -> None:
    event.status = status
    event.error = error
    event.attempts += 1
    event.handled_at = timezone.now() if handled else None
    update_fields(event, ["status", "error", "attempts", "handled_at"])


def drain() -> int:
    """Process every claimable event, then return how many were processed (tests; `run_inbound --batch`)."""
    count = 0
    while process_next() is not None:
        count += 1
    return count


def run(stop: threading.Event) -> None:
    """The claimer's loop: work while there is work, otherwise look again every poll_seconds() until stopped.

    A database error (restart, lost connection) is logged; the connection is dropped and the loop goes on."""
    while not stop.is_set():
        try:
            drop_broken_connection()
            if has_pending() and process_next() is not None:
                continue
        except Exception:
            logger.exception("Inbound claimer: database error; retrying")
            connection.close()
            stop.wait(1.0)
            continue
        stop.wait(poll_seconds())
