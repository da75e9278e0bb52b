"""Reads of channels, scoped to the acting official (channels belong to units)."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from .models import Channel, ChannelEvent


def channel_list(*, official, type_code: str = "") -> QuerySet[Channel]:
    scope = scope_of(official)
    if not scope.can("channels.view"):
        return Channel.objects.none()
    channels = scope.narrowed("channels.view").filter(Channel.objects.all(), "unit__path")
    if type_code:
        channels = channels.filter(type_code=type_code)
    return channels.select_related("unit")


def channel_get(*, official, uuid: UUID) -> Channel:
    return get_object_or_404(channel_list(official=official), uuid=uuid)


def units_for_new_channel(*, official) -> QuerySet[AdministrativeUnit]:
    """Units where the official may connect a channel."""
    units = scope_of(official).narrowed("channels.manage").filter(AdministrativeUnit.objects.all(), "path")
    return units.filter(valid_to__isnull=True).order_by("path")


@dataclass(frozen=True)
class ChannelHealth:
    token_expires_at: datetime | None
    last_event_at: datetime | None
    failed_events: int
    unparseable_events: int
    pending_events: int
    last_error: str
    last_error_at: datetime | None


def channel_health(channels: list[Channel]) -> dict[int, ChannelHealth]:
    """What an administrator checks first: credentials, the last webhook, and events that went wrong."""
    ids = [c.pk for c in channels]
    stats = {
        row["channel_id"]: row
        for row in ChannelEvent.objects.filter(channel_id__in=ids)
        .values("channel_id")
        .annotate(
            last=Max("received_at"),
            failed=Count("pk", filter=Q(status=ChannelEvent.Status.FAILED)),
            unparseable=Count("pk", filter=Q(status=ChannelEvent.Status.UNPARSEABLE)),
            pending=Count("pk", filter=Q(status=ChannelEvent.Status.PENDING)),
        )
    }
    health = {}
    for channel in channels:
        row = stats.get(channel.pk, {})
        health[channel.pk] = ChannelHealth(
            token_expires_at=channel.token_expires_at,
            last_event_at=row.get("last"),
            failed_events=row.get("failed", 0),
            unparseable_events=row.get("unparseable", 0),
            pending_events=row.get("pending", 0),
            last_error=channel.last_error,
            last_error_at=channel.last_error_at,
        )
    return health


def channel_events(*, channel: Channel, limit: int = 50) -> QuerySet[ChannelEvent]:
    """The latest events of a channel the caller already fetched through channel_get."""
    return ChannelEvent.objects.filter(channel=channel).order_by("-received_at", "-id")[:limit]
