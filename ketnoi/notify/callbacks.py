"""Signed callbacks to a service's URL: a notification's status, and ketnoi's own dossier and petition events.

Each callback is a row written in the transaction of the change it tells (so it exists iff the change does), and
a work queue (ketnoi.core.queue, configured below as CALLBACKS): a service's callbacks go in the order they were
written, a worker's claim is leased, failures back off exponentially with jitter, and after
NOTIFY_CALLBACK_MAX_ATTEMPTS the callback is a dead letter in the console, where it can be sent again.

The request: POST, JSON body, headers
  X-Ketnoi-Timestamp: <unix seconds>
  X-Ketnoi-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the service's callback secret>
  Idempotency-Key: <callback uuid> (the same on every retry)
The receiver recomputes the HMAC over the raw body, compares in constant time, and refuses old timestamps
(`verify_signature` below is the reference implementation, used by docs/notify_client.py too).
"""

import hashlib
import hmac
import json
import logging
import time

import httpx

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError
from ketnoi.core.queue import WorkQueue

from .models import Callback, CallbackStatus, Notification, SendingService

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Ketnoi-Signature"
TIMESTAMP_HEADER = "X-Ketnoi-Timestamp"


def _setting(name: str, default):
    return getattr(settings, name, default)


CALLBACKS = WorkQueue(
    model=Callback,
    key=("service_id",),  # a service hears about its notifications in the order things happened
    waiting=Q(status=CallbackStatus.PENDING),
    holds_line=lambda now: Q(status__in=[CallbackStatus.PENDING, CallbackStatus.SENDING]),
    due_field="next_attempt_at",
    order_by=("next_attempt_at", "id"),
    waiting_status=CallbackStatus.PENDING,
    in_flight_status=CallbackStatus.SENDING,
    dead_status=CallbackStatus.DEAD,
    lease_until_field="claimed_until",
    lease_seconds=TIMEOUT_SECONDS * 3,
    max_attempts=lambda: int(_setting("NOTIFY_CALLBACK_MAX_ATTEMPTS", 10)),
    retry_base_seconds=lambda: float(_setting("NOTIFY_CALLBACK_RETRY_BASE_SECONDS", 15)),
    retry_max_seconds=lambda: float(_setting("NOTIFY_CALLBACK_RETRY_MAX_SECONDS", 3600)),
    per_key=100,
    select_related=("service",),
)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(*, secret: str, body: bytes, timestamp: str, signature: str, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches the raw body and the timestamp is recent."""
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def notification_body(notification: Notification) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": str(notification.uuid),
        "reference": notification.reference or None,
        "to": notification.recipient_phone or notification.recipient_user_id,
        "status": notification.status,
        "status_reason": notification.failure_reason or None,
        "channel": notification.via or None,
        "cost": notification.cost,
        "template_version": notification.template_version.version if notification.template_version_id else None,
        "created_at": iso(notification.created_at),
        "sent_at": iso(notification.sent_at),
        "delivered_at": iso(notification.delivered_at),
        "seen_at": iso(notification.seen_at),
    }


def enqueue(*, service: SendingService, event: str, body: dict) -> Callback | None:
    """In the caller's transaction; sent after commit (and by the scheduled job anyway)."""
    if not service.callback_url:
        return None
    callback = Callback.objects.create(service=service, event=event, body={"event": event, "data": body})
    transaction.on_commit(_kick)
    return callback


def callback_for(notification: Notification) -> Callback | None:
    return enqueue(service=notification.service, event="notification.status", body=notification_body(notification))


def _kick() -> None:
    from .tasks import send_callbacks

    try:
        send_callbacks.enqueue()
    except Exception:  # the scheduled job picks them up in any case
        logger.warning("Could not queue the callback task; the scheduled job will send them.", exc_info=True)


def send_one(callback: Callback, attempt: int, http: httpx.Client) -> str:
    service = callback.service
    body = json.dumps(callback.body, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(service.callback_secret, timestamp, body),
        "Idempotency-Key": str(callback.uuid),
        "User-Agent": "ketnoi-notify/1",
    }
    try:
        response = http.post(service.callback_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return _failed(callback, attempt, f"{type(exc).__name__}: {exc}", None)
    if response.is_success:
        done = CALLBACKS.settle(callback.pk, attempt, status=CallbackStatus.SENT, sent_at=timezone.now(),
                                response_status=response.status_code, last_error="")  # fmt: skip
        return CallbackStatus.SENT if done else "superseded"
    return _failed(callback, attempt, f"HTTP {response.status_code}", response.status_code)


def _failed(callback: Callback, attempt: int, error: str, status: int | None) -> str:
    values = {"last_error": error[:500], "response_status": status}
    outcome = CALLBACKS.retry_later(callback.pk, attempt, **values, dead_values=values)
    if outcome == CallbackStatus.DEAD:
        logger.warning("Callback %s to service %s gave up after %s attempts: %s", callback.uuid,
                       callback.service_id, attempt, error)  # fmt: skip
    return outcome or "superseded"


def send_due(limit: int = 50) -> dict[str, int]:
    """Send what is due, round after round while the receivers take them. Counts by outcome."""
    counts: dict[str, int] = {}
    CALLBACKS.sweep(dead_values={"last_error": "Gave up: the worker stopped while sending, too many times."})
    with httpx.Client(timeout=TIMEOUT_SECONDS) as http:
        while True:
            runs = CALLBACKS.claim(limit=limit)
            if not runs:
                return counts
            sent = 0
            for run in runs:
                for position, callback in enumerate(run):
                    outcome = send_one(callback, callback.attempts, http)
                    counts[outcome] = counts.get(outcome, 0) + 1
                    sent += outcome == CallbackStatus.SENT
                    if outcome != CallbackStatus.SENT:  # the rest of this service's line waits behind it
                        CALLBACKS.release([(c.pk, c.attempts) for c in run[position + 1 :]])
                        break
            if not sent:
                return counts


@transaction.atomic
def callback_retry(*, actor, callback: Callback) -> Callback:
    """A dead letter goes back in the queue, due now, with a fresh count of attempts."""
    from .services import _check

    callback = Callback.objects.select_for_update().select_related("service__unit").get(pk=callback.pk)
    _check(actor, callback.service.unit.path)
    if callback.status != CallbackStatus.DEAD:
        raise ApplicationError("Only a callback that was given up on can be sent again.", code="not_dead")
    callback.status, callback.attempts, callback.next_attempt_at = CallbackStatus.PENDING, 0, timezone.now()
    callback.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(actor=actor, action="notify.callback_retry", target=callback, unit_path=callback.service.unit.path,
                 after={"event": callback.event})  # fmt: skip
    transaction.on_commit(_kick)
    return callback
