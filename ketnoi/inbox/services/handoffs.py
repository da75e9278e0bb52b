"""Opening, assigning, reopening and closing hand-offs. The conversation engine calls handoff_open; the inbound
handler (ketnoi/inbox/inbound.py) calls handoff_citizen_wrote; officials do the rest from the console."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ketnoi.broadcasts.services import official_notify
from ketnoi.channels.types.base import OutboundPayload, WindowState
from ketnoi.contacts.models import ChannelContact, InboundMessage
from ketnoi.contacts.services import channel_contact_handoff_hint
from ketnoi.core.actor import as_actor
from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import nfc
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.outbox.models import Lane
from ketnoi.outbox.services import outbox_enqueue

from .. import conf
from ..models import DutyStatus, EntryKind, Handoff
from ..states import ACTIVE_STATES, HandoffState, Party
from ..teams import team_name, transfer_targets
from ..timers import due_times, policy_for
from ..window import reply_window
from .common import ANSWER, MANAGE, answerers_of, audit, can, entry, lock, move, require, snapshot_of

S = HandoffState


def _active(channel_contact: ChannelContact) -> Handoff | None:
    return Handoff.objects.filter(channel_contact=channel_contact, state__in=ACTIVE_STATES).first()


def _start_clocks(handoff: Handoff, at: dt.datetime) -> None:
    handoff.opened_at = at
    handoff.first_response_at = None
    handoff.first_response_due_at, handoff.resolution_due_at = due_times(at, policy_for(handoff.unit))


def _stint(handoff: Handoff) -> dict:
    """What the conversation report needs of a team's turn with the conversation (opened or passed to it): the team
    and the first reply it owes by then (inbox/report.py)."""
    due = handoff.first_response_due_at
    return {"unit": handoff.unit_id, "first_response_due": due.isoformat() if due else ""}


def _round_robin(handoff: Handoff, at: dt.datetime) -> bool:
    """Give an unassigned hand-off to the on-duty official of its unit assigned longest ago. False: nobody on duty.

    Every on-duty row of the unit is locked (in primary-key order, so openers never deadlock) and the choice is made
    on the values read after the lock: a concurrent opener waits, then sees this assignment and picks the next one.
    """
    duties = list(
        DutyStatus.objects.select_for_update(of=("self",))
        .filter(unit=handoff.unit, on_duty=True, user__in=answerers_of(handoff.unit))
        .select_related("user")
        .order_by("pk")
    )
    if not duties:
        return False
    duty = min(duties, key=lambda d: (d.last_assigned_at is not None, d.last_assigned_at or at, d.user_id))
    assign_to(handoff, duty.user, actor=None, party=Party.SYSTEM, at=at, how="round_robin")
    return True


def assign_to(handoff: Handoff, user, *, actor, party: Party, at: dt.datetime, how: str) -> None:
    """Inside a service holding the hand-off's lock: set the assignee, record it, move open → assigned, and note
    the time on the official's duty row (round-robin's order). The caller saves and audits."""
    if handoff.state in (S.OPEN,):
        move(handoff, S.ASSIGNED, party=party, actor=actor, at=at)
    handoff.assigned_to = user
    handoff.assigned_at = at
    name = user.get_full_name() or user.get_username()
    record = entry(handoff, EntryKind.ASSIGNED, actor=actor, at=at, text=name, data={"how": how, "to": user.pk})
    DutyStatus.objects.filter(user=user, unit=handoff.unit).update(last_assigned_at=at)
    if as_actor(actor).user_id != user.pk:
        _tell_assignee(handoff, user, record.pk)


def _tell_assignee(handoff: Handoff, user, entry_id: int) -> None:
    """An official given a conversation by round-robin or by a colleague hears of it (console notices, and the
    internal OA when they linked an account), in this transaction."""
    contact = handoff.channel_contact
    with translation.override("vi"):
        text = _("A citizen's conversation is assigned to you: %(name)s (%(channel)s).") % {
            "name": contact.display_name or contact.contact.name or _("citizen"),
            "channel": handoff.channel.name,
        }
    official_notify(
        official=user,
        text=text,
        key=f"handoff:{handoff.uuid.hex}:assigned:{entry_id}",
        url=reverse("console:inbox_detail", kwargs={"uuid": handoff.uuid}),
    )


@transaction.atomic
def handoff_open(*, channel_contact: ChannelContact, reason: str, requested_by_citizen: bool) -> Handoff:
    """Hand the conversation with this person to the team of the channel's unit, or return the hand-off already
    active for them (calling twice is safe). Round-robin assigns it at once when an official of the unit is on
    duty. The bot should stay quiet while open_handoff_for(channel_contact) returns a hand-off. Audited."""
    given = channel_contact
    channel_contact = (
        ChannelContact.objects.select_for_update(of=("self",))
        .select_related("channel__unit")
        .get(pk=channel_contact.pk)
    )
    existing = _active(channel_contact)
    if existing is not None:
        return existing
    # From now on the person's messages look for their hand-off (inbox/inbound.py); on the caller's copy too.
    channel_contact_handoff_hint(channel_contact=channel_contact, hint=True)
    given.handoff_hint = True
    now = timezone.now()
    handoff = Handoff(
        channel=channel_contact.channel,
        channel_contact=channel_contact,
        unit=channel_contact.channel.unit,
        state=S.OPEN,
        reason=nfc(reason or "").strip()[:255],
        requested_by_citizen=requested_by_citizen,
        first_opened_at=now,
        last_citizen_message_at=channel_contact.last_interaction_at,
    )
    _start_clocks(handoff, now)
    try:
        with transaction.atomic():
            handoff.save()
    except IntegrityError:  # opened concurrently by another transaction: that one is the hand-off
        return _active(channel_contact)
    entry(
        handoff,
        EntryKind.OPENED,
        at=now,
        text=handoff.reason,
        data={"requested_by_citizen": requested_by_citizen, **_stint(handoff)},
    )
    _round_robin(handoff, now)
    handoff.save()
    audit(None, "handoff.open", handoff, None, reason=handoff.reason, requested_by_citizen=requested_by_citizen)
    return handoff


def _reopenable(channel_contact: ChannelContact, at: dt.datetime) -> Handoff | None:
    last = (
        Handoff.objects.filter(channel_contact=channel_contact, state=S.CLOSED, returned_to_bot=False)
        .select_related("unit")
        .order_by("-closed_at", "-id")
        .first()
    )
    if last is None or last.closed_at is None:
        return None
    if at - last.closed_at > dt.timedelta(hours=policy_for(last.unit).reopen_hours):
        return None
    return last


@transaction.atomic
def handoff_citizen_wrote(*, message: InboundMessage) -> Handoff | None:
    """The citizen wrote (the message is already stored by contacts): attach it to their active hand-off, reopening
    the last one if it was closed (not given back to the bot) within the unit's reopen period. None: no hand-off, the
    bot answers. Idempotent per message. Only a reopening is audited: the message itself is the record."""
    channel_contact = ChannelContact.objects.select_for_update().get(pk=message.channel_contact_id)
    handoff = _active(channel_contact)
    reopened = False
    if handoff is None:
        handoff = _reopenable(channel_contact, message.received_at)
        if handoff is None:
            return None
        reopened = True
    handoff = lock(handoff)
    if handoff.entries.filter(inbound_message=message).exists():
        return handoff
    now = timezone.now()
    before = snapshot_of(handoff)
    if reopened:
        back_to = handoff.assigned_to if handoff.assigned_to_id and _on_duty(handoff.assigned_to, handoff) else None
        move(handoff, S.ASSIGNED if back_to else S.OPEN, party=Party.CITIZEN, at=now, text="reopened")
        if back_to is None:
            handoff.assigned_to = None
        handoff.closed_at = None
        handoff.reopened_count += 1
        _start_clocks(handoff, now)
    elif handoff.state == S.WAITING_CITIZEN:
        move(handoff, S.ASSIGNED, party=Party.CITIZEN, at=now)
    entry(handoff, EntryKind.CITIZEN_MESSAGE, at=message.received_at, inbound_message=message, text=message.text)
    handoff.last_citizen_message_at = max(filter(None, [handoff.last_citizen_message_at, message.received_at]))
    if reopened and handoff.state == S.OPEN:
        _round_robin(handoff, now)
    handoff.save()
    if reopened:
        audit(None, "handoff.reopen", handoff, before)
    return handoff


def _on_duty(user, handoff: Handoff) -> bool:
    return DutyStatus.objects.filter(user=user, unit=handoff.unit, on_duty=True).exists()


@transaction.atomic
def handoff_take(*, actor, handoff: Handoff) -> Handoff:
    """The official takes the conversation. Taking one assigned to someone else needs inbox.manage."""
    return handoff_assign(actor=actor, handoff=handoff, to=actor)


@transaction.atomic
def handoff_assign(*, actor, handoff: Handoff, to) -> Handoff:
    """Assign (or reassign) to an official who answers for the unit. Anyone of the team may take an unassigned
    conversation; moving one away from its assignee is for the assignee or a manager (inbox.manage)."""
    handoff = lock(handoff)
    require(actor, ANSWER, handoff.unit)
    if not handoff.is_active:
        raise ApplicationError(_("This conversation is closed."), code="closed")
    if not can(to, ANSWER, handoff.unit):
        raise ApplicationError(
            _("%(user)s does not answer for %(unit)s.") % {"user": to.get_username(), "unit": handoff.unit.name},
            code="not_in_team",
        )
    if handoff.assigned_to_id == to.pk:
        return handoff
    if handoff.assigned_to_id and handoff.assigned_to_id != actor.pk and not can(actor, MANAGE, handoff.unit):
        raise ApplicationError(
            _("%(user)s has this conversation; a leader can reassign it.")
            % {"user": handoff.assigned_to.get_username()},
            code="assigned_to_other",
        )
    before = snapshot_of(handoff)
    assign_to(
        handoff, to, actor=actor, party=Party.OFFICIAL, at=timezone.now(), how="self" if to == actor else "manual"
    )
    handoff.save()
    audit(actor, "handoff.assign", handoff, before)
    return handoff


@transaction.atomic
def handoff_unassign(*, actor, handoff: Handoff) -> Handoff:
    """Give the conversation back to the team (the assignee, or a manager)."""
    handoff = lock(handoff)
    require(actor, ANSWER, handoff.unit)
    if not handoff.is_active or not handoff.assigned_to_id:
        return handoff
    if handoff.assigned_to_id != actor.pk and not can(actor, MANAGE, handoff.unit):
        raise ApplicationError(_("Only the assignee or a leader can give this conversation back."), code="not_assignee")
    before = snapshot_of(handoff)
    if handoff.state != S.OPEN:
        move(handoff, S.OPEN, party=Party.OFFICIAL, actor=actor)
    handoff.assigned_to = None
    handoff.assigned_at = None
    handoff.save()
    audit(actor, "handoff.unassign", handoff, before)
    return handoff


def back_to_bot_payload(handoff: Handoff) -> OutboundPayload:
    with translation.override(handoff.channel_contact.contact.language or "vi"):
        text = _(
            "Our officials have finished this conversation with you. The virtual assistant is back: write to it "
            "at any time, or ask for an official again."
        )
    return OutboundPayload(kind="text", text=text, purpose="human_reply")


@transaction.atomic
def handoff_close(*, actor, handoff: Handoff, return_to_bot: bool = True, note: str = "") -> Handoff:
    """Close the conversation. With return_to_bot, the citizen is told the assistant is back (when the channel's
    window allows a free or paid message) and their next message goes to the bot; without it, a message within
    the unit's reopen period reopens this hand-off. Audited."""
    handoff = lock(handoff)
    require(actor, ANSWER, handoff.unit)
    if not handoff.is_active:
        return handoff
    before = snapshot_of(handoff)
    now = timezone.now()
    move(
        handoff,
        S.CLOSED,
        party=Party.OFFICIAL if as_actor(actor).is_official else Party.SYSTEM,
        actor=actor,
        at=now,
        text=nfc(note).strip(),
    )
    handoff.closed_at = now
    handoff.returned_to_bot = return_to_bot
    if return_to_bot and reply_window(handoff.channel_contact, now).state != WindowState.CLOSED:
        message = outbox_enqueue(
            channel=handoff.channel,
            channel_contact=handoff.channel_contact,
            payload=back_to_bot_payload(handoff),
            idempotency_key=f"handoff:{handoff.uuid.hex}:bot-back:{handoff.reopened_count}",
            lane=Lane.TRANSACTIONAL,
            source_type="handoff",
            source_id=str(handoff.uuid),
        )
        entry(
            handoff,
            EntryKind.REPLY,
            actor=actor,
            at=now,
            outbound_message=message,
            text=message.payload.get("text", ""),
            data={"automatic": "bot_back"},
        )
    handoff.save()
    audit(actor, "handoff.close", handoff, before, return_to_bot=return_to_bot)
    return handoff


