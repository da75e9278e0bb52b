"""Zalo's OA API rate limit: requests per app in a rolling 60 seconds (default 4,000; -32 beyond).

Counted per second in the database, so every web process of the sandbox shares one count; the app row is locked
while counting so concurrent requests cannot overshoot."""

import random
import time

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from .conf import sandbox_setting
from .models import RequestCount, SandboxApp

WINDOW_SECONDS = 60


def limit_of(app: SandboxApp) -> int:
    return app.rate_limit_per_minute or sandbox_setting("RATE_LIMIT_PER_MINUTE")


def used(app: SandboxApp, now: int | None = None) -> int:
    now = int(time.time()) if now is None else now
    total = RequestCount.objects.filter(app=app, second__gt=now - WINDOW_SECONDS).aggregate(n=Sum("count"))["n"]
    return total or 0


@transaction.atomic
def hit(app: SandboxApp) -> tuple[bool, int, int]:
    """Count one request. Returns (allowed, limit, remaining)."""
    SandboxApp.objects.select_for_update().filter(pk=app.pk).values_list("pk").first()
    now = int(time.time())
    limit = limit_of(app)
    count = used(app, now)
    if count >= limit:
        return False, limit, 0
    if not RequestCount.objects.filter(app=app, second=now).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RequestCount.objects.create(app=app, second=now, count=1)
        except IntegrityError:
            RequestCount.objects.filter(app=app, second=now).update(count=F("count") + 1)
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        RequestCount.objects.filter(app=app, second__lte=now - 2 * WINDOW_SECONDS).delete()
    return True, limit, limit - count - 1
