"""A notification's status follows its outbox rows: the first step and the fallback steps written after it.

The last step says where it stands: queued and never tried is "created"; being tried, or taken by Zalo and
waiting for a receipt, is "sending"; an SMS the gateway took is "sent" (no receipt comes back); the sandbox's or
Zalo's delivered/seen receipts make it "delivered"/"seen"; a chain that ran out is "failed" with the reason.
Statuses only move forward. Each change is written once and told to the service's callback URL.

Two paths bring it here: receipt_track (the inbound pipeline calls it right after the outbox's own receipt step, in the webhook's transaction) and the
job notify.track, which looks at notifications still created or sending (what the dispatcher decided).
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketnoi.channels.types.base import InboundEvent
from ketnoi.outbox.models import OutboundMessage, Status

from .callbacks import callback_for
from .delivery import chain_of
from .models import RANK, Notification, NotificationStatus, Via

S = NotificationStatus


def _via(row: OutboundMessage) -> str:
    if row.channel.type_code == "sms":
        return Via.SMS
    return Via.ZBS if row.kind == "template" else Via.CONSULTATION


def status_of(chain: list[OutboundMessage]) -> tuple[str, str, str]:
    """(status, via, failure reason) of a chain of outbox rows."""
    last = chain[-1]
    via = _via(last)
    if last.status == Status.QUEUED:
        untried = len(chain) == 1 and last.attempts == 0
        return (S.CREATED if untried else S.SENDING), via, ""
    if last.status == Status.SENDING:
        return S.SENDING, via, ""
    if last.status == Status.SENT:
        return (S.SENT if via == Via.SMS else S.SENDING), via, ""
    if last.status == Status.DELIVERED:
        return S.DELIVERED, via, ""
    if last.status == Status.SEEN:
        return S.SEEN, via, ""
    if last.status == Status.CANCELLED:
        return S.FAILED, via, last.error_message or "Cancelled."
    return S.FAILED, via, last.error_message or "Could not be sent."


def refresh(notifications: list[Notification]) -> int:
    """Bring these notifications up to their outbox rows; returns how many changed (each with a callback)."""
    chains = chain_of(notifications)
    changed = 0
    for notification in notifications:
        chain = chains.get(str(notification.uuid))
        if not chain:
            continue
        status, via, reason = status_of(chain)
        forward = RANK[status] > RANK[notification.status] or (
            status == S.FAILED and notification.status not in (S.FAILED, S.SEEN)
        )
        cost = sum(row.cost for row in chain)
        if not forward and cost == notification.cost:
            continue
        last = chain[-1]
        values = {"cost": cost, "updated_at": timezone.now()}
        if forward:
            values.update(status=status, via=via, channel_id=last.channel_id, failure_reason=reason[:500],
                          sent_at=last.sent_at, delivered_at=last.delivered_at, seen_at=last.seen_at)  # fmt: skip
        with transaction.atomic():
            # Guarded by the status read: two trackers never both tell the same change.
            written = Notification.objects.filter(pk=notification.pk, status=notification.status).update(**values)
            if written:
                for name, value in values.items():
                    setattr(notification, name, value)
                if forward:
                    changed += 1
                    callback_for(notification)
    return changed


def receipt_track(channel, event: InboundEvent) -> None:
    """The inbound pipeline calls it after outbox_receipt_apply: the notifications of the rows that just moved."""
    ids = [i for i in (*event.message_ids, event.provider_message_id) if i]
    match = Q(provider_message_id__in=ids) if ids else Q(pk__in=[])
    if event.tracking_id:
        match |= Q(idempotency_key=event.tracking_id)
    uuids = list(
        OutboundMessage.objects.filter(match, channel=channel, source_type="notify").values_list("source_id", flat=True)
    )
    if uuids:
        refresh(list(Notification.objects.filter(uuid__in=uuids).select_related("service")))


def track_unfinished(limit: int = 2000) -> int:
    """The job notify.track: notifications still created or sending, oldest first, a batch at a time."""
    changed, after = 0, 0
    while True:
        batch = list(
            Notification.objects.filter(status__in=(S.CREATED, S.SENDING), pk__gt=after, message__isnull=False)
            .select_related("service")
            .order_by("pk")[:limit]
        )
        if not batch:
            return changed
        changed += refresh(batch)
        after = batch[-1].pk
        if len(batch) < limit:
            return changed
