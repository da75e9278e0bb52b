"""Reads of the notifications API: the API key's own service, and the console through the official's scope."""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth

from ketnoi.orgs.scoping import scope_of

from .models import ApiKey, Callback, CallbackStatus, KeyKind, Notification, SendingService

CAPABILITY = "notify.manage"


def notifications_of(*, api_key: ApiKey, status: str = "", reference: str = "") -> QuerySet:
    """What a key may read: its service's notifications, test ones for test keys and the real ones for the others."""
    rows = Notification.objects.filter(service_id=api_key.service_id).select_related("template_version__template")
    rows = rows.filter(key_kind=KeyKind.TEST) if api_key.kind == KeyKind.TEST else rows.exclude(key_kind=KeyKind.TEST)
    if status:
        rows = rows.filter(status=status)
    if reference:
        rows = rows.filter(reference=reference)
    return rows


def services_for(official) -> QuerySet:
    scope = scope_of(official).narrowed(CAPABILITY)
    return scope.filter(SendingService.objects.select_related("agency", "unit", "sms_channel"), "unit__path",
                        "agency_id")  # fmt: skip


def service_for(official, uuid) -> SendingService:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(services_for(official), uuid=uuid)


def dead_callbacks(service: SendingService) -> QuerySet:
    return service.callbacks.filter(status=CallbackStatus.DEAD).order_by("-id")


def recent_notifications(service: SendingService, limit: int = 50) -> list[Notification]:
    return list(service.notifications.select_related("template_version__template").order_by("-id")[:limit])


def usage_rows(services, *, since: dt.date | None = None) -> list[dict]:
    """Per service and month: messages by channel and their cost (test keys left out). One grouped query."""
    rows = Notification.objects.filter(service__in=services).exclude(key_kind=KeyKind.TEST)
    if since:
        rows = rows.filter(created_at__date__gte=since)
    grouped = (
        rows.annotate(month=TruncMonth("created_at"))
        .values("service__name", "service_id", "month", "via")
        .annotate(count=Count("id"), cost=Sum("cost"))
        .order_by("service__name", "month", "via")
    )
    table: dict[tuple, dict] = defaultdict(lambda: {"zalo": 0, "zbs": 0, "sms": 0, "pending": 0, "cost": 0})
    for row in grouped:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        entry = table[(row["service__name"], month)]
        entry[row["via"] or "pending"] += row["count"]
        entry["cost"] += row["cost"] or 0
    return [
        {"service": name, "month": month.strftime("%m/%Y"), **values,
         "total": values["zalo"] + values["zbs"] + values["sms"] + values["pending"]}
        for (name, month), values in sorted(table.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]  # fmt: skip


def dead_letter_count(services) -> int:
    return Callback.objects.filter(service__in=services, status=CallbackStatus.DEAD).count()


def usage_for_report(*, unit_path: str, start: dt.date, end: dt.date) -> list[list]:
    """The reports' messaging indicators: per sending service of the unit's subtree, the period's messages by the
    way they reached the person and their cost (test keys left out). One grouped query on (service, created_at)."""
    rows = (
        Notification.objects.filter(service__unit__path__startswith=unit_path, created_at__date__gte=start,
                                    created_at__date__lte=end)
        .exclude(key_kind=KeyKind.TEST)
        .values("service__name", "via")
        .annotate(count=Count("id"), cost=Sum("cost"))
        .order_by("service__name")
    )  # fmt: skip
    table: dict[str, dict] = defaultdict(lambda: {"zalo": 0, "zbs": 0, "sms": 0, "pending": 0, "cost": 0})
    for row in rows:
        entry = table[row["service__name"]]
        entry[row["via"] or "pending"] += row["count"]
        entry["cost"] += row["cost"] or 0
    return [[name, v["zalo"], v["zbs"], v["sms"], v["pending"], v["zalo"] + v["zbs"] + v["sms"] + v["pending"],
             v["cost"]] for name, v in sorted(table.items())]  # fmt: skip
