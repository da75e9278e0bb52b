"""Reads the console's dossier pages need beyond ketnoi.dossiers.selectors (owned by the console pages of issue 4).

`queue`: the processing queue with the filters of the page. Name search ignores diacritics: the database
narrows by code, phone or accented name first; an unaccented query is matched against folded names in Python over
the official's open queue (the Dossier model has no folded-name column yet; at scale one should be added).
"""

import datetime as dt

from django.db.models import QuerySet

from ketnoi.orgs.scoping import scope_of

from .models import Dossier
from .selectors import dossier_list, dossier_scope_q
from .states import FINAL_STATES, ROLE_PARTIES, TRANSITIONS, Party, State

FOLD_SCAN_LIMIT = 20000


def queue(
    *,
    official,
    state: str = "",
    procedure_code: str = "",
    received_from: dt.date | None = None,
    received_to: dt.date | None = None,
    overdue: bool = False,
    at_risk: bool = False,
    query: str = "",
    include_closed: bool = False,
) -> QuerySet[Dossier]:
    dossiers = dossier_list(
        official=official,
        states=[state] if state else None,
        overdue=overdue or None,
        at_risk=at_risk or None,
        query=query,
    )
    if not state and not include_closed:
        dossiers = dossiers.exclude(state__in=FINAL_STATES)
    if procedure_code:
        dossiers = dossiers.filter(procedure__code=procedure_code)
    if received_from:
        dossiers = dossiers.filter(received_at__date__gte=received_from)
    if received_to:
        dossiers = dossiers.filter(received_at__date__lte=received_to)
    return dossiers


def legal_moves(*, official, dossier: Dossier) -> list[str]:
    """States this official may move this dossier to now, from the domain's transition table."""
    scope = scope_of(official)
    if scope.everything:
        parties = {Party.DESK, Party.PROCESSING}
    else:
        parties = set()
        for role in scope.roles:
            parties |= ROLE_PARTIES.get(role, frozenset())
    moves = [to for (frm, to), who in TRANSITIONS.items() if frm == dossier.state and who & parties]
    order = list(State.values)
    return sorted(set(moves), key=order.index)


def in_scope_for(*, official, dossier: Dossier, capability: str) -> bool:
    return Dossier.objects.filter(dossier_scope_q(scope_of(official), capability), pk=dossier.pk).exists()
