"""API keys of sending services: `Authorization: Bearer kn_notify_<kind>_...`, checked by hash.

Kept in each process for NOTIFY_KEY_CACHE_SECONDS (30) like the integration API's tokens; a key revoked in this
process is forgotten at once, one revoked elsewhere stops working within the TTL. `last_used_at` is written at
most once a minute per key and process."""

import datetime as dt
import threading
import time

from ninja.security import HttpBearer

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone, translation

from .models import ApiKey, SendingService, Template, hash_key

LAST_USED_EVERY = dt.timedelta(seconds=60)

_keys: dict[str, tuple[float, ApiKey]] = {}
_lock = threading.Lock()


def _ttl() -> float:
    return float(getattr(settings, "NOTIFY_KEY_CACHE_SECONDS", 30))


def key_for(secret: str) -> ApiKey | None:
    digest = hash_key(secret)
    now = time.monotonic()
    entry = _keys.get(digest)
    if entry is not None and now - entry[0] < _ttl():
        key = entry[1]
    else:
        key = (
            ApiKey.objects.select_related("service__unit", "service__sms_channel")
            .filter(key_hash=digest, revoked_at__isnull=True, service__is_active=True)
            .first()
        )
        with _lock:
            if key is None or _ttl() <= 0:
                _keys.pop(digest, None)
            else:
                _keys[digest] = (now, key)
    if key is not None:
        moment = timezone.now()
        if key.last_used_at is None or moment - key.last_used_at >= LAST_USED_EVERY:
            key.last_used_at = moment
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=moment)
    return key


@receiver(post_save, sender=ApiKey, dispatch_uid="notify.auth.forget_saved")
def _forget(sender, instance: ApiKey, **kwargs) -> None:
    with _lock:
        for digest in [d for d, (_at, k) in _keys.items() if k.pk == instance.pk]:
            del _keys[digest]


@receiver(post_save, sender=SendingService, dispatch_uid="notify.auth.forget_service")
@receiver(post_save, sender=Template, dispatch_uid="notify.auth.forget_template")
def _forget_service(sender, instance, **kwargs) -> None:
    forget_all()  # a service's members, OAs, limit and templates in force are read through its cached keys


def forget_all() -> None:
    with _lock:
        _keys.clear()


class NotifyKeyAuth(HttpBearer):
    """The notifications endpoints' key; answers in English like the rest of the API."""

    def authenticate(self, request, token: str) -> ApiKey | None:
        translation.activate("en")
        return key_for(token)
