"""The officials' internal channel: linking a console user to the internal OA, notices, and their delivery."""

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ketnoi.channels.types.base import Button, OutboundPayload
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError
from ketnoi.outbox.models import Lane
from ketnoi.outbox.services import outbox_enqueue

from .. import conf
from ..models import InternalNotice, LinkCode, OfficialLink

LINK_CODE_TTL_MINUTES = 15
LINK_COMMAND = "#lienket"  # what an official sends to the internal OA: "#lienket 483920"
NOTICE_SOURCE = "internal_notice"


def _buttons(buttons: Iterable[Any]) -> tuple[Button, ...]:
    result = []
    for button in buttons:
        result.append(button if isinstance(button, Button) else Button(**dict(button)))
    return tuple(result)


def _official_unit_path(official) -> str:
    membership = official.memberships.filter(is_active=True).select_related("unit").first()
    return membership.unit.path if membership else "/"


def _outbox_key(key: str) -> str:
    full = f"internal:{key}"
    return full if len(full) <= 100 else "internal:" + hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def official_notify(
    *,
    official,
    text: str,
    key: str,
    buttons: Iterable[Button | dict] = (),
    url: str = "",
    urgent: bool = False,
    hold_at_night: bool = False,
) -> InternalNotice:
    """Tell one official something (a document assigned or due, a petition reminder, a meeting).

    Always writes an InternalNotice (listed in the console's internal notifications); when the official has linked
    an account on the internal OA, also queues one outbox message there, in this transaction (lane transactional,
    idempotency key "internal:<key>"). `key` is the caller's idempotency key (e.g. "petition:<uuid>:remind:2"):
    calling again with the same key returns the first notice and sends nothing more. `buttons` are
    channels.types.base.Button (or dicts with title/action/value); a query_hide button's value comes back as the
    official's message, so callers can register an inbound handler for their own payload prefix. `url` is where the
    notice leads in the console.

    `urgent` (an emergency alert waiting for approval): the internal OA message takes the emergency lane. `hold_at_night`
    (what can wait for the morning): during the provider's night hours the message leaves when they end; the console
    notice is there at once either way.
    """
    if not text.strip():
        raise ApplicationError(_("A notice needs text."), code="empty_text")
    if not key or len(key) > 100:
        raise ApplicationError(_("The notice key must have 1 to 100 characters."), code="bad_key")
    existing = InternalNotice.objects.filter(key=key).first()
    if existing is not None:
        return existing
    parsed_buttons = _buttons(buttons)
    notice = InternalNotice.objects.create(
        user=official,
        key=key,
        text=text,
        url=url,
        buttons=[{"title": b.title, "action": b.action, "value": b.value} for b in parsed_buttons],
    )
    link = OfficialLink.objects.select_related("channel_contact__channel").filter(user=official).first()
    if link is not None and link.channel_contact.channel.is_active and link.channel_contact.is_follower:
        payload = OutboundPayload(kind="buttons" if parsed_buttons else "text", text=text, buttons=parsed_buttons)
        channel = link.channel_contact.channel
        send_after = None
        if hold_at_night and not urgent:
            send_after = conf.night_release(timezone.now(), conf.night_hours(channel.channel_type))
        message = outbox_enqueue(
            channel=channel,
            channel_contact=link.channel_contact,
            payload=payload,
            idempotency_key=_outbox_key(key),
            lane=Lane.EMERGENCY if urgent else Lane.TRANSACTIONAL,
            source_type=NOTICE_SOURCE,
            source_id=str(notice.pk),
            send_after=send_after,
        )
        notice.outbound_message_id = message.pk
        notice.save(update_fields=["outbound_message_id"])
    return notice


