"""Webhooks as Zalo sends them: compact JSON, ids and timestamp as strings, signed
`X-ZEvent-Signature: mac=sha256_hex(app_id + raw_body + timestamp + oa_secret_key)` (reference §2.4).

Deliveries run on a small thread pool, never inside the request that caused them (the receiving web server may be
this same process), after the transaction commits. One person's events go out one at a time, in the order they
happened, as Zalo sends them (two messages typed in a row arrive in that order); different people's go out in
parallel. Failures are retried on a shortened ladder (SANDBOX["WEBHOOK_RETRY_DELAYS"]) with a `num_retry` header,
and every attempt is recorded. A retry does not hold up the person's later events (unconfirmed for Zalo).

reset() abandons what is pending and waits for what is running, so nothing the sandbox does in the background
outlives it (tests empty the database right after).
"""

import hashlib
import heapq
import itertools
import json
import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from django.db import close_old_connections, connections, transaction

from .conf import sandbox_setting
from .models import SandboxOA, WebhookDelivery

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_generation = 0  # bumped by reset(): pending retries of an older generation are abandoned
_running = 0  # jobs running on the pool now; reset() waits for none
_idle = threading.Condition(_lock)
# One lane per (generation, OA, person): the deliveries waiting behind the one in flight, oldest first.
_lanes: dict[tuple[int, int, str], deque[int]] = {}
_job = threading.local()  # the generation of the job running on this pool thread: what it starts inherits it


def _current_generation() -> int:
    return getattr(_job, "generation", _generation)


def now_ms() -> str:
    return str(int(time.time() * 1000))


def sign(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def emit(oa: SandboxOA, event: dict[str, Any]) -> WebhookDelivery | None:
    """Record the event and post it to the OA's webhook after the current transaction commits.

    An OA without a webhook URL records nothing (as Zalo sends nothing); with the drop fault, the event is recorded
    as dropped and not sent."""
    from .faults import effective_faults

    if not oa.webhook_url:
        return None
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    signature = sign(oa.app.app_id, body.encode(), str(event["timestamp"]), oa.secret_key)
    dropped = effective_faults(oa).drop_webhooks
    delivery = WebhookDelivery.objects.create(
        oa=oa,
        event_name=event["event_name"],
        url=oa.webhook_url,
        body=body,
        signature=signature,
        state=WebhookDelivery.DROPPED if dropped else WebhookDelivery.PENDING,
    )
    if not dropped:
        lane = (_current_generation(), oa.pk, person_of(event, oa.oa_id))
        transaction.on_commit(lambda: _send_in_order(lane, delivery.pk))
    return delivery


def person_of(event: dict[str, Any], oa_id: str) -> str:
    """Whose event this is: the user (or phone) on the other side of the OA, whichever side they are on."""
    if "follower" in event:
        return event["follower"]["id"]
    if "user_id" in event:
        return event["user_id"]
    for side in ("sender", "recipient"):
        who = event.get(side, {}).get("id", "")
        if who and who != oa_id:
            return who
    return ",".join(event.get("tag", {}).get("user_ids", []))


def later(delay: float, fn, *args) -> None:
    """Run fn(*args) on the pool after `delay` seconds (and after the current transaction commits)."""
    generation = _current_generation()
    transaction.on_commit(lambda: _schedule(delay, _guarded, generation, fn, *args))


def reset(timeout: float = 60.0) -> None:
    """Abandon pending deliveries, retries and delayed events, and wait for the jobs running now to finish."""
    global _generation
    deadline = time.monotonic() + timeout
    with _lock:
        _generation += 1
        _due.clear()
        _lanes.clear()
        while _running:
            if not _idle.wait(timeout=deadline - time.monotonic()):
                raise RuntimeError(f"{_running} sandbox background jobs still running after {timeout} s")


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=sandbox_setting("WEBHOOK_WORKERS"), thread_name_prefix="sandbox")
        return _pool


def _submit(fn, *args) -> None:
    _executor().submit(_in_thread, fn, *args)


def _send_in_order(lane: tuple[int, int, str], delivery_id: int) -> None:
    """Send now if the person has nothing in flight, else queue behind what they have."""
    with _lock:
        waiting = _lanes.get(lane)
        if waiting is not None:
            waiting.append(delivery_id)
            return
        _lanes[lane] = deque()
    _submit(_first_attempt, lane, delivery_id)


def _first_attempt(lane: tuple[int, int, str], delivery_id: int) -> None:
    try:
        _attempt(delivery_id, 0, lane[0])
    finally:
        with _lock:
            waiting = _lanes.get(lane)
            following = waiting.popleft() if waiting else None
            if following is None:
                _lanes.pop(lane, None)
        if following is not None:
            _submit(_first_attempt, lane, following)


_due: list[tuple[float, int, tuple]] = []  # (monotonic due time, sequence, (fn, *args)): one timer thread for all
_due_changed = threading.Condition(_lock)
_timer: threading.Thread | None = None
_sequence = itertools.count()


def _schedule(delay: float, fn, *args) -> None:
    """Submit fn(*args) to the pool after `delay` seconds, without a thread per waiting job."""
    global _timer
    if delay <= 0:
        _submit(fn, *args)
        return
    with _due_changed:
        heapq.heappush(_due, (time.monotonic() + delay, next(_sequence), (fn, *args)))
        if _timer is None:
            _timer = threading.Thread(target=_run_timer, name="sandbox-timer", daemon=True)
            _timer.start()
        _due_changed.notify()


def _run_timer() -> None:
    while True:
        with _due_changed:
            while not _due or _due[0][0] > time.monotonic():
                _due_changed.wait(timeout=(_due[0][0] - time.monotonic()) if _due else None)
            _, _, job = heapq.heappop(_due)
        _submit(*job)


def _in_thread(fn, *args) -> None:
    global _running
    with _lock:
        _running += 1
    close_old_connections()
    try:
        fn(*args)
    except Exception:
        logger.exception("sandbox background job failed")
    finally:
        connections.close_all()
        _job.__dict__.pop("generation", None)
        with _lock:
            _running -= 1
            _idle.notify_all()


def _guarded(generation: int, fn, *args) -> None:
    if generation == _generation:
        _job.generation = generation
        fn(*args)


def _attempt(delivery_id: int, number: int, generation: int) -> None:
    if generation != _generation:
        return
    _job.generation = generation
    delivery = WebhookDelivery.objects.select_related("oa__app").filter(pk=delivery_id).first()
    if delivery is None:
        return
    headers = {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={delivery.signature}"}
    if number:
        headers["num_retry"] = str(number)
    status, error = None, ""
    try:
        response = httpx.post(
            delivery.url, content=delivery.body.encode(), headers=headers, timeout=sandbox_setting("WEBHOOK_TIMEOUT")
        )
        status = response.status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    ok = status is not None and 200 <= status < 300
    delays = sandbox_setting("WEBHOOK_RETRY_DELAYS")
    delivery.attempts = [
        *delivery.attempts,
        {"at": now_ms(), "num_retry": number, "status": status, "error": error},
    ]
    if ok:
        delivery.state = WebhookDelivery.DELIVERED
    elif number >= len(delays):
        delivery.state = WebhookDelivery.FAILED
    delivery.save(update_fields=["attempts", "state"])
    if not ok and number < len(delays):
        _schedule(delays[number], _attempt, delivery_id, number + 1, generation)
