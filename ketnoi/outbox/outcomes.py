"""What a dispatcher writes after a send: sent, retry later, failed with a reason, or on to the fallback chain.

Every outcome is guarded by the claim (status sending, claimed_by this dispatcher), so a dispatcher that lost its
lease to the sweeper cannot overwrite what another one recorded.
"""

import logging
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import ErrorKind, SendError, SendResult

from . import conf
from .fallback import start_next_step
from .models import OutboundMessage, Status
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
    delay = min(conf.retry_max_seconds(), conf.retry_base_seconds() * 2 ** max(0, attempts - 1))
    return random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not security


def record_sent(message: OutboundMessage, result: SendResult) -> None:
    now = timezone.now()
    updated = OutboundMessage.objects.filter(pk=message.pk, status__in=(Status.SENDING, Status.QUEUED)).update(
        status=Status.SENT,
        provider_message_id=result.provider_message_id[:80],
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
            provider_message_id=result.provider_message_id[:80], cost=result.cost, sent_at=now
        )


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
def record_error(message: OutboundMessage, error: SendError, *, claimed_by: str) -> str:
    """Apply a SendError to a claimed row; returns the new status."""
    row = OutboundMessage.objects.select_for_update().filter(pk=message.pk).first()
    if row is None or row.status != Status.SENDING or row.claimed_by != claimed_by:
        return row.status if row else ""
    row.channel = message.channel
    reason = readable(error)
    now = timezone.now()
    if error.kind == ErrorKind.RATE_LIMITED:
        pause = error.retry_after or conf.rate_limit_pause_seconds()
        quota_backend().pause(message.channel.quota_key, pause)
        row.attempts = max(0, row.attempts - 1)  # the provider refused to look at it: not a real attempt
        _requeue(row, now + timedelta(seconds=pause + random.uniform(0, 1)), error, reason)  # noqa: S311
    elif error.kind in (ErrorKind.RETRYABLE, ErrorKind.CREDENTIALS_EXPIRED):
        if error.kind == ErrorKind.CREDENTIALS_EXPIRED:
            # The adapter already refreshed once: flag the channel for its administrators, retry later.
            log.warning("Channel %s: credentials refused even after a refresh; retrying later.", message.channel.uuid)
            Channel.objects.filter(pk=message.channel_id).update(last_error=reason[:255], last_error_at=now)
        if row.attempts >= conf.max_attempts():
            _give_up(row, Status.FAILED, error, f"Gave up after {row.attempts} attempts." + " " + reason)
        else:
            delay = max(backoff_seconds(row.attempts), error.retry_after or 0)
            _requeue(row, now + timedelta(seconds=delay), error, reason)
            # A timeout or a 5xx may come after the provider took the message: ask before sending again.
            row.outcome_unknown = error.kind == ErrorKind.RETRYABLE
            row.save(update_fields=["outcome_unknown"])
    elif error.kind == ErrorKind.UNREACHABLE:
        _give_up(row, Status.UNREACHABLE, error, reason)
    else:
        _give_up(row, Status.FAILED, error, reason)
    return row.status


def _requeue(row: OutboundMessage, when, error: SendError, reason: str) -> None:
    row.status = Status.QUEUED
    row.next_attempt_at = when
    row.error_kind = error.kind
    row.error_message = reason
    row.claimed_by = ""
    row.outcome_unknown = False
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
