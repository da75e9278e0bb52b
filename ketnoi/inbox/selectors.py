"""Reads of the inbox. Officials' selectors take the acting official and filter through the units where their roles
answer conversations (inbox.answer); a hand-off outside is a 404. `open_handoff_for` is internal (the engine)."""

import datetime as dt
from uuid import UUID

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from ketnoi.contacts.models import ChannelContact
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import OfficialScope, scope_of

from .models import CannedReply, DutyStatus, Handoff, HandoffEntry
from .services.common import ANSWER, MANAGE, answerers_of
from .states import ACTIVE_STATES, NEEDS_OFFICIAL, HandoffState


def open_handoff_for(channel_contact: ChannelContact) -> Handoff | None:
    """The hand-off active for this person on this channel, if any (internal: no official). While it exists the
    bot stays quiet and the person's messages go to the officials."""
    return (
        Handoff.objects.filter(channel_contact=channel_contact, state__in=ACTIVE_STATES)
        .select_related("unit", "assigned_to")
        .first()
    )


def _answer_scope(scope: OfficialScope, capability: str = ANSWER) -> Q:
    if scope.everything:
        return Q()
    if not scope.can(capability):
        return Q(pk__in=[])
    return scope.narrowed(capability).q("unit__path")


FOLDERS = ("mine", "unassigned", "waiting", "all", "closed")


def handoff_list(
    *, official, folder: str = "all", query: str = "", now: dt.datetime | None = None
) -> QuerySet[Handoff]:
    """The inbox list: in scope, by folder (mine, unassigned, waiting = the team owes an answer, all active,
    closed), the ones waiting for an official first, oldest first; annotated with `overdue` (a target passed)."""
    now = now or timezone.now()
    handoffs = Handoff.objects.filter(_answer_scope(scope_of(official)))
    if folder == "closed":
        handoffs = handoffs.filter(state=HandoffState.CLOSED)
    else:
        handoffs = handoffs.filter(state__in=ACTIVE_STATES)
        if folder == "mine":
            handoffs = handoffs.filter(assigned_to=official)
        elif folder == "unassigned":
            handoffs = handoffs.filter(assigned_to__isnull=True)
        elif folder == "waiting":
            handoffs = handoffs.filter(state__in=NEEDS_OFFICIAL)
    query = (query or "").strip()
    if query:
        handoffs = handoffs.filter(
            Q(channel_contact__display_name__icontains=query)
            | Q(channel_contact__contact__name__icontains=query)
            | Q(reason__icontains=query)
        )
    overdue = Q(first_response_at__isnull=True, first_response_due_at__lt=now) | Q(resolution_due_at__lt=now)
    handoffs = handoffs.annotate(
        overdue=Case(
            When(Q(state__in=ACTIVE_STATES) & overdue, then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
        needs_official=Case(
            When(state__in=NEEDS_OFFICIAL, then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
    ).select_related("channel", "channel_contact__contact", "unit", "assigned_to")
    if folder == "closed":
        return handoffs.order_by(F("closed_at").desc(nulls_last=True), "-id")
    return handoffs.order_by("-needs_official", "opened_at", "id")


def handoff_get(*, official, uuid: UUID) -> Handoff:
    found = (
        Handoff.objects.filter(_answer_scope(scope_of(official)), uuid=uuid)
        .select_related("channel", "channel_contact__contact", "unit", "assigned_to")
        .first()
    )
    if found is None:
        raise Http404("No such conversation.")
    return found


def waiting_count(scope: OfficialScope) -> int:
    """Conversations in scope waiting for an official (the navigation's badge). Takes the scope the console's
    navigation already has."""
    return Handoff.objects.filter(_answer_scope(scope), state__in=NEEDS_OFFICIAL).count()


def handoff_thread(*, handoff: Handoff, after_id: int = 0) -> QuerySet[HandoffEntry]:
    """The hand-off's history after entry `after_id`, oldest first (the live thread polls with its last id)."""
    return (
        handoff.entries.filter(id__gt=after_id)
        .select_related("actor", "inbound_message", "outbound_message")
        .order_by("id")
    )


def canned_replies_for(*, official, unit: AdministrativeUnit) -> QuerySet[CannedReply]:
    """The unit's canned replies and its ancestors' (a province's answers serve its communes)."""
    scope = scope_of(official)
    if not (scope.can(ANSWER) and scope.narrowed(ANSWER).covers_path(unit.path)):
        return CannedReply.objects.none()
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return CannedReply.objects.filter(unit_id__in=ids, is_active=True).select_related("unit").order_by("title", "id")


def canned_reply_list(*, official) -> QuerySet[CannedReply]:
    """Canned replies of every unit in the official's scope (the management page)."""
    scope = scope_of(official)
    return (
        CannedReply.objects.filter(_answer_scope(scope) | _answer_scope(scope, MANAGE))
        .select_related("unit")
        .order_by("unit__path", "title")
    )


def canned_reply_get(*, official, uuid: UUID) -> CannedReply:
    found = canned_reply_list(official=official).filter(uuid=uuid).first()
    if found is None:
        raise Http404("No such canned reply.")
    return found


def team_units(*, official) -> list[AdministrativeUnit]:
    """The units whose conversations the official answers through a membership of that very unit."""
    scope = scope_of(official).narrowed(ANSWER)
    paths = {g.unit_path for g in scope.grants}
    return list(AdministrativeUnit.objects.filter(path__in=paths).order_by("path"))


def team_of(unit: AdministrativeUnit) -> list[dict]:
    """The unit's team with duty status and their active conversations (the duty panel)."""
    users = answerers_of(unit).annotate(
        active=Count("handoffs", filter=Q(handoffs__state__in=ACTIVE_STATES, handoffs__unit=unit))
    )
    duty = {d.user_id: d for d in DutyStatus.objects.filter(unit=unit)}
    return [
        {"user": user, "on_duty": bool(duty.get(user.pk) and duty[user.pk].on_duty), "active": user.active}
        for user in users.order_by("username")
    ]
