"""Reads of the outbox for the console. Each takes the acting official and scopes through the channel's unit."""

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import Contact, InboundMessage
from ketnoi.orgs.scoping import scope_of

from .models import DEAD_STATUSES, Lane, OutboundMessage, Status


def _scoped(official, capability: str = "channels.view") -> QuerySet[OutboundMessage]:
    scope = scope_of(official).narrowed(capability)
    return scope.filter(OutboundMessage.objects.all(), "channel__unit__path")


@dataclass
class ChannelStats:
    queued_by_lane: dict[str, int] = field(default_factory=dict)  # lane name (emergency...) -> queued or sending
    failed_24h: int = 0
    sent_24h: int = 0
    quota_used_last_minute: int = 0  # sends in the last 60 s by every channel sharing this channel's quota
    quota_per_minute: int = 0

    @property
    def queued(self) -> int:
        return sum(self.queued_by_lane.values())

    @property
    def failed(self) -> int:
        """Failed or unreachable in the last 24 hours (the channels page shows this one)."""
        return self.failed_24h


def channel_stats(*, official, channels) -> dict[int, ChannelStats]:
    """Queue depth by lane, failures and sends in the last 24 h, and quota use in the last minute, per channel."""
    scope = scope_of(official).narrowed("channels.view")
    channels = [c for c in channels if scope.covers_path(c.unit.path)]
    if not channels:
        return {}
    ids = [c.pk for c in channels]
    now = timezone.now()
    stats = {
        c.pk: ChannelStats(queued_by_lane={lane.name.lower(): 0 for lane in Lane}, quota_per_minute=c.quota_per_minute)
        for c in channels
    }
    labels = {lane.value: lane.name.lower() for lane in Lane}
    queued = (
        OutboundMessage.objects.filter(channel_id__in=ids, status__in=(Status.QUEUED, Status.SENDING))
        .values_list("channel_id", "lane")
        .annotate(n=Count("id"))
    )
    for channel_id, lane, n in queued:
        stats[channel_id].queued_by_lane[labels[lane]] = n
    day = OutboundMessage.objects.filter(channel_id__in=ids, created_at__gte=now - timedelta(hours=24))
    counts = day.values_list("channel_id").annotate(
        failed=Count("id", filter=Q(status__in=DEAD_STATUSES)),
        sent=Count("id", filter=Q(status__in=(Status.SENT, Status.DELIVERED, Status.SEEN))),
    )
    for channel_id, failed, sent in counts:
        stats[channel_id].failed_24h, stats[channel_id].sent_24h = failed, sent
    keys = {c.pk: c.quota_key for c in channels}
    sharing = Channel.objects.filter(
        Q(pk__in=ids) | Q(quota_group__in=[c.quota_group for c in channels if c.quota_group])
    )
    key_of = {c.pk: c.quota_key for c in sharing}
    recent = (
        OutboundMessage.objects.filter(channel_id__in=list(key_of), claimed_at__gte=now - timedelta(seconds=60))
        .exclude(status=Status.QUEUED)
        .values_list("channel_id")
        .annotate(n=Count("id"))
    )
    per_key: dict[str, int] = {}
    for channel_id, n in recent:
        per_key[key_of[channel_id]] = per_key.get(key_of[channel_id], 0) + n
    for pk, key in keys.items():
        stats[pk].quota_used_last_minute = per_key.get(key, 0)
    return stats


def dead_letter_list(*, official, query: str = "") -> QuerySet[OutboundMessage]:
    """Failed and unreachable messages that nothing else will try: no fallback step took them over."""
    messages = _scoped(official).filter(status__in=DEAD_STATUSES, fallback_steps__isnull=True)
    if query:
        messages = messages.filter(
            Q(error_message__icontains=query) | Q(source_id=query) | Q(idempotency_key__icontains=query)
        )
    return messages.select_related("channel__unit", "channel_contact__contact").order_by("-created_at", "-id")


def message_get(*, official, uuid: UUID, capability: str = "channels.view") -> OutboundMessage:
    return get_object_or_404(_scoped(official, capability).select_related("channel__unit"), uuid=uuid)


def contact_get(*, official, uuid: UUID) -> Contact:
    """A contact is visible when one of its channel identities belongs to a channel in the official's scope."""
    scope = scope_of(official).narrowed("channels.view")
    contacts = Contact.objects.filter(scope.q("channel_contacts__channel__unit__path")).distinct()
    return get_object_or_404(contacts, uuid=uuid)


@dataclass(frozen=True)
class LogEntry:
    at: object
    direction: str  # "in" or "out"
    channel: Channel
    kind: str
    text: str
    status: str = ""  # outbound: queued / sent / delivered / seen / failed ...
    detail: str = ""  # outbound: the readable failure, fallback step
    message: OutboundMessage | None = None


def contact_message_log(*, official, contact: Contact, limit: int = 200) -> list[LogEntry]:
    """Messages in and out with one person, newest first, on the channels the official may see."""
    scope = scope_of(official).narrowed("channels.view")
    mine = Q(channel_contact__contact=contact) | Q(fallback_of__channel_contact__contact=contact)
    mine |= Q(fallback_of__fallback_of__channel_contact__contact=contact)
    outbound = _scoped(official).filter(mine).select_related("channel").order_by("-created_at", "-id")[:limit]
    entries = [
        LogEntry(
            at=m.created_at,
            direction="out",
            channel=m.channel,
            kind=m.kind if not m.fallback_step else f"{m.kind} ({m.get_fallback_step_display()})",
            text=m.payload.get("text") or m.payload.get("template_id", ""),
            status=m.status,
            detail=m.error_message,
            message=m,
        )
        for m in outbound
    ]
    inbound = scope.filter(
        InboundMessage.objects.filter(channel_contact__contact=contact), "channel__unit__path"
    ).select_related("channel")
    entries += [
        LogEntry(at=m.received_at, direction="in", channel=m.channel, kind=m.kind, text=m.text)
        for m in inbound.order_by("-received_at", "-id")[:limit]
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
