"""The dossier state machine: internal states, their national status codes (TrangThaiHoSo 1-10), and who may move
a dossier from one state to another. One table, so a reviewer can check every rule on one screen.

Overdue is not a state: it is derived from the due date (see Dossier.is_overdue and selectors.overdue_q).

Parties: the one-stop desk (desk officers), processing (processing officers and leaders), the citizen, and the
system (jobs, the demo seeder). The integrating one-stop system (the API) owns the dossiers it sends us, so it may
move an open dossier to any state, whatever the table says: we mirror its status, we do not judge it; only a
dossier in a final state cannot be moved by it (see `is_allowed`).
"""

import enum

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.roles import Role


class State(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("dossier state", "Submitted online")
    RECEIVED = "received", pgettext_lazy("dossier state", "Received")
    NOT_ACCEPTED = "not_accepted", pgettext_lazy("dossier state", "Not accepted")
    PROCESSING = "processing", pgettext_lazy("dossier state", "In processing")
    SUPPLEMENT_REQUESTED = "supplement_requested", pgettext_lazy("dossier state", "Supplement requested")
    SUPPLEMENTED = "supplemented", pgettext_lazy("dossier state", "Supplemented")
    FINANCIAL_OBLIGATION = "financial_obligation", pgettext_lazy("dossier state", "Awaiting fees or taxes")
    PAUSED = "paused", pgettext_lazy("dossier state", "Paused")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", pgettext_lazy("dossier state", "Withdrawal requested")
    WITHDRAWN = "withdrawn", pgettext_lazy("dossier state", "Withdrawn")
    REFUSED = "refused", pgettext_lazy("dossier state", "Refused")
    RESULT_READY = "result_ready", pgettext_lazy("dossier state", "Result ready")
    RESULT_RETURNED = "result_returned", pgettext_lazy("dossier state", "Result returned")


S = State

# National status code (Cổng DVCQG TrangThaiHoSo) of each internal state. Reference: vn-one-stop-rules.md §1.3.
NATIONAL_CODE: dict[str, int] = {
    S.SUBMITTED: 1,
    S.RECEIVED: 2,
    S.NOT_ACCEPTED: 3,
    S.PROCESSING: 4,
    S.PAUSED: 4,  # no national code for a pause: still "in processing" to the outside
    S.SUPPLEMENT_REQUESTED: 5,
    S.SUPPLEMENTED: 5,  # "supplemented, waiting to be taken in": still code 5 until processing resumes
    S.FINANCIAL_OBLIGATION: 6,
    S.WITHDRAWAL_REQUESTED: 7,
    S.WITHDRAWN: 8,
    S.REFUSED: 8,  # refused after appraisal: processing stopped (reported as 8, reference §1.3)
    S.RESULT_READY: 9,
    S.RESULT_RETURNED: 10,
}


def state_label(state: str, language: str = "vi") -> str:
    """The state's one name, in the reader's language: the console, the portal and the notices all show this."""
    with translation.override(language):
        return str(State(state).label)


# The state an incoming national code moves a dossier to (API events). Code 8 depends on where the dossier is.
STATE_FOR_CODE: dict[int, str] = {
    1: S.SUBMITTED,
    2: S.RECEIVED,
    3: S.NOT_ACCEPTED,
    4: S.PROCESSING,
    5: S.SUPPLEMENT_REQUESTED,
    6: S.FINANCIAL_OBLIGATION,
    7: S.WITHDRAWAL_REQUESTED,
    8: S.REFUSED,
    9: S.RESULT_READY,
    10: S.RESULT_RETURNED,
}


def state_for_code(code: int, current: str) -> str:
    """Code 8 after a withdrawal request is the withdrawal confirmed; otherwise processing was stopped (refused)."""
    if code not in STATE_FOR_CODE:
        raise ApplicationError(f"Unknown national status code {code}: expected 1 to 10.", code="unknown_status")
    if code == 8 and current == S.WITHDRAWAL_REQUESTED:
        return S.WITHDRAWN
    if code == NATIONAL_CODE.get(current):
        return current  # e.g. 4 while paused, 5 while supplemented: the same status outside
    return STATE_FOR_CODE[code]


FINAL_STATES = frozenset({S.NOT_ACCEPTED, S.WITHDRAWN, S.REFUSED, S.RESULT_RETURNED})
# States where the working-day clock runs towards the due date (at risk / overdue make sense only here).
CLOCK_STATES = frozenset(
    {S.RECEIVED, S.PROCESSING, S.SUPPLEMENTED, S.FINANCIAL_OBLIGATION, S.PAUSED, S.WITHDRAWAL_REQUESTED}
)
# Before collection: postal delivery and authorization may still be registered.
BEFORE_COLLECTION = frozenset(set(State.values) - FINAL_STATES)


class Party(enum.StrEnum):
    DESK = "desk"
    PROCESSING = "processing"
    CITIZEN = "citizen"
    SYSTEM = "system"
    API = "api"


# How a party is named in an error message.
PARTY_NAMES = {
    Party.DESK: _("the reception desk"),
    Party.PROCESSING: _("the processing officers"),
    Party.CITIZEN: _("the citizen"),
    Party.SYSTEM: _("the system"),
    Party.API: _("a connected system"),
}

P = Party
DESK, PROC, CITIZEN, SYSTEM = P.DESK, P.PROCESSING, P.CITIZEN, P.SYSTEM
OPEN = (S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.SUPPLEMENTED, S.FINANCIAL_OBLIGATION, S.PAUSED)

# (from, to) -> parties allowed. Every other pair is illegal (except for the API, see the module docstring).
TRANSITIONS: dict[tuple[str, str], frozenset[Party]] = {
    (S.SUBMITTED, S.RECEIVED): frozenset({DESK, SYSTEM}),
    (S.SUBMITTED, S.NOT_ACCEPTED): frozenset({DESK, SYSTEM}),
    (S.SUBMITTED, S.SUPPLEMENT_REQUESTED): frozenset({DESK, SYSTEM}),
    (S.RECEIVED, S.PROCESSING): frozenset({DESK, PROC, SYSTEM}),
    (S.RECEIVED, S.SUPPLEMENT_REQUESTED): frozenset({DESK, PROC, SYSTEM}),
    (S.RECEIVED, S.RESULT_READY): frozenset({DESK, PROC, SYSTEM}),  # same-day procedures
    (S.PROCESSING, S.SUPPLEMENT_REQUESTED): frozenset({PROC, SYSTEM}),
    (S.PROCESSING, S.FINANCIAL_OBLIGATION): frozenset({PROC, SYSTEM}),
    (S.PROCESSING, S.PAUSED): frozenset({PROC, SYSTEM}),
    (S.PROCESSING, S.RESULT_READY): frozenset({PROC, SYSTEM}),
    (S.PROCESSING, S.REFUSED): frozenset({PROC, SYSTEM}),
    (S.SUPPLEMENT_REQUESTED, S.SUPPLEMENTED): frozenset({DESK, PROC, CITIZEN, SYSTEM}),
    (S.SUPPLEMENT_REQUESTED, S.REFUSED): frozenset({PROC, SYSTEM}),
    (S.SUPPLEMENTED, S.PROCESSING): frozenset({DESK, PROC, SYSTEM}),
    (S.SUPPLEMENTED, S.SUPPLEMENT_REQUESTED): frozenset({DESK, PROC, SYSTEM}),
    (S.FINANCIAL_OBLIGATION, S.PROCESSING): frozenset({DESK, PROC, SYSTEM}),
    (S.PAUSED, S.PROCESSING): frozenset({PROC, SYSTEM}),
    (S.WITHDRAWAL_REQUESTED, S.WITHDRAWN): frozenset({DESK, PROC, SYSTEM}),
    (S.WITHDRAWAL_REQUESTED, S.PROCESSING): frozenset({DESK, PROC, SYSTEM}),  # the citizen changed their mind
    (S.RESULT_READY, S.RESULT_RETURNED): frozenset({DESK, SYSTEM}),
    **{(state, S.WITHDRAWAL_REQUESTED): frozenset({CITIZEN, DESK, SYSTEM}) for state in OPEN},
}

# Roles acting as each party (an official may hold several roles: the union applies).
ROLE_PARTIES: dict[str, frozenset[Party]] = {
    Role.DESK_OFFICER: frozenset({DESK}),
    Role.PROCESSING_OFFICER: frozenset({PROC}),
    Role.LEADER: frozenset({PROC}),
}


def is_allowed(from_state: str, to_state: str, parties: frozenset[Party] | set[Party]) -> bool:
    if from_state == to_state:
        return False
    if P.API in parties and from_state not in FINAL_STATES:
        return True
    return bool(TRANSITIONS.get((from_state, to_state), frozenset()) & set(parties))


def check_transition(from_state: str, to_state: str, parties: frozenset[Party] | set[Party]) -> None:
    """Raise an ApplicationError naming both states unless `parties` may make this move."""
    if is_allowed(from_state, to_state, parties):
        return
    names = {"from": State(from_state).label, "to": State(to_state).label}
    if (from_state, to_state) in TRANSITIONS:
        names["who"] = ", ".join(str(PARTY_NAMES[p]) for p in sorted(TRANSITIONS[(from_state, to_state)]))
        message = _("A dossier can go from '%(from)s' to '%(to)s' only by: %(who)s.")
        code = "transition_not_permitted"
    else:
        message = _("A dossier cannot go from '%(from)s' to '%(to)s'.")
        code = "illegal_transition"
    message = message % names
    raise ApplicationError(message, code=code, extra={"from": from_state, "to": to_state})
