"""Active channels by webhook address, kept in each web process for a few seconds (CHANNEL_CACHE_SECONDS).

The intake answers most webhooks without reading the channel row or decrypting its credentials again. A change
saved in this process forgets the entry at once (post_save/post_delete); a change made by another process shows
within the TTL, and sooner where it matters: a request that fails verification against a cached channel is
verified once more against a fresh read (rotated OA secret key), see views.receive. Unknown addresses are never
cached, so random URLs cannot fill the memory.
"""

import threading
import time
from uuid import UUID

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Channel

_entries: dict[tuple[str, UUID], tuple[float, Channel]] = {}
_lock = threading.Lock()


def ttl_seconds() -> float:
    return float(getattr(settings, "CHANNEL_CACHE_SECONDS", 30))


def active_channel(type_code: str, uuid: UUID, *, fresh: bool = False) -> Channel | None:
    """The active channel at /c/<type_code>/<uuid>/, from the cache unless it is older than the TTL or fresh."""
    key = (type_code, uuid)
    now = time.monotonic()
    if not fresh:
        entry = _entries.get(key)
        if entry is not None and now - entry[0] < ttl_seconds():
            return entry[1]
    channel = Channel.objects.filter(uuid=uuid, type_code=type_code, is_active=True).order_by().first()
    with _lock:
        if channel is None:
            _entries.pop(key, None)
        elif ttl_seconds() > 0:
            channel.secrets  # noqa: B018 - decrypt once here, not on every request
            _entries[key] = (now, channel)
    return channel


_by_pk: dict[int, tuple[float, Channel]] = {}


def channels_by_pk(wanted: dict[int, UUID]) -> dict[int, Channel]:
    """Channels by primary key (and the uuid the caller read with it, so a reused key is never the wrong channel)
    for writing messages (what type, which OA, its config): from the per-process cache, one query for those not in
    it. Active or not: callers filter on that in their own query."""
    now = time.monotonic()
    found, missing = {}, set()
    for pk, uuid in wanted.items():
        entry = _by_pk.get(pk)
        if entry is not None and now - entry[0] < ttl_seconds() and entry[1].uuid == uuid:
            found[pk] = entry[1]
        else:
            missing.add(pk)
    if missing:
        fresh = {c.pk: c for c in Channel.objects.filter(pk__in=missing).select_related("unit")}
        found.update(fresh)
        if ttl_seconds() > 0:
            with _lock:
                _by_pk.update({pk: (now, channel) for pk, channel in fresh.items()})
    return found


def forget(uuid: UUID | None = None) -> None:
    """Drop one channel (or all) from this process's cache."""
    with _lock:
        if uuid is None:
            _entries.clear()
            _by_pk.clear()
        else:
            for key in [k for k in _entries if k[1] == uuid]:
                del _entries[key]
            for pk in [pk for pk, (_at, c) in _by_pk.items() if c.uuid == uuid]:
                del _by_pk[pk]


@receiver(post_save, sender=Channel, dispatch_uid="channels.cache.forget_saved")
@receiver(post_delete, sender=Channel, dispatch_uid="channels.cache.forget_deleted")
def _forget_changed(sender, instance: Channel, **kwargs) -> None:
    forget(instance.uuid)
