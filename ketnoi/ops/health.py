"""/healthz says the process answers; /readyz says whether the installation is doing its work: the database and
the shared cache answer, the scheduler beats, webhook events are handled in time and no outbox lane has a backlog
past its threshold (settings READY_*). Each check is one small indexed query, so a probe every few seconds costs
nothing. Queue depths are read from the tables themselves, whatever process claims them."""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from ketnoi.channels.models import ChannelEvent
from ketnoi.outbox.models import JobLock, Lane, OutboundMessage, Status
from ketnoi.outbox.scheduler import HEARTBEAT_JOB

LANE_NAMES = {Lane.EMERGENCY: "emergency", Lane.TRANSACTIONAL: "transactional", Lane.BULK: "bulk"}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check("database", False, type(exc).__name__)
    return Check("database", True, connection.vendor)


def check_cache() -> Check:
    key, value = "ketnoi:readyz", uuid.uuid4().hex
    try:
        cache.set(key, value, timeout=30)
        ok = cache.get(key) == value
    except Exception as exc:
        return Check("cache", False, type(exc).__name__)
    return Check("cache", ok, settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1])


def scheduler_heartbeat_age() -> float | None:
    """Seconds since the scheduler last beat, or None if it never has."""
    beat = JobLock.objects.filter(name=HEARTBEAT_JOB).values_list("last_finished_at", flat=True).first()
    return (timezone.now() - beat).total_seconds() if beat else None


def check_scheduler() -> Check:
    age, limit = scheduler_heartbeat_age(), settings.READY_SCHEDULER_MAX_AGE_SECONDS
    if age is None:
        return Check("scheduler", False, "no heartbeat yet: is run_scheduler running?")
    return Check("scheduler", age <= limit, f"last beat {age:.0f} s ago (limit {limit} s)")


def inbound_lag() -> tuple[float, int]:
    """Age in seconds of the oldest webhook event still pending (0 when none), and how many are pending."""
    pending = ChannelEvent.objects.filter(status=ChannelEvent.Status.PENDING)
    oldest = pending.order_by("id").values_list("received_at", flat=True).first()
    if oldest is None:
        return 0.0, 0
    return max((timezone.now() - oldest).total_seconds(), 0.0), pending.count()


def check_inbound() -> Check:
    lag, pending = inbound_lag()
    limit = settings.READY_INBOUND_LAG_SECONDS
    return Check("inbound", lag <= limit, f"{pending} pending, oldest {lag:.0f} s (limit {limit} s)")


def due_backlog(lane: int, *, cap: int) -> int:
    """Queued messages of a lane already due, counted up to `cap` (an index range scan that stops there)."""
    due = OutboundMessage.objects.filter(status=Status.QUEUED, lane=lane, next_attempt_at__lte=timezone.now())
    return due.values("pk")[:cap].count()


def check_outbox() -> list[Check]:
    checks = []
    for lane, name in LANE_NAMES.items():
        limit = settings.READY_OUTBOX_BACKLOG.get(name, 0)
        if limit <= 0:
            continue
        backlog = due_backlog(lane, cap=limit + 1)
        shown = f"more than {limit}" if backlog > limit else str(backlog)
        checks.append(Check(f"outbox_{name}", backlog <= limit, f"{shown} due (limit {limit})"))
    return checks


def readiness() -> list[Check]:
    database = check_database()
    if not database.ok:  # the other checks read the database
        return [database, check_cache()]
    return [database, check_cache(), check_scheduler(), check_inbound(), *check_outbox()]
