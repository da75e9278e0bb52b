"""Writes to the outbox. Enqueue runs inside the caller's transaction, so a message exists iff its cause does."""

from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import EventKind, InboundEvent, OutboundPayload
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.sql import insert_new_rows
from ketnoi.orgs.scoping import scope_of

from .models import DEAD_STATUSES, Lane, OutboundMessage, Status
from .payloads import payload_to_json

FALLBACK_KEYS = frozenset({"template_id", "template_data", "sms_text", "sms_channel_id"})
MAX_KEY_LENGTH = 100  # the column holds 120: fallback steps append a suffix


class OutsideTransaction(RuntimeError):
    """outbox_enqueue was called in autocommit mode: the message would not share the fate of its cause."""


def _recipient(channel_contact: ChannelContact | None, user_id: str, phone: str) -> tuple[str, str]:
    if channel_contact is not None:
        user_id = user_id or channel_contact.user_id
        phone = phone or channel_contact.shared_phone or channel_contact.contact.phone
    if phone:
        try:
            phone = normalize_phone(phone)
        except InvalidPhoneNumber as exc:
            raise ApplicationError(str(exc), code="invalid_phone") from exc
    if not user_id and not phone:
        raise ApplicationError(_("A message needs a recipient: a user id on the channel or a phone number."))
    return user_id, phone


def _check_fallback(fallback: dict[str, Any] | None) -> dict[str, Any]:
    fallback = dict(fallback or {})
    unknown = set(fallback) - FALLBACK_KEYS
    if unknown:
        raise ApplicationError(f"Unknown fallback settings: {', '.join(sorted(unknown))}.")
    return fallback


def outbox_message(
    *,
    channel: Channel,
    payload: OutboundPayload,
    idempotency_key: str,
    lane: Lane = Lane.TRANSACTIONAL,
    channel_contact: ChannelContact | None = None,
    recipient_user_id: str = "",
    recipient_phone: str = "",
    source_type: str = "",
    source_id: str = "",
    fallback: dict[str, Any] | None = None,
    send_after=None,
) -> OutboundMessage:
    """One logical message as an unsaved row, checked (recipient, key, fallback): for outbox_enqueue_many."""
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise ApplicationError(f"The idempotency key must have 1 to {MAX_KEY_LENGTH} characters.")
    user_id, phone = _recipient(channel_contact, recipient_user_id, recipient_phone)
    return OutboundMessage(
        channel=channel,
        channel_contact=channel_contact,
        recipient_user_id=user_id,
        recipient_phone=phone,
        lane=Lane(lane),
        kind=payload.kind,
        payload=payload_to_json(payload),
        fallback=_check_fallback(fallback),
        idempotency_key=idempotency_key,
        source_type=source_type,
        source_id=str(source_id),
        next_attempt_at=send_after or timezone.now(),
    )


def outbox_enqueue(
    *,
    channel: Channel,
    payload: OutboundPayload,
    idempotency_key: str,
    lane: Lane = Lane.TRANSACTIONAL,
    channel_contact: ChannelContact | None = None,
    recipient_user_id: str = "",
    recipient_phone: str = "",
    source_type: str = "",
    source_id: str = "",
    fallback: dict[str, Any] | None = None,
    send_after=None,
) -> OutboundMessage:
    """Queue one logical message. MUST run inside the caller's transaction.atomic() block, next to the business
    change that causes it. Enqueueing the same idempotency key again returns the existing row unchanged.

    One statement: INSERT ... ON CONFLICT DO NOTHING (the existing row is read only when the key was taken).

    `fallback` says how to reach the person when the channel cannot (not a follower, window closed):
    {"template_id": ..., "template_data": {...}} for a template by phone, {"sms_text": ...} for SMS.
    """
    if not connection.in_atomic_block:
        raise OutsideTransaction("outbox_enqueue must be called inside the transaction of the change that causes it.")
    message = outbox_message(
        channel=channel,
        payload=payload,
        idempotency_key=idempotency_key,
        lane=lane,
        channel_contact=channel_contact,
        recipient_user_id=recipient_user_id,
        recipient_phone=recipient_phone,
        source_type=source_type,
        source_id=source_id,
        fallback=fallback,
        send_after=send_after,
    )
    if insert_new_rows([message], key="idempotency_key"):
        return message
    # The key was taken (a replay, or another transaction a moment ago): that row is the message.
    return OutboundMessage.objects.get(idempotency_key=idempotency_key)


