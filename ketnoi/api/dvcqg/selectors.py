"""What the console reads about DVCQG clients, always through the acting official's scope (the client's unit)."""

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ketnoi.orgs.scoping import scope_of

from .models import DvcqgClient, DvcqgRequest, RelayItem, RelayStatus

BACKLOG = (RelayStatus.PENDING, RelayStatus.SENDING)


def _scope(official, capability: str):
    return scope_of(official).narrowed(capability)


def client_list(*, official, capability: str = "dvcqg.view") -> QuerySet[DvcqgClient]:
    since = timezone.now() - dt.timedelta(hours=24)
    clients = _scope(official, capability).filter(DvcqgClient.objects.all(), "api_client__unit__path")
    return (
        clients.select_related("api_client__unit", "receiving_agency")
        .annotate(
            requests_24h=Count("requests", filter=Q(requests__received_at__gte=since), distinct=True),
            errors_24h=Count(
                "requests",
                filter=Q(requests__received_at__gte=since) & ~Q(requests__error_code__in=["0", "00"]),
                distinct=True,
            ),
            backlog=Count("relay_items", filter=Q(relay_items__status__in=BACKLOG), distinct=True),
            dead=Count("relay_items", filter=Q(relay_items__status=RelayStatus.DEAD), distinct=True),
        )
        .order_by("api_client__unit__path", "api_client__name")
    )


def client_get(*, official, uuid: UUID, capability: str = "dvcqg.view") -> DvcqgClient:
    return get_object_or_404(client_list(official=official, capability=capability), uuid=uuid)


@dataclass
class Traffic:
    requests: list
    errors: list
    backlog: int
    dead: int
    oldest_waiting: dt.datetime | None


def client_traffic(*, client: DvcqgClient, limit: int = 50) -> Traffic:
    """The client's latest calls, its latest errors, and its relay queue (the client was fetched in scope)."""
    requests = DvcqgRequest.objects.filter(client=client).select_related("relay").order_by("-received_at", "-id")
    waiting = RelayItem.objects.filter(client=client, status__in=BACKLOG)
    return Traffic(
        requests=list(requests[:limit]),
        errors=list(requests.exclude(error_code__in=["0", "00"])[:20]),
        backlog=waiting.count(),
        dead=RelayItem.objects.filter(client=client, status=RelayStatus.DEAD).count(),
        oldest_waiting=waiting.aggregate(oldest=Min("created_at"))["oldest"],
    )


def request_get(*, official, uuid: UUID) -> DvcqgRequest:
    scope = _scope(official, "dvcqg.view")
    requests = scope.filter(DvcqgRequest.objects.all(), "client__api_client__unit__path")
    return get_object_or_404(requests.select_related("client__api_client__unit"), uuid=uuid)


def relay_dead_list(*, official) -> QuerySet[RelayItem]:
    scope = _scope(official, "dvcqg.view")
    items = scope.filter(RelayItem.objects.filter(status=RelayStatus.DEAD), "client__api_client__unit__path")
    return items.select_related("client__api_client__unit", "request").order_by("-created_at", "-id")


def relay_item_get(*, official, uuid: UUID, capability: str = "dvcqg.manage") -> RelayItem:
    scope = _scope(official, capability)
    items = scope.filter(RelayItem.objects.all(), "client__api_client__unit__path")
    return get_object_or_404(items.select_related("client__api_client__unit"), uuid=uuid)
