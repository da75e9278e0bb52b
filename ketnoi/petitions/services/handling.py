"""The owner agency decides: accept (and assign), forward to the competent agency, refuse, or merge a duplicate.
Forwarding and refusing need a reason, and the petitioner is told of every decision."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.text import nfc
from ketnoi.orgs.models import Agency

from ..models import EventKind, Petition
from ..selectors import petition_in_scope
from ..states import FINAL_STATES, Action
from .common import audit, before_of, check_actor_scope, is_official, lock, move, record_event

CAPABILITY = "petitions.handle"


def _reason(note: str, missing: str) -> str:
    note = nfc(note).strip()
    if not note:
        raise ApplicationError(missing, code="reason_required")
    return note


@transaction.atomic
def petition_accept(*, actor, petition: Petition, assignee=None, at: dt.datetime | None = None) -> Petition:
    """The owner agency takes the petition on: the petitioner is told the answer date (acknowledgement)."""
    check_actor_scope(actor, petition, CAPABILITY)
    petition = lock(petition)
    before = before_of(petition)
    at = at or timezone.now()
    petition.acknowledged_at = petition.acknowledged_at or at
    if assignee is not None:
        _check_assignee(assignee, petition)
        petition.assignee = assignee
    elif petition.assignee_id is None and is_official(actor):
        petition.assignee = actor
    move(petition=petition, action=Action.ACCEPT, actor=actor, kind=EventKind.ACCEPTED, at=at)
    audit(actor=actor, action="petition.accept", petition=petition, before=before)
    return petition


@transaction.atomic
def petition_forward(
    *, actor, petition: Petition, agency: Agency, reason: str, at: dt.datetime | None = None
) -> Petition:
    """Send the petition to the competent agency, saying why; it waits there for that agency's decision."""
    check_actor_scope(actor, petition, CAPABILITY)
    reason = _reason(reason, _("Give the reason for forwarding."))
    petition = lock(petition)
    if agency.pk == petition.owner_agency_id:
        raise ApplicationError(_("The petition is already with this agency."), code="same_agency")
    if not agency.is_active:
        raise ApplicationError(_("%(agency)s is not active.") % {"agency": agency.name}, code="inactive_agency")
    before = before_of(petition)
    at = at or timezone.now()
    previous = petition.owner_agency
    petition.owner_agency = agency
    petition.unit = agency.unit
    petition.assignee = None
    petition.forwarded_at = at
    petition.forward_count += 1
    move(
        petition=petition,
        action=Action.FORWARD,
        actor=actor,
        kind=EventKind.FORWARDED,
        note=reason,
        data={"from_agency": previous.code, "to_agency": agency.code},
        at=at,
    )
    audit(actor=actor, action="petition.forward", petition=petition, before=before)
    return petition


@transaction.atomic
def petition_refuse(*, actor, petition: Petition, reason: str, at: dt.datetime | None = None) -> Petition:
    """Refuse to take the petition in (not a matter for the administration, anonymous, already settled...)."""
    check_actor_scope(actor, petition, CAPABILITY)
    reason = _reason(reason, _("Give the reason for refusing."))
    petition = lock(petition)
    before = before_of(petition)
    at = at or timezone.now()
    petition.acknowledged_at = petition.acknowledged_at or at
    petition.closed_at = at
    petition.refusal_reason = reason
    move(petition=petition, action=Action.REFUSE, actor=actor, kind=EventKind.REFUSED, note=reason, at=at)
    audit(actor=actor, action="petition.refuse", petition=petition, before=before)
    return petition


@transaction.atomic
def petition_merge(*, actor, petition: Petition, into: Petition, at: dt.datetime | None = None) -> Petition:
    """Fold a duplicate into the petition that carries on; its petitioner is told which one."""
    check_actor_scope(actor, petition, CAPABILITY)
    if is_official(actor) and not petition_in_scope(official=actor, petition=into, capability=CAPABILITY):
        raise NotPermitted(_("The petition to merge into is outside your units and agencies."))
    if into.pk == petition.pk:
        raise ApplicationError(_("A petition cannot be merged into itself."), code="merge_self")
    target = Petition.objects.select_for_update().get(pk=into.pk)
    if target.state in FINAL_STATES:
        raise ApplicationError(
            _("%(code)s is closed; merge into an open petition.") % {"code": target.tracking_code}, code="merge_closed"
        )
    petition = lock(petition)
    before = before_of(petition)
    at = at or timezone.now()
    petition.duplicate_of = target
    petition.closed_at = at
    move(
        petition=petition,
        action=Action.MERGE,
        actor=actor,
        kind=EventKind.MERGED,
        note=target.tracking_code,
        data={"into": target.tracking_code},
        at=at,
    )
    audit(actor=actor, action="petition.merge", petition=petition, before=before)
    return petition


def _check_assignee(assignee, petition: Petition) -> None:
    if not petition_in_scope(official=assignee, petition=petition, capability=CAPABILITY):
        raise ApplicationError(
            _("%(user)s cannot handle petitions of %(agency)s.")
            % {"user": assignee.get_username(), "agency": petition.owner_agency.name},
            code="assignee_out_of_scope",
        )


@transaction.atomic
def petition_assign(*, actor, petition: Petition, assignee) -> Petition:
    check_actor_scope(actor, petition, CAPABILITY)
    petition = lock(petition)
    if petition.state in FINAL_STATES:
        raise ApplicationError(_("This petition is closed."), code="closed")
    assignee = get_user_model().objects.get(pk=assignee.pk)
    _check_assignee(assignee, petition)
    before = before_of(petition)
    petition.assignee = assignee
    petition.save(update_fields=["assignee"])
    record_event(
        petition=petition,
        kind=EventKind.ASSIGNED,
        actor=actor,
        note=assignee.get_full_name() or assignee.get_username(),
        data={"assignee": assignee.get_username()},
    )
    audit(actor=actor, action="petition.assign", petition=petition, before=before)
    return petition
