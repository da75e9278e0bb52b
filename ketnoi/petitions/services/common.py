"""What every petition service does: work out who is acting, check scope and the state machine, append history,
write the audit row and queue the petitioner's notice, all in the caller's transaction."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.actor import ActorLike, as_actor
from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import NotPermitted
from ketnoi.orgs.scoping import scope_of

from ..models import Petition, PetitionEvent
from ..notify import notify_petitioner
from ..selectors import petition_scope_q
from ..states import Party, next_state

AUDIT_FIELDS = (
    "state",
    "owner_agency",
    "assignee",
    "answer_due",
    "acknowledged_at",
    "answered_at",
    "published_at",
    "rating",
    "reopen_count",
)


def is_official(actor: ActorLike) -> bool:
    return as_actor(actor).is_official


def parties_of(actor, *, petitioner: bool = False) -> frozenset[Party]:
    """Officials act by their capabilities; no actor is the petitioner (when `petitioner`) or the system."""
    if not is_official(actor):
        return frozenset({Party.PETITIONER}) if petitioner else frozenset({Party.SYSTEM})
    scope = scope_of(actor)
    parties = set()
    if scope.can("petitions.handle"):
        parties.add(Party.OFFICER)
    if scope.can("answers.approve"):
        parties.add(Party.LEADER)
    return frozenset(parties)


def check_actor_scope(actor, petition: Petition, capability: str) -> None:
    """Officials must hold the capability over this petition; the petitioner and jobs are checked by callers."""
    if not is_official(actor):
        return
    scope = scope_of(actor)
    if not scope.can(capability):
        raise NotPermitted()
    if not Petition.objects.filter(petition_scope_q(scope, capability), pk=petition.pk).exists():
        raise NotPermitted(_("This petition is outside your units and agencies."))


def lock(petition: Petition) -> Petition:
    return (
        Petition.objects.select_for_update(of=("self",))
        .select_related("category", "owner_agency", "unit", "area", "channel_contact__channel", "duplicate_of")
        .get(pk=petition.pk)
    )


def actor_label(actor, *, petitioner: bool = False) -> str:
    if is_official(actor):
        return as_actor(actor).label
    return "petitioner" if petitioner else "system"


def record_event(
    *,
    petition: Petition,
    kind: str,
    actor=None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    petitioner: bool = False,
) -> PetitionEvent:
    return PetitionEvent.objects.create(
        petition=petition,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        actor=as_actor(actor).user,
        actor_label=actor_label(actor, petitioner=petitioner),
        note=note,
        data=data or {},
        occurred_at=occurred_at or timezone.now(),
    )


def before_of(petition: Petition) -> dict[str, Any]:
    return snapshot(petition, AUDIT_FIELDS)


def audit(*, actor, action: str, petition: Petition, before: dict[str, Any] | None) -> None:
    audit_record(
        actor=as_actor(actor).user,
        action=action,
        target=petition,
        unit_path=petition.unit.path,
        before=before,
        after=snapshot(petition, AUDIT_FIELDS),
    )


def move(
    *,
    petition: Petition,
    action: str,
    actor,
    kind: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    petitioner: bool = False,
    notify: bool = True,
) -> PetitionEvent:
    """Apply `action` through the transition table, append the history row and (optionally) tell the petitioner.
    The caller has locked the petition and set any fields the step needs; this saves it."""
    to_state = next_state(petition.state, action, parties_of(actor, petitioner=petitioner))
    from_state = petition.state
    at = at or timezone.now()
    petition.state = to_state
    petition.state_changed_at = at
    petition.save()
    event = record_event(
        petition=petition,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
        occurred_at=at,
        petitioner=petitioner,
    )
    if notify:
        notify_petitioner(petition=petition, event=event, kind=kind)
    return event
