"""The hand-off state machine: who may move a conversation handed to the officials from one state to another.

One table (after ketnoi/dossiers/states.py), and every move is an append-only HandoffEntry of kind "transition".

    open ──take / round-robin──▶ assigned ──reply──▶ waiting_citizen
      ▲                            ▲   │                 │
      └──────── unassign ──────────┘   └── citizen writes ◀┘
    open / assigned / waiting_citizen ──close──▶ closed ──citizen writes within the reopen period──▶ open / assigned

Reassigning (assigned to someone else) keeps the state and is recorded as an "assigned" entry.
"""

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ketnoi.core.errors import ApplicationError


class HandoffState(models.TextChoices):
    OPEN = "open", pgettext_lazy("conversation state", "Waiting for an official")
    ASSIGNED = "assigned", pgettext_lazy("conversation state", "Assigned, citizen waiting")
    WAITING_CITIZEN = "waiting_citizen", pgettext_lazy("conversation state", "Answered, waiting for the citizen")
    CLOSED = "closed", pgettext_lazy("conversation state", "Closed")


class Party(enum.StrEnum):
    OFFICIAL = "official"  # an official in the console
    CITIZEN = "citizen"  # the citizen wrote (inbound handler)
    SYSTEM = "system"  # round-robin, the bot handing over, scheduled jobs, the demo


S = HandoffState
OFFICIAL, CITIZEN, SYSTEM = Party.OFFICIAL, Party.CITIZEN, Party.SYSTEM

TRANSITIONS: dict[tuple[str, str], frozenset[Party]] = {
    (S.OPEN, S.ASSIGNED): frozenset({OFFICIAL, SYSTEM}),
    (S.OPEN, S.CLOSED): frozenset({OFFICIAL, CITIZEN, SYSTEM}),  # the citizen: "back to the assistant"
    (S.ASSIGNED, S.OPEN): frozenset({OFFICIAL, SYSTEM}),  # unassigned: back to the team
    (S.ASSIGNED, S.WAITING_CITIZEN): frozenset({OFFICIAL}),  # the official replied
    (S.ASSIGNED, S.CLOSED): frozenset({OFFICIAL, CITIZEN, SYSTEM}),
    (S.WAITING_CITIZEN, S.ASSIGNED): frozenset({CITIZEN}),  # the citizen answered
    (S.WAITING_CITIZEN, S.OPEN): frozenset({OFFICIAL, SYSTEM}),
    (S.WAITING_CITIZEN, S.CLOSED): frozenset({OFFICIAL, CITIZEN, SYSTEM}),
    (S.CLOSED, S.OPEN): frozenset({CITIZEN}),  # reopened, nobody on it
    (S.CLOSED, S.ASSIGNED): frozenset({CITIZEN}),  # reopened, back to the official who had it
}

ACTIVE_STATES = frozenset({S.OPEN, S.ASSIGNED, S.WAITING_CITIZEN})
# The ball is in the officials' court: counted as waiting in the navigation, first-response clock running.
NEEDS_OFFICIAL = frozenset({S.OPEN, S.ASSIGNED})


def is_allowed(from_state: str, to_state: str, party: Party) -> bool:
    return party in TRANSITIONS.get((from_state, to_state), frozenset())


def check_transition(from_state: str, to_state: str, party: Party) -> None:
    if is_allowed(from_state, to_state, party):
        return
    raise ApplicationError(
        _("A conversation cannot go from '%(from)s' to '%(to)s' this way.")
        % {"from": HandoffState(from_state).label, "to": HandoffState(to_state).label},
        code="illegal_transition",
        extra={"from": from_state, "to": to_state, "party": str(party)},
    )
