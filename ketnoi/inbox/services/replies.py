"""What officials write in a hand-off: replies to the citizen (through the outbox, in the service's transaction,
with the channel's window rules) and internal notes the citizen never sees."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.channels.types.base import OutboundPayload, WindowState
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.errors import ApplicationError
from ketnoi.core.text import fold, nfc
from ketnoi.outbox.models import Lane, OutboundMessage
from ketnoi.outbox.services import outbox_enqueue

from ..models import EntryKind, Handoff, HandoffEntry
from ..states import ACTIVE_STATES, HandoffState, Party
from ..window import reply_window
from .common import ANSWER, MANAGE, audit, can, entry, lock, move, require, snapshot_of
from .handoffs import assign_to

S = HandoffState
MAX_REPLY = 2000  # the smallest channel limit (Zalo consultation text, after NFC)
MAX_NOTE = 4000
TEMPLATE_TEXT_MAX = 400  # a ZBS template parameter; the sandbox and Zalo truncate longer values


def template_data(handoff: Handoff, text: str) -> dict[str, str]:
    """The parameters of the unit's "an official answered you" ZBS template."""
    return {
        "ten_co_quan": handoff.unit.name[:100],
        "ten_nguoi_dan": (handoff.channel_contact.contact.name or handoff.channel_contact.display_name)[:100],
        "noi_dung": text[:TEMPLATE_TEXT_MAX],
    }


def _check_writer(actor, handoff: Handoff) -> None:
    require(actor, ANSWER, handoff.unit)
    if not handoff.is_active:
        raise ApplicationError(
            _("This conversation is closed; the citizen can write again to reopen it."), code="closed"
        )
    if handoff.assigned_to_id and handoff.assigned_to_id != actor.pk and not can(actor, MANAGE, handoff.unit):
        raise ApplicationError(
            _("%(user)s has this conversation; take it over through a leader first.")
            % {"user": handoff.assigned_to.get_username()},
            code="assigned_to_other",
        )


@transaction.atomic
def handoff_reply(*, actor, handoff: Handoff, text: str, token: str, as_template: bool = False) -> HandoffEntry:
    """Send the citizen an official's answer. `token` names this one message (the form's hidden field), so a
    double submit sends it once.

    Within the channel's window (Zalo: free 48 h, paid until 7 days) the text goes as a consultation message, with
    the template by phone (then SMS) as the outbox's fallback if the channel turns out not to reach the person.
    Outside the window a plain reply is refused (code window_closed); `as_template` sends the text inside the
    unit's ZBS template to the citizen's phone instead. Replying to an unassigned conversation takes it."""
    handoff = lock(handoff)
    _check_writer(actor, handoff)
    text = nfc(text or "").strip()
    if not text:
        raise ApplicationError(_("Write the answer first."), code="empty")
    if len(text) > MAX_REPLY:
        raise ApplicationError(
            _("The answer has %(length)s characters; at most %(max)s fit.") % {"length": len(text), "max": MAX_REPLY},
            code="too_long",
        )
    token = (token or "").strip()[:40]
    if not token:
        raise ApplicationError(_("The form has expired; reload the page."), code="no_token")
    key = f"handoff:{handoff.uuid.hex}:reply:{token}"
    already = handoff.entries.filter(kind=EntryKind.REPLY, outbound_message__idempotency_key__startswith=key).first()
    if already is not None:
        return already
    now = timezone.now()
    window = reply_window(handoff.channel_contact, now)
    data = template_data(handoff, text)
    if as_template:
        if not window.template_id:
            raise ApplicationError(_("No template is set up for this channel."), code="no_template")
        if not window.phone:
            raise ApplicationError(_("The citizen's phone number is not known."), code="no_phone")
        payload = OutboundPayload(kind="template", template_id=window.template_id, template_data=data)
        fallback = {"sms_text": fold(text)[:480]}
        key += ":tpl"
    else:
        if window.state == WindowState.CLOSED:
            raise ApplicationError(
                _(
                    "The citizen has not written for too long: a free reply is no longer possible. Send it as a "
                    "template message to their phone instead."
                ),
                code="window_closed",
                extra={"template_possible": window.template_possible},
            )
        payload = OutboundPayload(kind="text", text=text, purpose="human_reply")
        fallback = {"sms_text": fold(text)[:480]}
        if window.template_id:
            fallback.update(template_id=window.template_id, template_data=data)
    message = outbox_enqueue(
        channel=handoff.channel,
        channel_contact=handoff.channel_contact,
        recipient_phone=window.phone,
        payload=payload,
        idempotency_key=key,
        lane=Lane.TRANSACTIONAL,
        source_type="handoff",
        source_id=str(handoff.uuid),
        fallback=fallback,
    )
    before = snapshot_of(handoff)
    if handoff.assigned_to_id is None:
        assign_to(handoff, actor, actor=actor, party=Party.OFFICIAL, at=now, how="reply")
    if handoff.state == S.ASSIGNED:
        move(handoff, S.WAITING_CITIZEN, party=Party.OFFICIAL, actor=actor, at=now)
    reply = entry(
        handoff,
        EntryKind.REPLY,
        actor=actor,
        at=now,
        outbound_message=message,
        text=text,
        data={"window": str(window.state), "template": as_template},
    )
    handoff.first_response_at = handoff.first_response_at or now
    handoff.last_reply_at = now
    handoff.save()
    audit(actor, "handoff.reply", handoff, before, window=str(window.state), template=as_template, length=len(text))
    return reply


@transaction.atomic
def handoff_add_note(*, actor, handoff: Handoff, text: str) -> HandoffEntry:
    """An internal note for the team; never sent. Notes may be added to a closed conversation too."""
    handoff = lock(handoff)
    require(actor, ANSWER, handoff.unit)
    text = nfc(text or "").strip()
    if not text:
        raise ApplicationError(_("Write the note first."), code="empty")
    if len(text) > MAX_NOTE:
        raise ApplicationError(
            _("The note has %(length)s characters; at most %(max)s fit.") % {"length": len(text), "max": MAX_NOTE},
            code="too_long",
        )
    note = entry(handoff, EntryKind.NOTE, actor=actor, text=text)
    audit(actor, "handoff.note", handoff, None, note_id=note.pk)
    return note


@transaction.atomic
def handoff_assistant_answered(
    *, channel_contact: ChannelContact, meaning: str, messages: list[OutboundMessage]
) -> HandoffEntry | None:
    """While a hand-off is open the assistant answered the citizen itself: a button they tapped still does what it
    says (send the documents a dossier needs, rate the service...), and the flow it started runs to its end. One
    entry in the thread (a reply marked automatic, never counted as the officials' answer) says what the button
    meant and what the citizen was told, so the official reads the whole conversation. None: no hand-off open."""
    handoff = Handoff.objects.filter(channel_contact=channel_contact, state__in=ACTIVE_STATES).first()
    if handoff is None or not messages:
        return None
    handoff = lock(handoff)
    text = "\n\n".join(str(m.payload.get("text") or m.payload.get("title") or "") for m in messages).strip()
    return entry(
        handoff,
        EntryKind.REPLY,
        text=text[:MAX_NOTE],
        outbound_message=messages[0],
        data={"automatic": "assistant", "input": meaning[:200]},
    )
