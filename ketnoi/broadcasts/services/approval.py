"""The broadcast's life: submit, approve (four-eyes), reject, schedule, start, cancel. Transitions: states.py."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.scoping import scope_of
from ketnoi.orgs.selectors import nearest_holders
from ketnoi.outbox.services import outbox_cancel

from ..audience import reach_of
from ..models import Broadcast, BroadcastTransition
from ..states import FINAL, State, check_transition
from .internal import approval_request_notify

SOURCE_TYPE = "broadcast"


def _can(actor, capability: str, broadcast: Broadcast) -> bool:
    scope = scope_of(actor).narrowed(capability)
    return scope.can(capability) and scope.covers_path(broadcast.unit.path)


def _move(broadcast: Broadcast, target: str, *, actor, note: str = "") -> None:
    check_transition(broadcast.state, target)
    BroadcastTransition.objects.create(
        broadcast=broadcast, from_state=broadcast.state, to_state=target, actor=actor, note=note[:500]
    )
    audit_record(
        actor=actor,
        action=f"broadcasts.{target}",
        target=broadcast,
        unit_path=broadcast.unit.path,
        before={"state": broadcast.state},
        after={"state": target, "note": note[:200]},
    )
    broadcast.state = target
    broadcast.updated_at = timezone.now()


def _locked(broadcast: Broadcast) -> Broadcast:
    return Broadcast.objects.select_for_update(of=("self",)).select_related("unit", "template").get(pk=broadcast.pk)


def _fast_path(broadcast: Broadcast) -> bool:
    """An emergency alert in the exact wording of a pre-approved template, approved by someone else."""
    template = broadcast.template
    return bool(
        broadcast.is_emergency
        and template is not None
        and template.is_pre_approved
        and template.pre_approved_by_id != broadcast.author_id
        and template.text.strip() == broadcast.text.strip()
        and template.text_en.strip() == broadcast.text_en.strip()
    )


def _start(broadcast: Broadcast, *, actor) -> None:
    """Approved: schedule it, or start the fan-out after this transaction commits."""
    if broadcast.send_at and broadcast.send_at > timezone.now():
        _move(broadcast, State.SCHEDULED, actor=actor)
        return
    _begin_sending(broadcast, actor=actor)


def _begin_sending(broadcast: Broadcast, *, actor) -> None:
    _move(broadcast, State.SENDING, actor=actor)
    broadcast.fanout_started_at = timezone.now()
    broadcast.recipients_estimate = reach_of(broadcast)
    from ..tasks import broadcast_fanout_task

    broadcast_id = broadcast.pk
    transaction.on_commit(lambda: broadcast_fanout_task.enqueue(broadcast_id))


def _ask_approvers(broadcast: Broadcast, *, actor) -> None:
    """Tell the nearest leaders who may approve it (never the author): in "My notices" and on the internal OA. An
    emergency alert goes at once on the emergency lane; anything else waits for the morning at night."""
    exclude = [] if broadcast.is_training else [broadcast.author_id]
    approvers = nearest_holders(capability="broadcasts.approve", unit=broadcast.unit, exclude=exclude)
    submissions = broadcast.transitions.filter(to_state=State.SUBMITTED).count()
    url = reverse("console:broadcast_detail", kwargs={"uuid": broadcast.uuid})
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "title": broadcast.title,
            "unit": broadcast.unit.name,
            "area": broadcast.area.place_name if broadcast.area_id else _("all areas"),
            "author": broadcast.author.get_full_name() or broadcast.author.get_username(),
        }
        if broadcast.is_emergency:
            text = (
                _("URGENT: an emergency alert waits for your approval: %(title)s (%(area)s), by %(author)s.") % values
            )
        else:
            text = _("A broadcast waits for your approval: %(title)s (%(unit)s), by %(author)s.") % values
    approval_request_notify(
        approvers=approvers,
        text=text,
        url=url,
        key=f"broadcast:{broadcast.uuid.hex}:approve:{submissions}",
        urgent=broadcast.is_emergency and not broadcast.is_training,
    )


@transaction.atomic
def broadcast_submit(*, actor, broadcast: Broadcast) -> Broadcast:
    """The author asks a leader to approve. Emergency alerts need an area. An alert in a pre-approved template's
    exact wording is approved at once (the leader approved the wording in advance) and starts sending."""
    broadcast = _locked(broadcast)
    if not _can(actor, "broadcasts.compose", broadcast):
        raise NotPermitted()
    if broadcast.is_emergency and broadcast.area_id is None and not broadcast.is_training:
        raise ApplicationError(_("An emergency alert needs an area."), code="no_area")
    _move(broadcast, State.SUBMITTED, actor=actor)
    if _fast_path(broadcast):
        broadcast.approved_by = broadcast.template.pre_approved_by
        broadcast.approved_at = timezone.now()
        _move(broadcast, State.APPROVED, actor=broadcast.approved_by, note="pre-approved template")
        _start(broadcast, actor=actor)
    else:
        _ask_approvers(broadcast, actor=actor)
    broadcast.save()
    return broadcast


@transaction.atomic
def broadcast_approve(*, actor, broadcast: Broadcast) -> Broadcast:
    """A leader approves. Four-eyes: never the author (except in training mode, which reaches only testers)."""
    broadcast = _locked(broadcast)
    if not _can(actor, "broadcasts.approve", broadcast):
        raise NotPermitted()
    if broadcast.author_id == actor.pk and not broadcast.is_training:
        raise NotPermitted(_("You cannot approve a broadcast you wrote; another leader must approve it."))
    if broadcast.state != State.SUBMITTED:
        raise ApplicationError(_("Only a broadcast waiting for approval can be approved."), code="bad_transition")
    if broadcast.is_emergency and broadcast.area_id is None and not broadcast.is_training:
        raise ApplicationError(_("An emergency alert needs an area."), code="no_area")
    broadcast.approved_by, broadcast.approved_at = actor, timezone.now()
    _move(broadcast, State.APPROVED, actor=actor)
    _start(broadcast, actor=actor)
    broadcast.save()
    return broadcast


@transaction.atomic
def broadcast_reject(*, actor, broadcast: Broadcast, reason: str) -> Broadcast:
    broadcast = _locked(broadcast)
    if not _can(actor, "broadcasts.approve", broadcast):
        raise NotPermitted()
    if not reason.strip():
        raise ApplicationError(_("Say why the broadcast is rejected."), code="no_reason")
    _move(broadcast, State.REJECTED, actor=actor, note=reason)
    broadcast.save()
    return broadcast


@transaction.atomic
def broadcast_withdraw(*, actor, broadcast: Broadcast) -> Broadcast:
    """The author takes a submitted broadcast back to edit it."""
    broadcast = _locked(broadcast)
    if not _can(actor, "broadcasts.compose", broadcast):
        raise NotPermitted()
    _move(broadcast, State.DRAFT, actor=actor, note="withdrawn")
    broadcast.save()
    return broadcast


@transaction.atomic
def broadcast_cancel(*, actor, broadcast: Broadcast, reason: str = "") -> int:
    """Stop a broadcast at any point before it is sent: the fan-out stops at its next batch (it checks the state
    under the same row lock) and every message not yet handed to the provider is cancelled. Returns how many."""
    broadcast = _locked(broadcast)
    if not (_can(actor, "broadcasts.compose", broadcast) or _can(actor, "broadcasts.approve", broadcast)):
        raise NotPermitted()
    if broadcast.state in FINAL:
        raise ApplicationError(_("This broadcast is already finished."), code="bad_transition")
    _move(broadcast, State.CANCELLED, actor=actor, note=reason)
    broadcast.finished_at = timezone.now()
    broadcast.save()
    return outbox_cancel(source_type=SOURCE_TYPE, source_id=broadcast.source_id, reason=reason or "cancelled")


def start_due_broadcasts() -> int:
    """Scheduled job (every minute): scheduled broadcasts whose time has come start sending."""
    started = 0
    due = Broadcast.objects.filter(state=State.SCHEDULED, send_at__lte=timezone.now()).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            broadcast = Broadcast.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if broadcast is None or broadcast.state != State.SCHEDULED:
                continue
            _begin_sending(broadcast, actor=None)
            broadcast.save()
            started += 1
    return started


def broadcast_finish_if_done(*, broadcast: Broadcast) -> bool:
    """Sending -> sent once the fan-out is complete and no message of it is still queued or being sent."""
    from ketnoi.outbox.models import OutboundMessage, Status

    with transaction.atomic():
        broadcast = _locked(broadcast)
        if broadcast.state != State.SENDING or broadcast.fanout_finished_at is None:
            return False
        pending = OutboundMessage.objects.filter(
            source_type=SOURCE_TYPE, source_id=broadcast.source_id, status__in=(Status.QUEUED, Status.SENDING)
        ).exists()
        if pending:
            return False
        _move(broadcast, State.SENT, actor=None)
        broadcast.finished_at = timezone.now()
        broadcast.save()
        return True


def finish_sent_broadcasts() -> int:
    """Scheduled job: mark broadcasts whose every message has left (or failed) as sent."""
    done = 0
    for broadcast in Broadcast.objects.filter(state=State.SENDING, fanout_finished_at__isnull=False):
        done += broadcast_finish_if_done(broadcast=broadcast)
    return done


def ensure_not_final(broadcast: Broadcast) -> None:
    if broadcast.state in FINAL:
        raise ApplicationError(_("This broadcast is already finished."), code="bad_transition")
