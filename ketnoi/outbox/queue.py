"""The outbox as a work queue (ketnoi.core.queue): what waits, what holds a person's line, how claims are leased.

A person's messages in one lane go out in the order they were written, also under retries: while one is waiting
for its retry (or is being sent), the person's later ones in that lane wait too; a dead-lettered one (failed,
unreachable: its fallback step is a new row) lets them go. A message scheduled for later that was never tried
(news held for the morning) does not hold anyone back.
"""

import datetime as dt

from django.db.models import Q

from ketnoi.core.queue import WorkQueue

from . import conf
from .models import UNFINISHED_STATUSES, OutboundMessage, Status, order_key

MAX_PER_PERSON_PER_CLAIM = 50  # one busy person (an official's internal notices) never holds a sender for long


def holds_line(now: dt.datetime) -> Q:
    return Q(status__in=UNFINISHED_STATUSES) & (
        Q(status=Status.SENDING)
        | Q(status=Status.QUEUED, first_attempted_at__isnull=False)
        | Q(status=Status.QUEUED, next_attempt_at__lte=now)
    )


OUTBOX = WorkQueue(
    model=OutboundMessage,
    key=(order_key(),),
    waiting=Q(status=Status.QUEUED),
    holds_line=holds_line,
    due_field="next_attempt_at",
    order_by=("next_attempt_at",),
    waiting_status=Status.QUEUED,
    in_flight_status=Status.SENDING,
    dead_status=Status.FAILED,
    worker_field="claimed_by",
    claimed_at_field="claimed_at",
    lease_seconds=conf.lease_seconds,
    max_attempts=conf.max_attempts,
    retry_base_seconds=conf.retry_base_seconds,
    retry_max_seconds=conf.retry_max_seconds,
    per_key=MAX_PER_PERSON_PER_CLAIM,
    candidates_per_claim=5_000,
    select_related=("channel_contact",),
    # What sending needs (dispatcher, outcomes, channel types): the rest (the fallback chain, provider ids, errors,
    # receipts) is read again by whatever writes it, under the row's lock.
    only=(
        "uuid",
        "channel_id",
        "channel_contact__last_interaction_at",
        "channel_contact__is_follower",
        "recipient_user_id",
        "recipient_phone",
        "lane",
        "kind",
        "payload",
        "idempotency_key",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_by",
        "claimed_at",
        "outcome_unknown",
        "first_attempted_at",
        "fallback_step",
        "created_at",
    ),
)
