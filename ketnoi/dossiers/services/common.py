"""What every dossier service does: work out who is acting, check scope and the state machine, append history,
write the audit row and queue the citizen notice, all in the caller's transaction."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.actor import ActorLike, as_actor
from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.scoping import scope_of

from ..models import Dossier, DossierEvent, EventKind, EventOutcome, EventSource, NotificationKind
from ..notifications import notify_citizen
from ..selectors import dossier_scope_q
from ..states import NATIONAL_CODE, ROLE_PARTIES, Party, State, check_transition

AUDIT_FIELDS = ("state", "due_date", "receipt_code", "applicant_phone", "competent_agency", "desk")

# Which citizen notice an arrival in each state gives.
NOTICE_FOR_STATE: dict[str, str] = {
    State.RECEIVED: NotificationKind.RECEIVED,
    State.SUPPLEMENT_REQUESTED: NotificationKind.SUPPLEMENT_REQUESTED,
    State.RESULT_READY: NotificationKind.RESULT_READY,
    State.RESULT_RETURNED: NotificationKind.RETURNED,
}


def parties_of(actor, source: str) -> frozenset[Party]:
    """The parties an actor acts as. Officials by role; no actor: the citizen, the API or the system."""
    if source == EventSource.API:
        return frozenset({Party.API})
    if as_actor(actor).is_system:
        return frozenset({Party.CITIZEN}) if source == EventSource.CITIZEN else frozenset({Party.SYSTEM})
    scope = scope_of(actor)
    if scope.everything:
        return frozenset({Party.DESK, Party.PROCESSING})
    parties: set[Party] = set()
    for role in scope.roles:
        parties |= ROLE_PARTIES.get(role, frozenset())
    return frozenset(parties)


def check_actor_scope(actor, dossier: Dossier, capability: str) -> None:
    """Officials must have the capability over this dossier; citizens, the API and jobs are checked by callers."""
    if not as_actor(actor).is_official:
        return
    scope = scope_of(actor)
    if not scope.can(capability):
        raise NotPermitted()
    if not Dossier.objects.filter(dossier_scope_q(scope, capability), pk=dossier.pk).exists():
        raise NotPermitted(_("This dossier is outside your units and agencies."))


def actor_label(actor: ActorLike, source: str) -> str:
    """An official's name; otherwise who the source says acted (an API client's history reads "one-stop system")."""
    who = as_actor(actor)
    if who.is_official:
        return who.label
    return {EventSource.CITIZEN: "citizen", EventSource.API: "one-stop system"}.get(source, "system")


def record_event(
    *,
    dossier: Dossier,
    kind: str,
    actor=None,
    source: str = EventSource.CONSOLE,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    outcome: str = EventOutcome.APPLIED,
    label: str = "",
    external_system: str = "",
    external_event_id: str = "",
) -> DossierEvent:
    user = as_actor(actor).user
    return DossierEvent.objects.create(
        dossier=dossier,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        national_code=NATIONAL_CODE.get(to_state) if to_state else None,
        actor=user,
        actor_label=(label or actor_label(user, source))[:150],
        note=note,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
        source=source,
        outcome=outcome,
        external_system=external_system,
        external_event_id=external_event_id,
    )


def audit(actor, action: str, dossier: Dossier, before: dict | None = None, **after_extra) -> None:
    user = as_actor(actor).user
    after = snapshot(dossier, AUDIT_FIELDS)
    after.update({k: str(v) for k, v in after_extra.items()})
    audit_record(actor=user, action=action, target=dossier, unit_path=dossier.unit.path, before=before, after=after)


def before_of(dossier: Dossier) -> dict:
    return snapshot(dossier, AUDIT_FIELDS)


def lock(dossier: Dossier) -> Dossier:
    """Re-read the dossier under a row lock: concurrent services on one dossier take turns."""
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "unit", "receiving_agency", "competent_agency")
        .get(pk=dossier.pk)
    )


def move(
    dossier: Dossier,
    to_state: str,
    *,
    actor,
    source: str,
    at: dt.datetime,
    kind: str = EventKind.TRANSITION,
    note: str = "",
    data: dict[str, Any] | None = None,
    notice: str | None = None,
    label: str = "",
    external_system: str = "",
    external_event_id: str = "",
) -> DossierEvent:
    """Validate and apply one state change; history row, then the citizen notice. Caller saves other fields."""
    from_state = dossier.state
    check_transition(from_state, to_state, parties_of(actor, source))
    dossier.state = to_state
    dossier.state_changed_at = at
    dossier.last_event_at = max(filter(None, [dossier.last_event_at, at]))
    ends = (State.RESULT_READY, State.RESULT_RETURNED, State.REFUSED, State.WITHDRAWN, State.NOT_ACCEPTED)
    if to_state in ends and not dossier.finished_at:
        dossier.finished_at = at
    dossier.save()
    event = record_event(
        dossier=dossier,
        kind=kind,
        actor=actor,
        source=source,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
        occurred_at=at,
        label=label,
        external_system=external_system,
        external_event_id=external_event_id,
    )
    notify_citizen(dossier=dossier, event=event, kind=notice or NOTICE_FOR_STATE.get(to_state, "status_changed"))
    return event


def require(condition: bool, message: str, code: str = "invalid") -> None:
    if not condition:
        raise ApplicationError(message, code=code)
