"""The dispatcher: claim due rows (lane first), take quota tokens, send concurrently, record what happened.

Claiming is one short transaction: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (so parallel dispatchers
never take the same row), an IMMEDIATE transaction on SQLite (claims are serialised by the write lock). Rows
whose quota bucket is empty are left queued, untouched, and that quota is skipped until it refills. Each lane
is claimed in turn, emergencies first, and bulk may not take the reserve kept in every bucket, so a broadcast
backlog never holds up a reply.
"""

import copy
import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import ErrorKind, SendError, SendResult, WindowState

from . import conf
from .models import Lane, OutboundMessage, Status
from .outcomes import record_error, record_sent
from .payloads import payload_from_json, recipient_of
from .pool import SenderPool
from .quotas import Take, quota_backend
from .sweeper import sweep_stuck

log = logging.getLogger(__name__)

CHANNEL_CACHE_SECONDS = 10.0

URGENT_LANES = (Lane.EMERGENCY, Lane.TRANSACTIONAL)


MAX_PER_PERSON_PER_CLAIM = 50


def dispatcher_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    def __init__(self, *, concurrency: int = 16, batch_size: int = 100, name: str = "") -> None:
        self.name = name or dispatcher_name()
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.quota = quota_backend()
        self.pool = SenderPool(concurrency, name="outbox-sender")
        self._throttled: dict[str, float] = {}  # quota key -> monotonic time it may have tokens again
        self._channels: dict[int, Channel] = {}
        self._channels_loaded_at = 0.0
        self._lock = threading.Lock()
        # Claimed rows still waiting in the pool, renewed by the heartbeat so that a busy machine's queue does not
        # outlast their lease (the sweeper would hand them to another dispatcher, and attempts would run out).
        self._waiting: dict[int, OutboundMessage] = {}
        self._waiting_lock = threading.Lock()
        self._renewed_at = time.monotonic()

    # claiming
    def _channel(self, channel_id: int) -> Channel:
        return self._channels[channel_id]

    def _load_channels(self, ids: set[int]) -> None:
        now = time.monotonic()
        if now - self._channels_loaded_at > CHANNEL_CACHE_SECONDS:
            self._channels, self._channels_loaded_at = {}, now
        missing = ids - set(self._channels)
        if missing:
            for channel in Channel.objects.filter(pk__in=missing).select_related("unit"):
                self._channels[channel.pk] = channel

    def _throttle(self, key: str, seconds: float, *, bulk_only: bool = False) -> None:
        """Skip a quota for a while: only its bulk rows when just the reserve is left, else every row."""
        until = time.monotonic() + seconds
        with self._lock:
            for lane_class in ("bulk",) if bulk_only else ("bulk", "urgent"):
                self._throttled[(key, lane_class)] = max(self._throttled.get((key, lane_class), 0), until)

    def _throttled_channel_ids(self, lane_class: str) -> list[int]:
        now = time.monotonic()
        with self._lock:
            self._throttled = {k: until for k, until in self._throttled.items() if until > now}
            throttled = {key for key, cls in self._throttled if cls == lane_class}
        if not throttled:
            return []
        return [pk for pk, channel in self._channels.items() if channel.quota_key in throttled]

    def claim(self, limit: int, lanes: tuple[Lane, ...] = tuple(Lane)) -> list[OutboundMessage]:
        """Claim up to `limit` due rows that the quotas allow, lane by lane; they come back marked sending."""
        now = timezone.now()
        skip = {"urgent": self._throttled_channel_ids("urgent"), "bulk": self._throttled_channel_ids("bulk")}
        # A person with a message on its way gets the next one after it, so a chat reads in the order written.
        in_flight_recipients = OutboundMessage.objects.filter(
            status=Status.SENDING, channel_contact_id__isnull=False
        ).values("channel_contact_id")
        with transaction.atomic():
            candidates: list[OutboundMessage] = []
            for lane in lanes:
                room = limit - len(candidates)
                if room <= 0:
                    break
                rows = (
                    OutboundMessage.objects.filter(status=Status.QUEUED, lane=lane, next_attempt_at__lte=now)
                    .exclude(channel_id__in=skip["bulk" if lane == Lane.BULK else "urgent"])
                    .exclude(channel_contact_id__in=in_flight_recipients)
                    .select_related("channel_contact")
                    .select_for_update(skip_locked=True, of=("self",))
                    .order_by("next_attempt_at")[:room]
                )
                candidates.extend(rows)
            candidates = _at_most_per_person(candidates)
            if not candidates:
                return []
            self._load_channels({row.channel_id for row in candidates})
            granted = self._take_tokens(candidates)
            if granted:
                OutboundMessage.objects.filter(pk__in=[row.pk for row in granted]).update(
                    status=Status.SENDING, claimed_by=self.name, claimed_at=now, attempts=F("attempts") + 1
                )
        for row in granted:
            row.status, row.claimed_by, row.claimed_at, row.attempts = Status.SENDING, self.name, now, row.attempts + 1
            row.channel = self._channel(row.channel_id)
        return granted

    def _take_tokens(self, candidates: list[OutboundMessage]) -> list[OutboundMessage]:
        groups: dict[tuple[str, bool], list[OutboundMessage]] = defaultdict(list)
        for row in candidates:  # already in lane order, so replies ask before broadcasts
            groups[(self._channel(row.channel_id).quota_key, row.lane == Lane.BULK)].append(row)
        order = sorted(groups, key=lambda g: g[1])
        requests = [
            Take(key, self._channel(groups[(key, bulk)][0].channel_id).quota_per_minute, len(groups[(key, bulk)]), bulk)
            for key, bulk in order
        ]
        grants = self.quota.take(requests)
        granted: list[OutboundMessage] = []
        for (key, bulk), grant in zip(order, grants, strict=True):
            rows = groups[(key, bulk)]
            granted.extend(rows[: grant.granted])
            if grant.granted < len(rows):
                self._throttle(key, min(max(grant.wait_seconds, 0.02), 5.0), bulk_only=bulk)
        return granted

    # sending
    def _still_ours(self, row: OutboundMessage) -> bool:
        """Renew the claim just before sending; False if the row is no longer this claim's.

        On a loaded machine a row can wait in this process's pool longer than its lease, and the sweeper may
        have handed it to another dispatcher meanwhile: sending it here too would make a second copy.
        """
        renewed = timezone.now()
        still = OutboundMessage.objects.filter(
            pk=row.pk, status=Status.SENDING, claimed_by=self.name, claimed_at=row.claimed_at
        ).update(claimed_at=renewed)
        if still:
            row.claimed_at = renewed
        return bool(still)

    def renew_waiting(self) -> int:
        """Heartbeat: push back the lease of every claimed row not yet being sent. Returns rows renewed."""
        self._renewed_at = time.monotonic()
        with self._waiting_lock:
            if not self._waiting:
                return 0
            renewed = timezone.now()
            count = OutboundMessage.objects.filter(
                pk__in=list(self._waiting), status=Status.SENDING, claimed_by=self.name
            ).update(claimed_at=renewed)
            for row in self._waiting.values():
                # A row swept and claimed elsewhere meanwhile fails _still_ours on claimed_by or status; one
                # claimed again by this dispatcher is a new object in _waiting, and the old one is skipped.
                row.claimed_at = renewed
            return count

    def _start(self, row: OutboundMessage) -> None:
        with self._waiting_lock:
            if self._waiting.get(row.pk) is row:
                del self._waiting[row.pk]

    def send(self, row: OutboundMessage) -> None:
        self._start(row)
        if not self._still_ours(row):
            log.info("Outbox message %s was re-claimed elsewhere before it was sent; skipped here.", row.uuid)
            return
        channel = copy.copy(row.channel)
        try:
            try:
                channel_type = channel.channel_type
            except LookupError as exc:
                raise SendError(ErrorKind.PERMANENT, str(exc)) from exc
            recipient = recipient_of(row)
            payload = payload_from_json(row.payload)
            if row.outcome_unknown:
                found = channel_type.find_sent(
                    channel, recipient, payload, idempotency_key=row.idempotency_key, since=row.created_at
                )
                if found:
                    record_sent(row, SendResult(provider_message_id=found))
                    return
            if (
                payload.kind != "template"
                and row.channel_contact_id
                and channel_type.window(channel, recipient, timezone.now()) == WindowState.CLOSED
            ):
                raise SendError(
                    ErrorKind.UNREACHABLE,
                    "The person is outside the channel's messaging window.",
                    provider_code="window",
                )
            result = channel_type.send(channel, recipient, payload, idempotency_key=row.idempotency_key)
        except SendError as error:
            if error.kind == ErrorKind.RATE_LIMITED:
                self._throttle(channel.quota_key, error.retry_after or conf.rate_limit_pause_seconds())
            record_error(row, error, claimed_by=self.name)
        except Exception as exc:
            log.exception("Unexpected error sending outbox message %s", row.uuid)
            record_error(
                row, SendError(ErrorKind.RETRYABLE, f"{type(exc).__name__}: {exc}"[:300]), claimed_by=self.name
            )
        else:
            record_sent(row, result)

    def _submit(self, rows: list[OutboundMessage]) -> None:
        """One job per person: their messages go one after another, in the order they were queued."""
        with self._waiting_lock:
            self._waiting.update((row.pk, row) for row in rows)
        by_recipient: dict[object, list[OutboundMessage]] = defaultdict(list)
        for row in rows:
            by_recipient[row.channel_contact_id or ("row", row.pk)].append(row)
        for group in by_recipient.values():
            group.sort(key=lambda r: r.pk)
            self.pool.submit(self._send_in_order, group, priority=min(r.lane for r in group))

    def _send_in_order(self, rows: list[OutboundMessage]) -> None:
        for row in rows:
            self.send(row)

    def dispatch_once(self, *, wait: bool = True) -> int:
        """Claim one batch and send it; with wait, return once every send is recorded. Returns rows claimed."""
        rows = self.claim(self.batch_size)
        self._submit(rows)
        if wait:
            self.pool.wait()
        return len(rows)

    def run(self, stop: threading.Event, *, idle_seconds: float = 0.1, sweep_every: float = 15.0) -> None:
        """Until `stop` is set: keep up to two batches in flight, sweep now and then; then finish in-flight sends."""
        last_sweep = 0.0
        max_in_flight = self.concurrency * 2
        while not stop.is_set():
            if time.monotonic() - last_sweep > sweep_every:
                last_sweep = time.monotonic()
                try:
                    if swept := sweep_stuck():
                        log.warning("Re-queued %d outbox messages left in sending by a stopped dispatcher.", swept)
                except Exception:
                    log.exception("Sweeping stuck outbox messages failed; trying again later.")
            if time.monotonic() - self._renewed_at > conf.lease_seconds() / 4:
                try:
                    self.renew_waiting()
                except Exception:
                    log.exception("Renewing the lease of waiting outbox messages failed; trying again shortly.")
            room = max_in_flight - self.pool.pending
            claimed = 0
            try:
                if room >= min(self.batch_size, max_in_flight) // 2:
                    claimed = self.dispatch_once_nowait(min(room, self.batch_size))
                else:
                    # The pool is busy (with a broadcast, say): still take replies and alerts, which the pool
                    # sends ahead of the bulk rows it holds.
                    claimed = self.dispatch_once_nowait(self.concurrency, lanes=URGENT_LANES)
            except Exception:
                log.exception("Claiming outbox messages failed; trying again shortly.")
                stop.wait(1.0)
            if not claimed:
                if self.pool.pending >= max_in_flight // 2:
                    self.pool.wait(below=max_in_flight // 2, timeout=idle_seconds)
                else:
                    stop.wait(self._idle_wait(idle_seconds))
        self.pool.wait()

    def _idle_wait(self, idle_seconds: float) -> float:
        """Sleep until the next quota refill when that comes sooner than the idle poll."""
        with self._lock:
            if not self._throttled:
                return idle_seconds
            soonest = min(self._throttled.values()) - time.monotonic()
        return max(0.005, min(idle_seconds, soonest))

    def dispatch_once_nowait(self, limit: int, lanes: tuple[Lane, ...] = tuple(Lane)) -> int:
        rows = self.claim(limit, lanes)
        self._submit(rows)
        return len(rows)

    def close(self) -> None:
        self.pool.close()


def _at_most_per_person(rows: list[OutboundMessage]) -> list[OutboundMessage]:
    """A person's messages in one claim are sent one after another by one sender thread; a cap keeps one busy
    person (an official's internal notices, say) from holding a thread for a whole batch."""
    seen: dict[int, int] = defaultdict(int)
    kept = []
    for row in sorted(rows, key=lambda r: r.pk):
        if row.channel_contact_id:
            seen[row.channel_contact_id] += 1
            if seen[row.channel_contact_id] > MAX_PER_PERSON_PER_CLAIM:
                continue
        kept.append(row)
    order = {row.pk: i for i, row in enumerate(rows)}
    return sorted(kept, key=lambda r: order[r.pk])


def dispatch_once(*, batch_size: int = 100, concurrency: int = 8, rounds: int = 1) -> int:
    """Tests and one-off use: up to `rounds` batches, each sent and recorded before the next. Returns rows sent."""
    dispatcher = Dispatcher(concurrency=concurrency, batch_size=batch_size)
    total = 0
    try:
        for _ in range(rounds):
            claimed = dispatcher.dispatch_once()
            total += claimed
            if not claimed:
                break
    finally:
        dispatcher.close()
    return total
