"""Bearer tokens of the integration API, checked without a database round trip on most requests.

A one-stop system posts status events many times a second with the same token. The client (with its unit) is
kept in each process for API_CLIENT_CACHE_SECONDS (30) by the token's hash; `last_used_at` is written at most once
per LAST_USED_EVERY seconds per client and process. A client saved in this process (deactivated, unit changed) is
forgotten at once; one deactivated by another process stops working within the TTL.
"""

import datetime as dt
import threading
import time

from ninja.security import HttpBearer

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone, translation

from .models import ApiClient, hash_token

LAST_USED_EVERY = dt.timedelta(seconds=60)

_clients: dict[str, tuple[float, ApiClient]] = {}
_lock = threading.Lock()


def _ttl() -> float:
    return float(getattr(settings, "API_CLIENT_CACHE_SECONDS", 30))


def client_for_token(token: str) -> ApiClient | None:
    digest = hash_token(token)
    now = time.monotonic()
    entry = _clients.get(digest)
    if entry is not None and now - entry[0] < _ttl():
        client = entry[1]
    else:
        client = ApiClient.objects.select_related("unit").filter(token_hash=digest, is_active=True).first()
        with _lock:
            if client is None or _ttl() <= 0:
                _clients.pop(digest, None)
            else:
                _clients[digest] = (now, client)
    if client is not None:
        moment = timezone.now()
        if client.last_used_at is None or moment - client.last_used_at >= LAST_USED_EVERY:
            client.last_used_at = moment
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=moment)
    return client


@receiver(post_save, sender=ApiClient, dispatch_uid="api.auth.forget_saved")
@receiver(post_delete, sender=ApiClient, dispatch_uid="api.auth.forget_deleted")
def _forget(sender, instance: ApiClient, **kwargs) -> None:
    with _lock:
        for digest in [d for d, (_at, c) in _clients.items() if c.pk == instance.pk]:
            del _clients[digest]


def forget_all() -> None:
    with _lock:
        _clients.clear()


def bearer_token(request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from `manage.py create_api_client`.

    The native API is for machines: its answers, service errors included, are in English whatever the
    request's language (services translate their messages when they raise)."""

    def authenticate(self, request, token: str) -> ApiClient | None:
        translation.activate("en")
        return client_for_token(token)
