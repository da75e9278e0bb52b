"""The broadcast state machine (after GOV.UK Emergency Alerts): one transition table, append-only history.

draft -> submitted -> approved -> scheduled | sending -> sent; submitted -> rejected -> (edited) draft;
any state before sent -> cancelled. Approval is four-eyes: the author can never approve their own broadcast.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ketnoi.core.errors import ApplicationError


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


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