def outbox_enqueue_many(*, messages: list[OutboundMessage]) -> int:
    """Many unsaved rows built by the caller (inside its transaction) in one statement per thousand; existing keys
    are skipped. Returns how many were written (their primary keys are set)."""
    if not connection.in_atomic_block:
        raise OutsideTransaction("outbox_enqueue_many must be called inside the transaction that causes it.")
    return len(insert_new_rows(messages, key="idempotency_key"))


@transaction.atomic
def outbox_cancel(*, source_type: str, source_id: str, reason: str = "") -> int:
    """Cancel what has not left yet (a cancelled broadcast). Rows already being sent are left to finish."""
    return OutboundMessage.objects.filter(
        source_type=source_type, source_id=str(source_id), status=Status.QUEUED
    ).update(status=Status.CANCELLED, error_message=reason[:500], claimed_by="")


@transaction.atomic
def outbox_cancel_bulk_for(*, channel_contact: ChannelContact, reason: str = "") -> int:
    """The person unfollowed: their bulk messages that have not left yet are cancelled (replies and emergency alerts
    are left alone)."""
    return OutboundMessage.objects.filter(channel_contact=channel_contact, lane=Lane.BULK, status=Status.QUEUED).update(
        status=Status.CANCELLED, error_message=reason[:500], claimed_by=""
    )


@transaction.atomic
def outbox_retry(*, actor, message: OutboundMessage) -> OutboundMessage:
    """An official sends a dead message again, from the dead-letter list. Audited."""
    unit_path = message.channel.unit.path
    scope = scope_of(actor)
    if not (scope.can("channels.manage") and scope.narrowed("channels.manage").covers_path(unit_path)):
        raise NotPermitted()
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status not in DEAD_STATUSES:
        raise ApplicationError(_("Only failed or unreachable messages can be retried."), code="not_dead")
    if message.fallback_steps.exists():
        raise ApplicationError(_("This message was passed on to a fallback; retry the last step instead."))
    before = {"status": message.status, "attempts": message.attempts, "error_message": message.error_message}
    message.status = Status.QUEUED
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.error_kind = ""
    message.error_message = ""
    message.claimed_by = ""
    message.outcome_unknown = False
    message.save()
    audit_record(
        actor=actor,
        action="outbox.retry",
        target=message,
        unit_path=unit_path,
        before=before,
        after={"status": message.status, "attempts": 0},
    )
    return message


BEFORE_DELIVERED = (Status.QUEUED, Status.SENDING, Status.SENT)
BEFORE_SEEN = (*BEFORE_DELIVERED, Status.DELIVERED)


def outbox_receipt_apply(*, channel: Channel, event: InboundEvent) -> None:
    """A provider's delivered or seen receipt moves the messages it names forward (the inbound pipeline calls it,
    in the event's transaction). Receipts name messages by provider id, or by tracking_id for template messages sent
    by phone (our idempotency key). Status only moves forward: sent -> delivered -> seen; a late "delivered" never
    undoes "seen"."""
    match = Q(pk__in=[])
    ids = [i for i in (*event.message_ids, event.provider_message_id) if i]
    if ids:
        match |= Q(provider_message_id__in=ids)
    if event.tracking_id:
        match |= Q(idempotency_key=event.tracking_id)
    messages = OutboundMessage.objects.filter(match, channel=channel)
    at = event.occurred_at
    if event.kind == EventKind.DELIVERED:
        messages.filter(status__in=BEFORE_DELIVERED).update(status=Status.DELIVERED, delivered_at=at)
        messages.filter(delivered_at__isnull=True).update(delivered_at=at)
    elif event.kind == EventKind.SEEN:
        messages.filter(status__in=BEFORE_SEEN).update(status=Status.SEEN, seen_at=at)
        messages.filter(delivered_at__isnull=True).update(delivered_at=at)
        messages.filter(seen_at__isnull=True).update(seen_at=at)
