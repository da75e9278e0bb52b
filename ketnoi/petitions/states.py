"""The petition state machine: one table of (state, action) -> next state and who may take the action.

Parties: the handling officer (petitions.handle), the approving leader (answers.approve; never the drafter of the
answer, checked in services.answers), the petitioner, and the system (jobs, the demo seeder). Forwarding moves a
petition to another agency and leaves it waiting for that agency's decision (state FORWARDED), so forwarding
again is FORWARDED -> FORWARDED through the action, never a silent same-state write.
"""

import enum

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ketnoi.core.errors import ApplicationError


class State(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("petition state", "Received, awaiting a decision")
    FORWARDED = "forwarded", pgettext_lazy("petition state", "Forwarded")
    IN_PROGRESS = "in_progress", pgettext_lazy("petition state", "In progress")
    AWAITING_APPROVAL = "awaiting_approval", pgettext_lazy("petition state", "Answer awaiting approval")
    ANSWERED = "answered", pgettext_lazy("petition state", "Answered")
    REOPENED = "reopened", pgettext_lazy("petition state", "Reopened")
    CLOSED = "closed", pgettext_lazy("petition state", "Closed")
    REFUSED = "refused", pgettext_lazy("petition state", "Refused")
    MERGED = "merged", pgettext_lazy("petition state", "Merged as a duplicate")


S = State


def state_label(state: str, language: str = "vi") -> str:
    """The state's one name, in the reader's language: the console, the portal and the notices all show this."""
    with translation.override(language):
        return str(State(state).label)


# Waiting for the owner agency's decision: accept, forward or refuse (the forward and acknowledge clocks run).
DECISION_STATES = frozenset({S.RECEIVED, S.FORWARDED})
# Not yet answered: the answer clock runs.
ANSWER_CLOCK_STATES = frozenset({S.RECEIVED, S.FORWARDED, S.IN_PROGRESS, S.AWAITING_APPROVAL, S.REOPENED})
FINAL_STATES = frozenset({S.CLOSED, S.REFUSED, S.MERGED})
OPEN_STATES = frozenset(set(State.values) - FINAL_STATES - {S.ANSWERED})
# Open311 has two statuses.
OPEN311_STATUS = {state: ("closed" if state in FINAL_STATES or state == S.ANSWERED else "open") for state in State}


class Party(enum.StrEnum):
    OFFICER = "officer"
    LEADER = "leader"
    PETITIONER = "petitioner"
    SYSTEM = "system"


class Action(enum.StrEnum):
    ACCEPT = "accept"
    FORWARD = "forward"
    REFUSE = "refuse"
    MERGE = "merge"
    SUBMIT_ANSWER = "submit_answer"
    APPROVE_ANSWER = "approve_answer"
    RETURN_ANSWER = "return_answer"
    REOPEN = "reopen"
    CLOSE = "close"


# How parties and actions are named in an error message.
PARTY_NAMES = {
    Party.OFFICER: _("a handling officer"),
    Party.LEADER: _("a leader"),
    Party.PETITIONER: _("the petitioner"),
    Party.SYSTEM: _("the system"),
}
ACTION_NAMES = {
    Action.ACCEPT: _("accept"),
    Action.FORWARD: _("forward"),
    Action.REFUSE: _("refuse"),
    Action.MERGE: _("merge"),
    Action.SUBMIT_ANSWER: _("submit an answer to"),
    Action.APPROVE_ANSWER: _("approve the answer to"),
    Action.RETURN_ANSWER: _("return the answer to"),
    Action.REOPEN: _("reopen"),
    Action.CLOSE: _("close"),
}

P, A = Party, Action
OFFICER, LEADER, PETITIONER, SYSTEM = P.OFFICER, P.LEADER, P.PETITIONER, P.SYSTEM
HANDLERS = frozenset({OFFICER, LEADER, SYSTEM})

# (state, action) -> (next state, parties allowed). Every other pair is illegal.
TRANSITIONS: dict[tuple[str, str], tuple[str, frozenset[Party]]] = {
    (S.RECEIVED, A.ACCEPT): (S.IN_PROGRESS, HANDLERS),
    (S.RECEIVED, A.FORWARD): (S.FORWARDED, HANDLERS),
    (S.RECEIVED, A.REFUSE): (S.REFUSED, HANDLERS),
    (S.RECEIVED, A.MERGE): (S.MERGED, HANDLERS),
    (S.FORWARDED, A.ACCEPT): (S.IN_PROGRESS, HANDLERS),
    (S.FORWARDED, A.FORWARD): (S.FORWARDED, HANDLERS),
    (S.FORWARDED, A.REFUSE): (S.REFUSED, HANDLERS),
    (S.FORWARDED, A.MERGE): (S.MERGED, HANDLERS),
    (S.IN_PROGRESS, A.FORWARD): (S.FORWARDED, HANDLERS),
    (S.IN_PROGRESS, A.MERGE): (S.MERGED, HANDLERS),
    (S.IN_PROGRESS, A.SUBMIT_ANSWER): (S.AWAITING_APPROVAL, HANDLERS),
    (S.REOPENED, A.SUBMIT_ANSWER): (S.AWAITING_APPROVAL, HANDLERS),
    (S.REOPENED, A.FORWARD): (S.FORWARDED, HANDLERS),
    (S.AWAITING_APPROVAL, A.APPROVE_ANSWER): (S.ANSWERED, frozenset({LEADER, SYSTEM})),
    (S.AWAITING_APPROVAL, A.RETURN_ANSWER): (S.IN_PROGRESS, frozenset({LEADER, SYSTEM})),
    (S.ANSWERED, A.REOPEN): (S.REOPENED, frozenset({PETITIONER, SYSTEM})),
    (S.ANSWERED, A.CLOSE): (S.CLOSED, frozenset({OFFICER, LEADER, PETITIONER, SYSTEM})),
}


def next_state(state: str, action: str, parties: frozenset[Party] | set[Party]) -> str:
    """The state `action` leads to from `state`, or an ApplicationError saying why it is not possible."""
    entry = TRANSITIONS.get((state, action))
    if entry is None:
        raise ApplicationError(
            _("You cannot %(action)s a petition in state '%(state)s'.")
            % {"action": ACTION_NAMES.get(action, action), "state": State(state).label},
            code="illegal_transition",
            extra={"state": state, "action": action},
        )
    to_state, allowed = entry
    if not allowed & set(parties):
        who = ", ".join(str(PARTY_NAMES[p]) for p in sorted(allowed))
        raise ApplicationError(
            _("Only %(who)s may %(action)s a petition in state '%(state)s'.")
            % {"who": who, "action": ACTION_NAMES.get(action, action), "state": State(state).label},
            code="transition_not_permitted",
            extra={"state": state, "action": action},
        )
    return to_state


def actions_from(state: str) -> list[str]:
    return [action for (from_state, action) in TRANSITIONS if from_state == state]