def approval_request_notify(*, approvers, text: str, url: str, key: str, urgent: bool = False) -> None:
    """Ask each approver to approve something (a broadcast, a petition's answer): My notices and the internal OA,
    with a button opening it in the console. `key` + ":<approver id>" is each notice's key. Urgent (an emergency
    alert): at once on the emergency lane; otherwise the OA message waits for the morning at night."""
    with translation.override(settings.LANGUAGE_CODE):
        button = Button(title=_("Open and approve"), action="url", value=settings.PUBLIC_BASE_URL + url)
    for approver in approvers:
        official_notify(
            official=approver,
            text=text,
            key=f"{key}:{approver.pk}",
            buttons=[button],
            url=url,
            urgent=urgent,
            hold_at_night=not urgent,
        )


def official_link_code(*, official) -> LinkCode:
    """A fresh single-use code (6 digits, 15 minutes) the official sends to the internal OA as '#lienket <code>'."""
    with transaction.atomic():
        LinkCode.objects.filter(user=official, used_at__isnull=True).delete()
        for _attempt in range(5):
            code = f"{secrets.randbelow(10**6):06d}"
            if not LinkCode.objects.filter(code=code).exists():
                break
        return LinkCode.objects.create(
            user=official,
            code=code,
            expires_at=timezone.now() + timezone.timedelta(minutes=LINK_CODE_TTL_MINUTES),
        )


@transaction.atomic
def official_link_by_code(*, channel_contact: ChannelContact, code: str) -> OfficialLink | None:
    """The official sent a link code to the internal OA: link that follower to the code's console user.

    Returns None for an unknown, used or expired code (the chat answers with a clear message).
    """
    found = LinkCode.objects.select_for_update().filter(code=code.strip(), used_at__isnull=True).first()
    if found is None or found.expires_at < timezone.now():
        return None
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    OfficialLink.objects.filter(channel_contact=channel_contact).exclude(user=found.user).delete()
    link, _created = OfficialLink.objects.update_or_create(
        user=found.user, defaults={"channel_contact": channel_contact, "linked_at": timezone.now()}
    )
    audit_record(
        actor=found.user,
        action="broadcasts.official_link",
        target=link,
        unit_path=_official_unit_path(found.user),
        after={"channel": channel_contact.channel.name, "user_id": channel_contact.user_id},
    )
    return link


@transaction.atomic
def official_unlink(*, official) -> None:
    link = OfficialLink.objects.filter(user=official).first()
    if link is None:
        return
    audit_record(
        actor=official,
        action="broadcasts.official_unlink",
        target=link,
        unit_path=_official_unit_path(official),
        before={"channel": link.channel_contact.channel.name},
    )
    link.delete()


@transaction.atomic
def notice_mark_read(*, official, notice: InternalNotice) -> None:
    if notice.user_id != official.pk:
        raise ApplicationError(_("This notice is not yours."), code="not_permitted")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])


def document_notify(
    *,
    official,
    document_label: str,
    key: str,
    due_label: str = "",
    url: str = "",
    link: str = "",
    reminder: bool = False,
    overdue: bool = False,
) -> InternalNotice:
    """Tell an official a document is assigned to them (documents.services, pushed by the province's
    document-management system), or remind them once that it is due or overdue (`reminder`, `overdue`).

    Domains build the wording's facts; the channel and delivery are ours. `link` opens the document in its own
    system (a button on the internal OA); `url` is the console page. Same idempotency rules as official_notify; the
    reminder waits for the morning at night."""
    with translation.override(settings.LANGUAGE_CODE):
        if overdue:
            text = _("Overdue document: %(doc)s") % {"doc": document_label}
        elif reminder:
            text = _("Document due soon: %(doc)s") % {"doc": document_label}
        else:
            text = _("Document assigned to you: %(doc)s") % {"doc": document_label}
        if due_label:
            text += "\n" + _("Due: %(due)s") % {"due": due_label}
        buttons = [Button(title=_("Open the document"), action="url", value=link)] if link else []
    return official_notify(official=official, text=text, key=key, url=url, buttons=buttons, hold_at_night=reminder)
