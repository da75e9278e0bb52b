"""What a dispatcher writes after a send: sent, retry later, failed with a reason, or on to the fallback chain.

Every outcome is guarded by the claim (status sending, claimed_by this dispatcher), so a dispatcher that lost its
lease to the sweeper cannot overwrite what another one recorded.
"""

import logging
import random
from collections import defaultdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import ErrorKind, SendError, SendResult
from ketnoi.core.tally import tally

from . import conf
from .fallback import start_next_step
from .models import OutboundMessage, Status
from .queue import OUTBOX
from .quotas import quota_backend

log = logging.getLogger(__name__)

KIND_LABELS = {
    ErrorKind.RETRYABLE: "Temporary failure",
    ErrorKind.PERMANENT: "Rejected",
    ErrorKind.UNREACHABLE: "Not reachable this way",
    ErrorKind.RATE_LIMITED: "Rate limited",
    ErrorKind.CREDENTIALS_EXPIRED: "Channel credentials expired",
}


def readable(error: SendError) -> str:
    """Stored reasons are in English, like the provider's own messages, whatever language the dispatcher runs in."""
    code = f" ({error.provider_code})" if error.provider_code else ""
    return f"{KIND_LABELS.get(error.kind, error.kind)}{code}: {error.message}"[:500]


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: between half and all of base * 2^(attempts-1), capped."""
    return OUTBOX.backoff(attempts)


def record_sent(message: OutboundMessage, result: SendResult, *, found: bool = False) -> str:
    """The provider took the message (its id is the proof). `found`: the id came from find_sent, a copy found at
    the provider after an attempt whose outcome was unknown; if another row holds that id after all (a race
    between two lanes of one person), this row is not proven sent and is retried instead. Returns the status."""
    now = timezone.now()
    provider_id = result.provider_message_id[:80]
    try:
        with transaction.atomic():
            updated = OutboundMessage.objects.filter(pk=message.pk, status__in=(Status.SENDING, Status.QUEUED)).update(
                status=Status.SENT,
                provider_message_id=provider_id,
                cost=result.cost,
                sent_at=now,
                claimed_by="",
                error_kind="",
                error_message="",
                outcome_unknown=False,
            )
            if not updated:
                # A receipt overtook us (delivered before we wrote sent): keep its status, add what we know.
                OutboundMessage.objects.filter(pk=message.pk, provider_message_id="").update(
                    provider_message_id=provider_id, cost=result.cost, sent_at=now
                )
    except IntegrityError:
        if not found:
            raise
        log.warning("Outbox message %s: the copy found at the provider is another row's; retrying.", message.uuid)
        error = SendError(ErrorKind.RETRYABLE, "The copy found at the provider belongs to another message.")
        return record_error(message, error, claimed_by=message.claimed_by, outcome_unknown=True)
    _count(message, "sent")
    return Status.SENT


def _count(message: OutboundMessage, result: str) -> None:
    _count_channel(message.channel, result, 1)


def _count_channel(channel: Channel, result: str, amount: int) -> None:
    """Sends by result, for /metrics (core.tally: shared by every dispatcher through the cache), once committed."""
    labels = {"channel": str(channel.uuid), "channel_type": channel.type_code, "result": result}
    transaction.on_commit(lambda: tally("outbox_sends", amount, **labels))


def record_sent_many(sends: list[tuple[OutboundMessage, SendResult]]) -> None:
    """The sent-marks of many sends in one statement (the dispatcher writes them every few milliseconds). The
    provider's id is a fact whoever holds the row now, so any row not yet final takes it; a row a receipt overtook
    (delivered before its mark) gets its id on its own."""
    if not sends:
        return
    items = [
        (row.pk, row.attempts, {"provider_message_id": r.provider_message_id[:80], "cost": r.cost}) for row, r in sends
    ]
    try:
        with transaction.atomic():
            marked = OUTBOX.settle_many(
                items,
                whoever_holds=(Status.SENDING, Status.QUEUED),
                status=Status.SENT,
                sent_at=timezone.now(),
                error_kind="",
                error_message="",
                outcome_unknown=False,
            )
    except IntegrityError:  # a provider id another row holds: sorted out one row at a time
        log.warning("A batch of sent-marks met a provider id another row holds; writing them one by one.")
        marked = set()
    counted: dict[Channel, int] = defaultdict(int)
    for row, result in sends:
        if row.pk in marked:
            counted[row.channel] += 1
        else:
            record_sent(row, result, found=True)
    for channel, sent in counted.items():  # one count per channel and batch, not one cache write per message
        _count_channel(channel, "sent", sent)


def _give_up(message: OutboundMessage, status: str, error: SendError, reason: str) -> None:
    message.status = status
    message.error_kind = error.kind
    message.error_message = reason[:500]
    message.claimed_by = ""
    message.outcome_unknown = False
    next_step = start_next_step(message) if status == Status.UNREACHABLE or message.fallback_step else None
    if next_step is not None:
        message.error_message = (reason + " " + f"Passed on to: {next_step.fallback_step}.")[:500]
    message.save(update_fields=["status", "error_kind", "error_message", "claimed_by", "outcome_unknown"])


@transaction.atomic
def record_error(
    message: OutboundMessage, error: SendError, *, claimed_by: str, outcome_unknown: bool | None = None
) -> str:
    """Apply a SendError to a claimed row; returns the new status ("" if the row is no longer this claim's).

    A retry keeps `outcome_unknown` when the attempt may have reached the provider (a timeout, a 5xx, a connection
    lost midway: pass outcome_unknown=True), so the next attempt first asks the provider (find_sent)."""
    row = OutboundMessage.objects.select_for_update().filter(pk=message.pk).first()
    if row is None or row.status != Status.SENDING or row.claimed_by != claimed_by or row.attempts != message.attempts:
        return ""
    row.channel = message.channel
    reason = readable(error)
    now = timezone.now()
    if error.kind == ErrorKind.RATE_LIMITED:
        pause = error.retry_after or conf.rate_limit_pause_seconds()
        quota_backend().pause(message.channel.quota_key, pause)
        row.attempts = max(0, row.attempts - 1)  # the provider refused to look at it: not a real attempt
        when = now + timedelta(seconds=pause + random.uniform(0, 1))  # noqa: S311
        _requeue(row, when, error, reason, outcome_unknown=bool(outcome_unknown or row.outcome_unknown))
    elif error.kind in (ErrorKind.RETRYABLE, ErrorKind.CREDENTIALS_EXPIRED):
        if error.kind == ErrorKind.CREDENTIALS_EXPIRED:
            # The adapter already refreshed once: flag the channel for its administrators, retry later.
            log.warning("Channel %s: credentials refused even after a refresh; retrying later.", message.channel.uuid)
            Channel.objects.filter(pk=message.channel_id).update(last_error=reason[:255], last_error_at=now)
        if row.attempts >= conf.max_attempts():
            _give_up(row, Status.FAILED, error, f"Gave up after {row.attempts} attempts." + " " + reason)
        else:
            delay = max(backoff_seconds(row.attempts), error.retry_after or 0)
            # A timeout or a 5xx may come after the provider took the message: ask before sending again. An
            # earlier attempt's unknown outcome stays unknown (the provider may still process it late).
            unknown = bool(outcome_unknown or error.kind == ErrorKind.RETRYABLE or row.outcome_unknown)
            _requeue(row, now + timedelta(seconds=delay), error, reason, outcome_unknown=unknown)
    elif error.kind == ErrorKind.UNREACHABLE:
        _give_up(row, Status.UNREACHABLE, error, reason)
    else:
        _give_up(row, Status.FAILED, error, reason)
    if row.status == Status.QUEUED:
        _count(message, "rate_limited" if error.kind == ErrorKind.RATE_LIMITED else "retry")
    else:
        _count(message, row.status)
    return row.status


def _requeue(row: OutboundMessage, when, error: SendError, reason: str, *, outcome_unknown: bool) -> None:
    """Back in the queue, keeping its place at the head of the person's line (outbox/queue.py)."""
    row.status = Status.QUEUED
    row.next_attempt_at = when
    row.error_kind = error.kind
    row.error_message = reason
    row.claimed_by = ""
    row.outcome_unknown = outcome_unknown
    row.save(
        update_fields=[
            "status",
            "next_attempt_at",
            "error_kind",
            "error_message",
            "claimed_by",
            "attempts",
            "outcome_unknown",
        ]
    )
