"""What the inbox services share: who may answer a unit's conversations, the history rows, the state moves."""

from django.contrib.auth import get_user_model

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import NotPermitted
from ketnoi.orgs.models import AdministrativeUnit, Membership
from ketnoi.orgs.roles import roles_with
from ketnoi.orgs.scoping import scope_of

from ..models import EntryKind, Handoff, HandoffEntry
from ..states import Party, check_transition

ANSWER = "inbox.answer"  # take, reply, note, close the conversations of units in scope
MANAGE = "inbox.manage"  # reassign others' conversations, canned replies, response targets, others' duty

HANDOFF_FIELDS = ("state", "assigned_to", "closed_at", "returned_to_bot", "reopened_count")


def can(actor, capability: str, unit: AdministrativeUnit) -> bool:
    scope = scope_of(actor)
    return scope.can(capability) and scope.narrowed(capability).covers_path(unit.path)


def require(actor, capability: str, unit: AdministrativeUnit) -> None:
    """Officials need the capability over the unit; None is the system itself (the demo seeder, jobs)."""
    if actor is None:
        return
    if not can(actor, capability, unit):
        raise NotPermitted()


def answerers_of(unit: AdministrativeUnit):
    """The unit's team: active officials holding a role that answers, with a membership in the unit itself."""
    members = Membership.objects.filter(unit=unit, role__in=roles_with(ANSWER), is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=members, is_active=True)


def lock(handoff: Handoff) -> Handoff:
    """The hand-off's row only (of=self): the channel, unit and contact joined for reading stay unlocked."""
    return (
        Handoff.objects.select_for_update(of=("self",))
        .select_related("unit", "channel", "channel_contact__contact")
        .get(pk=handoff.pk)
    )


def entry(handoff: Handoff, kind: str, *, actor=None, at=None, **fields) -> HandoffEntry:
    values = {"handoff": handoff, "kind": kind, "actor": as_actor(actor).user, **fields}
    if at is not None:
        values["at"] = at
    return HandoffEntry.objects.create(**values)


def move(handoff: Handoff, to_state: str, *, party: Party, actor=None, at=None, text: str = "") -> None:
    """Check the move against states.TRANSITIONS, record it, and set the state (the caller saves)."""
    check_transition(handoff.state, to_state, party)
    entry(handoff, EntryKind.TRANSITION, actor=actor, at=at, from_state=handoff.state, to_state=to_state, text=text)
    handoff.state = to_state


def snapshot_of(handoff: Handoff) -> dict:
    return {
        "unit": handoff.unit.code or handoff.unit.name,
        "state": handoff.state,
        "assigned_to": handoff.assigned_to.get_username() if handoff.assigned_to_id else None,
        "closed_at": handoff.closed_at.isoformat() if handoff.closed_at else None,
        "returned_to_bot": handoff.returned_to_bot,
        "reopened_count": handoff.reopened_count,
    }


def audit(actor, action: str, handoff: Handoff, before: dict | None, **extra) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=handoff,
        unit_path=handoff.unit.path,
        before=before or {},
        after={**snapshot_of(handoff), **extra},
    )
