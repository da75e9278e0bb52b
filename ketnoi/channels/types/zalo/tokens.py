"""Zalo OA access tokens: single-flight refresh of single-use refresh tokens (reference §1.4, §8).

A refresh token works once. If two workers refreshed with the same one, the second would fail and the OA's grant
would be lost until an administrator re-consents. So a refresh happens under a lease on the Channel row: the worker
that claims it (one conditional UPDATE, atomic on PostgreSQL and SQLite alike) calls Zalo, stores the new pair
encrypted and commits, and only then uses it. A worker that finds the lease taken waits, re-reads the row, and uses
the fresh token instead of refreshing again. No database transaction is held open across the HTTP call, so an
in-process sandbox (or any other writer) sharing a SQLite file is never blocked by it.

The lease expires (LEASE) in case its holder dies; what Zalo did with a refresh token whose answer never arrived is
unknowable, and the next refresh attempt will tell.
"""

import asyncio
import datetime as dt
import logging
import threading
import time
import weakref

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import ErrorKind, SendError
from ketnoi.core.db import in_thread

from . import assumptions
from .client import ZaloApiError, ZaloClient, ZaloTransportError

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=30)
WAIT_SECONDS = 40.0
CACHE_SECONDS = 60.0

# In-process cache: channel pk -> (access token, app secret, expires_at, read at). Saves a query and a decryption
# per send; a token refreshed by another process shows up as -216 here, which re-reads the row.
_cache: dict[int, tuple[str, str, dt.datetime | None, float]] = {}
_cache_lock = threading.Lock()


def forget(channel_pk: int) -> None:
    with _cache_lock:
        _cache.pop(channel_pk, None)


def _read(channel_pk: int) -> tuple[Channel, dict]:
    row = Channel.objects.only(
        "id", "config", "secrets_encrypted", "token_expires_at", "credentials_version", "credentials_lease_until"
    ).get(pk=channel_pk)
    return row, row.secrets


def cached_credentials(channel: Channel) -> tuple[str, str] | None:
    """(access token, app secret) from the in-process cache when fresh and not about to expire; None otherwise
    (then call credentials(), which reads the database). Touches no database: safe inside an event loop."""
    with _cache_lock:
        cached = _cache.get(channel.pk)
    if not cached or time.monotonic() - cached[3] >= CACHE_SECONDS:
        return None
    token, app_secret, expires_at, _ = cached
    if expires_at is not None and expires_at - timezone.now() < assumptions.refresh_on_use_margin():
        return None
    return token, app_secret


# Reads of a channel's credentials under way in an event loop: channel pk -> the read (see credentials_async).
_reading: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, asyncio.Future]]" = (
    weakref.WeakKeyDictionary()
)


async def credentials_async(channel: Channel) -> tuple[str, str]:
    """credentials() from an event loop: from the in-process cache, else read in a thread, once for all the sends of
    the channel that find the cache empty at the same moment. (The dispatcher starts hundreds of sends at once, many
    to one OA: each read its own row and decrypted it, 3,812 reads for 10,000 sends to 200 OAs in the bench.)"""
    cached = cached_credentials(channel)
    if cached:
        return cached
    reading = _reading.setdefault(asyncio.get_running_loop(), {})
    pending = reading.get(channel.pk)
    if pending is None:
        pending = reading[channel.pk] = asyncio.ensure_future(in_thread(credentials, channel))
        pending.add_done_callback(lambda _done, pk=channel.pk: reading.pop(pk, None))
    return await asyncio.shield(pending)


