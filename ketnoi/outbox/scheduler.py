"""Periodic jobs (APScheduler), listed in settings.SCHEDULED_JOBS as dotted paths so the outbox imports no
provider code. Each run takes a database lock-or-skip, so two schedulers never run the same job at once.

SCHEDULED_JOBS entries: {"name": ..., "func": "dotted.path", "seconds": 60} or {"cron": {"hour": 2}} instead of
seconds; "optional": True skips an entry whose code is not installed (e.g. a provider's token refresher).
"""

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from ketnoi.core.db import retry_on_connection_loss

from .models import JobLock

log = logging.getLogger(__name__)


def _holder() -> str:
    return f"{socket.gethostname()[:50]}:{os.getpid()}"


# Jobs whose lock this process could not release (the database went away): it takes them back next time.
_left_locked: set[str] = set()


def job_lock_acquire(name: str, *, ttl_seconds: float, holder: str) -> bool:
    """Atomically take the lock unless someone else holds an unexpired one. A lock this process left behind because
    its release was lost to a database restart is taken back (APScheduler never runs one job twice at once)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            JobLock.objects.get_or_create(name=name)
    except IntegrityError:
        pass
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    if name in _left_locked:
        free |= Q(holder=holder)
    taken = JobLock.objects.filter(free, name=name).update(
        holder=holder, locked_until=now + timedelta(seconds=ttl_seconds), last_started_at=now
    )
    _left_locked.discard(name)
    return taken == 1


def job_lock_release(name: str, *, holder: str) -> None:
    JobLock.objects.filter(name=name, holder=holder).update(locked_until=None, last_finished_at=timezone.now())


def run_locked(name: str, func: Callable[[], Any], *, ttl_seconds: float = 600) -> bool:
    """Run `func` unless another scheduler is running the same job. Returns whether it ran.

    A database restart in the middle costs this run only: the connection is replaced before the next one, and the
    lock is released across the reconnection (else the job would wait out its lock's time to live)."""
    close_old_connections()
    holder = _holder()
    if not retry_on_connection_loss(
        lambda: job_lock_acquire(name, ttl_seconds=ttl_seconds, holder=holder), what=f"locking job {name}"
    ):
        log.info("Scheduled job %s is running elsewhere; skipped.", name)
        return False
    try:
        func()
    except Exception:
        log.exception("Scheduled job %s failed.", name)
    finally:
        try:
            retry_on_connection_loss(lambda: job_lock_release(name, holder=holder), what=f"unlocking job {name}")
        except Exception:
            _left_locked.add(name)
            log.exception("Scheduled job %s: could not release its lock; this scheduler takes it back next time.", name)
        close_old_connections()
    return True


def configured_jobs() -> list[dict[str, Any]]:
    """The SCHEDULED_JOBS entries whose code can be imported, each with its callable under "callable"."""
    jobs = []
    for entry in getattr(settings, "SCHEDULED_JOBS", []):
        try:
            func = import_string(entry["func"])
        except ImportError:
            if entry.get("optional"):
                log.info("Scheduled job %s: %s is not installed; skipped.", entry["name"], entry["func"])
                continue
            raise
        jobs.append({**entry, "callable": func})
    return jobs


def build_scheduler(scheduler_class=None):
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = (scheduler_class or BlockingScheduler)(timezone=settings.TIME_ZONE)
    for job in configured_jobs():
        trigger, args = ("cron", job["cron"]) if "cron" in job else ("interval", {"seconds": job["seconds"]})
        scheduler.add_job(
            run_locked,
            trigger,
            args=[job["name"], job["callable"]],
            kwargs={"ttl_seconds": job.get("lock_seconds", 600)},
            id=job["name"],
            name=job["name"],
            max_instances=1,
            coalesce=True,
            misfire_grace_time=30,
            **args,
        )
    return scheduler


def sweep_job() -> None:
    from .sweeper import sweep_stuck

    if swept := sweep_stuck():
        log.warning("Re-queued %d outbox messages left in sending by a stopped dispatcher.", swept)


HEARTBEAT_JOB = "scheduler.heartbeat"


def heartbeat_job() -> None:
    """Does nothing: run_locked records when it finished (JobLock.last_finished_at), which is the scheduler's
    heartbeat that /readyz reads. A scheduler that stopped, or hangs, stops beating."""
