"""Rows left in `sending` by a dispatcher that died (SIGKILL, power cut): give them back to the queue.

Their last attempt has an unknown outcome, so they are flagged: the next dispatcher asks the channel type
(find_sent) before sending again, and ZBS sends reuse the same tracking_id, so a crash alone never makes a second
copy. They keep their place at the head of the person's line (outbox/queue.py).
"""

from django.utils import timezone

from .queue import OUTBOX


def sweep_stuck(*, lease_seconds: float | None = None) -> int:
    """Re-queue rows claimed longer ago than the lease; returns how many. Safe to run from many processes."""
    return OUTBOX.sweep(
        lease_seconds=lease_seconds,
        requeue_values={"outcome_unknown": True, "next_attempt_at": timezone.now()},
        dead_values={
            "error_kind": "lost",
            "error_message": "Gave up: the dispatcher stopped while sending, too many times.",
        },
    )