@transaction.atomic
def handoff_return_to_bot(*, handoff: Handoff, by_citizen: bool = True) -> Handoff:
    """The citizen asked for the assistant again (an escape word the engine recognised), or the system gives the
    conversation back: close as returned to the bot, without a message (the engine answers the citizen itself).
    No-op when already closed. Audited."""
    handoff = lock(handoff)
    if not handoff.is_active:
        return handoff
    before = snapshot_of(handoff)
    now = timezone.now()
    move(
        handoff,
        S.CLOSED,
        party=Party.CITIZEN if by_citizen else Party.SYSTEM,
        at=now,
        text="returned to the assistant by the citizen" if by_citizen else "returned to the assistant",
    )
    handoff.closed_at = now
    handoff.returned_to_bot = True
    handoff.save()
    audit(None, "handoff.return_to_bot", handoff, before, by_citizen=by_citizen)
    return handoff


def handoffs_close_idle(*, now: dt.datetime | None = None) -> int:
    """The scheduled job: conversations answered and then left by the citizen for conf.auto_close_days() are closed
    and given back to the assistant (the citizen is told if the window still allows it). Each is its own transaction
    and audit entry. Returns how many were closed."""
    days = conf.auto_close_days()
    if days <= 0:
        return 0
    now = now or timezone.now()
    idle = Handoff.objects.filter(state=S.WAITING_CITIZEN, last_reply_at__lt=now - dt.timedelta(days=days)).values_list(
        "pk", flat=True
    )
    closed = 0
    for pk in list(idle[:500]):
        with transaction.atomic():
            handoff = Handoff.objects.select_for_update(of=("self",)).get(pk=pk)
            if handoff.state != S.WAITING_CITIZEN:
                continue
            handoff_close(
                actor=None, handoff=handoff, return_to_bot=True, note="closed after the citizen stayed silent"
            )
            closed += 1
    return closed


