"""Rows left in `sending` by a dispatcher that died (SIGKILL, power cut): give them back to the queue.

Their first attempt has an unknown outcome, so they are flagged: the next dispatcher asks the channel type
(find_sent) before sending again, and ZBS sends reuse the same tracking_id, so nothing reaches a person twice.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import conf
from .models import OutboundMessage, Status


@transaction.atomic
def sweep_stuck(*, lease_seconds: float | None = None) -> int:
    """Re-queue rows claimed longer ago than the lease; returns how many. Safe to run from many processes."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=conf.lease_seconds() if lease_seconds is None else lease_seconds)
    stuck = OutboundMessage.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    failed = stuck.filter(attempts__gte=conf.max_attempts()).update(
        status=Status.FAILED,
        claimed_by="",
        error_kind="lost",
        error_message="Gave up: the dispatcher stopped while sending, too many times.",
    )
    requeued = stuck.update(status=Status.QUEUED, claimed_by="", outcome_unknown=True, next_attempt_at=now)
    return failed + requeued