def credentials(channel: Channel) -> tuple[str, str]:
    """(access token, app secret) for a call now: refreshed first if it expires within the use margin."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(channel.pk)
    if cached and now - cached[3] < CACHE_SECONDS:
        token, app_secret, expires_at, _ = cached
    else:
        row, secrets = _read(channel.pk)
        token, app_secret, expires_at = (
            secrets.get("access_token", ""),
            secrets.get("app_secret", ""),
            row.token_expires_at,
        )
        with _cache_lock:
            _cache[channel.pk] = (token, app_secret, expires_at, now)
    if expires_at is not None and expires_at - timezone.now() < assumptions.refresh_on_use_margin():
        token = refresh(channel, stale_token=token)
    return token, app_secret


def refresh(channel: Channel, *, stale_token: str) -> str:
    """A fresh access token: the one another worker just stored, or one this worker obtains under the lease.

    `stale_token` is the token the caller found wanting; if the row already holds another, that one is returned.
    Raises SendError(CREDENTIALS_EXPIRED) when Zalo refuses the refresh (an administrator must re-consent), or
    SendError(RETRYABLE) when Zalo could not be reached or another worker's refresh takes too long.
    """
    if connection.in_atomic_block:
        logger.warning("Zalo token refresh inside a transaction: the new pair is committed only with it.")
    forget(channel.pk)
    deadline = time.monotonic() + WAIT_SECONDS
    pause = 0.02
    while True:
        row, secrets = _read(channel.pk)
        current = secrets.get("access_token", "")
        if current and current != stale_token:
            return current
        now = timezone.now()
        lease_until = now + LEASE
        claimed = (
            Channel.objects.filter(pk=channel.pk, credentials_version=row.credentials_version)
            .filter(Q(credentials_lease_until__isnull=True) | Q(credentials_lease_until__lt=now))
            .update(credentials_lease_until=lease_until)
        )
        if claimed:
            break
        if time.monotonic() > deadline:
            raise SendError(ErrorKind.RETRYABLE, "Another worker is refreshing this channel's Zalo token.")
        time.sleep(pause)
        pause = min(pause * 1.5, 0.25)

    app_id = str(row.config.get("app_id", ""))
    try:
        answer = ZaloClient().token_from_refresh(
            app_id=app_id, app_secret=secrets.get("app_secret", ""), refresh_token=secrets.get("refresh_token", "")
        )
    except (ZaloApiError, ZaloTransportError) as exc:
        transient = isinstance(exc, ZaloTransportError)
        message = "Zalo token refresh failed" + (": Zalo unreachable" if transient else f" ({exc}); re-consent needed")
        Channel.objects.filter(pk=channel.pk).update(
            credentials_lease_until=None, last_error=message[:255], last_error_at=timezone.now()
        )
        logger.error("Channel %s: %s", channel.pk, message)
        kind = ErrorKind.RETRYABLE if transient else ErrorKind.CREDENTIALS_EXPIRED
        code = "" if transient else str(getattr(exc, "code", ""))
        raise SendError(kind, message, provider_code=code) from exc
    store_pair(
        channel_pk=channel.pk,
        access_token=answer["access_token"],
        refresh_token=answer["refresh_token"],
        expires_in=answer["expires_in"],
    )
    logger.info("Channel %s: Zalo access token refreshed.", channel.pk)
    return answer["access_token"]


@transaction.atomic
def store_pair(*, channel_pk: int, access_token: str, refresh_token: str, expires_in: int) -> None:
    """Store a new token pair (encrypted), bump the credentials generation and release the lease, in one commit."""
    locked = Channel.objects.select_for_update().only("id", "secrets_encrypted").get(pk=channel_pk)
    secrets = locked.secrets
    secrets.update(access_token=access_token, refresh_token=refresh_token)
    locked.set_secrets(secrets)
    Channel.objects.filter(pk=channel_pk).update(
        secrets_encrypted=locked.secrets_encrypted,
        token_expires_at=timezone.now() + dt.timedelta(seconds=expires_in),
        credentials_version=F("credentials_version") + 1,
        credentials_lease_until=None,
        last_error="",
        last_error_at=None,
    )
    forget(channel_pk)


def refresh_expiring_tokens(*, now: dt.datetime | None = None) -> dict[str, int]:
    """For the scheduler: refresh every active Zalo channel whose token expires within the refresh-ahead period."""
    now = now or timezone.now()
    due = Channel.objects.filter(
        type_code="zalo", is_active=True, token_expires_at__lt=now + assumptions.refresh_ahead()
    ).values_list("pk", flat=True)
    counts = {"refreshed": 0, "failed": 0}
    for pk in due:
        channel = Channel.objects.get(pk=pk)
        try:
            refresh(channel, stale_token=channel.secrets.get("access_token", ""))
        except SendError:
            counts["failed"] += 1
        else:
            counts["refreshed"] += 1
    return counts