@transaction.atomic
def handoff_transfer(*, actor, handoff: Handoff, to_unit: AdministrativeUnit, note: str = "") -> Handoff:
    """Pass the conversation to another unit's officials (a ward hands a question up to the province's service
    centre, and the centre hands it back): with its whole history, unassigned at the new team (round-robin gives it
    to whoever of them is on duty), its clocks restarted on the new team's targets, so timers and the conversation
    report count it for the unit that answers. The citizen is told who answers now, on the same chat. Audited."""
    handoff = lock(handoff)
    require(actor, ANSWER, handoff.unit)
    if not handoff.is_active:
        raise ApplicationError(_("This conversation is closed."), code="closed")
    if to_unit.pk not in {unit.pk for unit in transfer_targets(handoff)}:
        raise ApplicationError(
            _("This conversation cannot be passed to %(unit)s: nobody there answers this channel's citizens.")
            % {"unit": to_unit.name},
            code="not_a_target",
        )
    before = snapshot_of(handoff)
    now = timezone.now()
    from_unit = handoff.unit
    if handoff.state != S.OPEN:
        move(handoff, S.OPEN, party=Party.OFFICIAL, actor=actor, at=now, text="passed to another unit")
    handoff.assigned_to = None
    handoff.assigned_at = None
    handoff.unit = to_unit
    _start_clocks(handoff, now)
    entry(
        handoff,
        EntryKind.TRANSFERRED,
        actor=actor,
        at=now,
        text=nfc(note or "").strip()[:500],
        data={"from_unit": from_unit.pk, "from": team_name(from_unit), "to": team_name(to_unit), **_stint(handoff)},
    )
    _tell_citizen_who_answers(handoff, now)
    _round_robin(handoff, now)
    handoff.save()
    audit(actor, "handoff.transfer", handoff, before, from_unit=from_unit.code, to_unit=to_unit.code)
    return handoff


def _tell_citizen_who_answers(handoff: Handoff, now: dt.datetime) -> None:
    """On the same chat, while the channel's window allows a message (it nearly always does: the citizen just
    wrote); recorded in the thread as an automatic reply."""
    if reply_window(handoff.channel_contact, now).state == WindowState.CLOSED:
        return
    with translation.override(handoff.channel_contact.contact.language or "vi"):
        text = _("Your question has been passed to %(team)s. Their officials will answer you here.") % {
            "team": team_name(handoff.unit)
        }
    transfers = handoff.entries.filter(kind=EntryKind.TRANSFERRED).count()
    message = outbox_enqueue(
        channel=handoff.channel,
        channel_contact=handoff.channel_contact,
        payload=OutboundPayload(kind="text", text=text, purpose="human_reply"),
        idempotency_key=f"handoff:{handoff.uuid.hex}:transferred:{transfers}",
        lane=Lane.TRANSACTIONAL,
        source_type="handoff",
        source_id=str(handoff.uuid),
    )
    entry(handoff, EntryKind.REPLY, at=now, outbound_message=message, text=text, data={"automatic": "transferred"})
