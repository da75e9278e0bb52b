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

from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import ErrorKind, SendError, SendResult, WindowState
from ketnoi.core.db import CONNECTION_ERRORS, drop_broken_connection, retry_on_connection_loss

from . import conf
from .models import Lane, OutboundMessage, Status
from .outcomes import record_error, record_sent
from .payloads import payload_from_json, recipient_of
from .pool import SenderPool
from .queue import OUTBOX
from .quotas import Take, quota_backend
from .sweeper import sweep_stuck

log = logging.getLogger(__name__)

CHANNEL_CACHE_SECONDS = 10.0

URGENT_LANES = (Lane.EMERGENCY, Lane.TRANSACTIONAL)


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
        # Claimed rows not yet settled (waiting in the pool or being sent), renewed by the heartbeat so that neither
        # a busy machine's queue nor a slow send (find_sent reading a long history) outlasts their lease: the
        # sweeper would hand them to another dispatcher, and a second copy could leave.
        self._held: dict[int, OutboundMessage] = {}
        self._held_lock = threading.Lock()
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

    def claim(self, limit: int, lanes: tuple[Lane, ...] = tuple(Lane)) -> list[list[OutboundMessage]]:
        """Claim up to `limit` due rows that the quotas allow, lane by lane, as runs: each run is one person's
        messages in one lane, oldest first, to be sent one after another. They come back marked sending."""
        skip = {"urgent": self._throttled_channel_ids("urgent"), "bulk": self._throttled_channel_ids("bulk")}
        tiers = [Q(lane=lane) & ~Q(channel_id__in=skip["bulk" if lane == Lane.BULK else "urgent"]) for lane in lanes]
        runs = OUTBOX.claim(
            limit=limit,
            worker=self.name,
            tiers=tiers,
            admit=self._admit,
            on_claim=lambda now: {
                "first_attempted_at": Coalesce(F("first_attempted_at"), Value(now, output_field=DateTimeField()))
            },
        )
        for run in runs:
            for row in run:
                row.first_attempted_at = row.first_attempted_at or row.claimed_at
                row.channel = self._channel(row.channel_id)
        return runs

    def _admit(self, candidates: list[OutboundMessage]) -> list[OutboundMessage]:
        self._load_channels({row.channel_id for row in candidates})
        return self._take_tokens(candidates)

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

        A row can wait in this process's pool, or this process can stall, longer than its lease, and the sweeper may
        have handed it to another dispatcher meanwhile: sending it here too would make a second copy. (Under the
        heartbeat's lock, so the claimed_at compared here is the one last written.)
        """
        with self._held_lock:
            renewed = timezone.now()
            still = OutboundMessage.objects.filter(
                pk=row.pk, status=Status.SENDING, claimed_by=self.name, claimed_at=row.claimed_at
            ).update(claimed_at=renewed)
            if still:
                row.claimed_at = renewed
            return bool(still)

    def renew_waiting(self) -> int:
        """Heartbeat: push back the lease of every claimed row not yet settled. Returns rows renewed."""
        self._renewed_at = time.monotonic()
        with self._held_lock:
            if not self._held:
                return 0
            renewed = timezone.now()
            count = OUTBOX.renew(list(self._held), worker=self.name, now=renewed)
            for row in self._held.values():
                # A row swept and claimed elsewhere meanwhile fails _still_ours on claimed_by or status; one
                # claimed again by this dispatcher is a new object in _held, and the old one is skipped.
                row.claimed_at = renewed
            return count

    def _forget(self, rows: list[OutboundMessage]) -> None:
        """No longer renew these rows' lease: they are settled, or given up to the sweeper."""
        with self._held_lock:
            for row in rows:
                if self._held.get(row.pk) is row:
                    del self._held[row.pk]

    def send(self, row: OutboundMessage) -> str:
        """Send one claimed row and record the outcome. Returns the row's new status ("" if it was not ours)."""
        try:
            return self._send(row)
        finally:
            self._forget([row])

    def _send(self, row: OutboundMessage) -> str:
        if not retry_on_connection_loss(lambda: self._still_ours(row), what="renewing a claim"):
            log.info("Outbox message %s was re-claimed elsewhere before it was sent; skipped here.", row.uuid)
            return ""
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
                    channel,
                    recipient,
                    payload,
                    idempotency_key=row.idempotency_key,
                    since=row.first_attempted_at or row.created_at,
                    is_taken=lambda ids: held_by_other_rows(row, ids),
                )
                if found:
                    return self._record(lambda: record_sent(row, SendResult(provider_message_id=found), found=True))
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
            return self._record(lambda: record_error(row, error, claimed_by=self.name))
        except CONNECTION_ERRORS:
            # The database went away in the middle (a find_sent lookup or a token read): what reached the provider
            # is unknown, so the row is retried with outcome_unknown and reconciled before any second copy.
            log.warning("Database connection lost while sending outbox message %s; it will be retried.", row.uuid)
            error = SendError(ErrorKind.RETRYABLE, "The database connection was lost during the send.")
            return self._record(lambda: record_error(row, error, claimed_by=self.name, outcome_unknown=True))
        except Exception as exc:
            log.exception("Unexpected error sending outbox message %s", row.uuid)
            error = SendError(ErrorKind.RETRYABLE, f"{type(exc).__name__}: {exc}"[:300])
            return self._record(lambda: record_error(row, error, claimed_by=self.name))
        return self._record(lambda: record_sent(row, result))

    def _record(self, write) -> str:
        """Write an outcome, across a lost database connection (the message itself is already out)."""
        return retry_on_connection_loss(write, within_seconds=conf.lease_seconds() / 2, what="recording a send")

    def _submit(self, runs: list[list[OutboundMessage]]) -> None:
        """One job per run: a person's messages go one after another, in the order they were queued."""
        with self._held_lock:
            self._held.update((row.pk, row) for run in runs for row in run)
        for run in runs:
            self.pool.submit(self._send_in_order, run, priority=run[0].lane)

    def _send_in_order(self, run: list[OutboundMessage]) -> None:
        """Send a run in order. A row going back to the queue (a retry) takes its line with it: the rows behind
        it are given back unsent, to follow it later."""
        done = 0
        try:
            for row in run:
                status = self.send(row)
                done += 1
                if status not in (Status.SENT, Status.FAILED, Status.UNREACHABLE):
                    break
        finally:
            rest = run[done:]
            if rest:
                self._forget(rest)
                try:
                    retry_on_connection_loss(
                        lambda: OUTBOX.release([(r.pk, r.attempts) for r in rest], worker=self.name),
                        within_seconds=conf.lease_seconds() / 2,
                        what="giving back unsent messages",
                    )
                except Exception:
                    # Still claimed by this dispatcher, no longer renewed: the sweeper gives them back.
                    log.exception("Could not give back %d unsent outbox messages; the sweeper will.", len(rest))

    def dispatch_once(self, *, wait: bool = True) -> int:
        """Claim one batch and send it; with wait, return once every send is recorded. Returns rows claimed."""
        return self.dispatch_once_nowait(self.batch_size) if not wait else self._dispatch_and_wait()

    def _dispatch_and_wait(self) -> int:
        claimed = self.dispatch_once_nowait(self.batch_size)
        self.pool.wait()
        return claimed

    def run(self, stop: threading.Event, *, idle_seconds: float = 0.1, sweep_every: float = 15.0) -> None:
        """Until `stop` is set: keep up to two batches in flight, sweep now and then; then finish in-flight sends."""
        last_sweep = 0.0
        max_in_flight = self.concurrency * 2
        while not stop.is_set():
            drop_broken_connection()
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
        runs = self.claim(limit, lanes)
        self._submit(runs)
        return sum(len(run) for run in runs)

    def close(self) -> None:
        self.pool.close()


def held_by_other_rows(row: OutboundMessage, provider_ids: list[str]) -> set[str]:
    """Of these provider message ids, the ones another row of the channel already holds (find_sent skips them)."""
    return set(
        OutboundMessage.objects.filter(channel_id=row.channel_id, provider_message_id__in=provider_ids)
        .exclude(pk=row.pk)
        .values_list("provider_message_id", flat=True)
    )


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
