"""The broadcast state machine (after GOV.UK Emergency Alerts): one transition table, append-only history.

draft -> submitted -> approved -> scheduled | sending -> sent; submitted -> rejected -> (edited) draft;
any state before sent -> cancelled. Approval is four-eyes: the author can never approve their own broadcast.
"""

from django.db import models
from django.utils.translation import pgettext_lazy

from ketnoi.core.errors import ApplicationError


class State(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("broadcast state", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("broadcast state", "Waiting for approval")
    APPROVED = "approved", pgettext_lazy("broadcast state", "Approved")
    SCHEDULED = "scheduled", pgettext_lazy("broadcast state", "Scheduled")
    SENDING = "sending", pgettext_lazy("broadcast state", "Sending")
    SENT = "sent", pgettext_lazy("broadcast state", "Sent")
    CANCELLED = "cancelled", pgettext_lazy("broadcast state", "Cancelled")
    REJECTED = "rejected", pgettext_lazy("broadcast state", "Rejected")


S = State

# from -> the states it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.APPROVED, S.REJECTED, S.DRAFT, S.CANCELLED}),
    S.REJECTED: frozenset({S.DRAFT, S.CANCELLED}),
    S.APPROVED: frozenset({S.SCHEDULED, S.SENDING, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.SENDING, S.CANCELLED}),
    S.SENDING: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset(),
    S.CANCELLED: frozenset(),
}

EDITABLE = frozenset({S.DRAFT, S.REJECTED})
ACTIVE = frozenset({S.SCHEDULED, S.SENDING})
FINAL = frozenset({S.SENT, S.CANCELLED})


class TransitionNotAllowed(ApplicationError):
    pass


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionNotAllowed(
            f"A broadcast cannot go from {State(current).label} to {State(target).label}.", code="bad_transition"
        )
