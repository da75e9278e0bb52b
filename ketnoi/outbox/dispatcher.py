"""The dispatcher: one process keeps hundreds of sends in flight and writes the database in batches.

An asyncio loop (its own thread) sends; the dispatcher's own statements run in two database threads on PostgreSQL
(claims, retries and give-backs in one; sent-marks, lease renewals and sweeps in the other, so a batch's marks are
written while the next batch is claimed), one on SQLite (one writer at a time). A process holds one or two
connections and its statements are few:

- a claim per batch (outbox/queue.py over core/queue.py): one short transaction — the heads of people's lines and
  the rows right behind them, SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (parallel dispatchers never take the
  same row; SQLite serialises writers), the quota tokens (a row per bucket, or Redis), one UPDATE. Lanes are
  claimed in turn, emergencies first, and bulk may not take the reserve kept in every bucket nor the last quarter of
  the process's sending slots, so a broadcast backlog never holds up a reply;
- the sends: ChannelType.send_async (Zalo and Messenger over core/async_http.AsyncHttp; other types run their blocking send in a thread),
  a person's run one message after another in one sending slot, at most `concurrency` slots busy, a free slot going
  to the most urgent lane first;
- the sent-marks: one UPDATE ... FROM (VALUES ...) for the sends that finished in the last few milliseconds (on
  PostgreSQL FROM unnest(arrays): a handful of parameters, not four per row). Rows sent and waiting for their mark
  take no room from the next claim;
- the heartbeat: one UPDATE renewing the lease of every row this process holds, every quarter of the lease. A row
  is sent only while its lease has at least half its length to run, so a process cut off from the database stops
  sending before the sweeper could hand its rows to another dispatcher;
- retries, fallbacks and dead letters: one transaction each (rare, and each may write a fallback row).
"""

import asyncio
import contextlib
import functools
import heapq
import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any, TypeVar

from django.db import connections
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import ErrorKind, SendError, SendResult, WindowState
from ketnoi.core.async_http import AsyncHttp
from ketnoi.core.db import CONNECTION_ERRORS, drop_broken_connection
from ketnoi.core.queue import Tier, among

from . import conf
from .models import Lane, OutboundMessage, Status
from .outcomes import record_error, record_sent, record_sent_many
from .payloads import payload_from_json, recipient_of
from .queue import OUTBOX
from .quotas import Take, quota_backend
from .sweeper import sweep_stuck

log = logging.getLogger(__name__)

T = TypeVar("T")

CHANNEL_CACHE_SECONDS = 10.0
MARK_EVERY_SECONDS = 0.01  # sent-marks wait at most this long to be written together
GATHER_SECONDS = 0.1  # after a claim that found only a few rows, wait this long for more to gather
URGENT_LANES = (Lane.EMERGENCY, Lane.TRANSACTIONAL)
SETTLED = (Status.SENT, Status.FAILED, Status.UNREACHABLE)  # a run goes on after these; a retry stops it


def _lane_rows(lane: int, skipped: list[int]) -> Q:
    """A claim's tier: the rows of a lane, but for channels whose quota is spent for now."""
    return Q(lane=lane) & ~among("channel_id", skipped)


# One tier per lane, the lane written into its statement (compiled once per lane: core/queue.Tier).
LANE_ROWS = {lane: functools.partial(_lane_rows, int(lane)) for lane in Lane}


def dispatcher_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SendingSlots:
    """At most `size` runs sending at once; a freed slot goes to the most urgent waiting run (lowest lane), then the
    earliest. Used from the event loop only."""

    def __init__(self, size: int) -> None:
        self.free = size
        self._waiting: list[tuple[int, int, asyncio.Future]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int) -> None:
        if self.free > 0 and not self._waiting:
            self.free -= 1
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # handed a slot while being cancelled: give it on
            raise

    def release(self) -> None:
        while self._waiting:
            _priority, _order, future = heapq.heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                return
        self.free += 1


class Dispatcher:
    def __init__(self, *, concurrency: int = 256, batch_size: int = 200, name: str = "") -> None:
        self.name = name or dispatcher_name()
        self.batch_size = batch_size
        self.concurrency = concurrency
        # Claimed rows in this process, sending or waiting for a slot: enough that the slots stay busy while the next
        # batch is claimed.
        self.max_held = max(2, concurrency * 2, concurrency + batch_size)
        self.quota = quota_backend()
        self._throttled: dict[tuple[str, str], float] = {}  # (quota key, lane class) -> monotonic time of refill
        self._channels: dict[int, Channel] = {}
        self._channels_loaded_at = 0.0
        self._lock = threading.Lock()
        # Rows claimed and not yet settled, each with the monotonic time its lease runs out (event loop only).
        self._held: dict[int, OutboundMessage] = {}
        self._lease_ends: dict[int, float] = {}
        self._to_mark: list[tuple[OutboundMessage, SendResult]] = []
        self._sent: set[int] = set()  # held rows already sent, their sent-marks not yet written
        self._runs: set[asyncio.Task] = set()
        self._renewed_at = time.monotonic()
        # One thread for the dispatcher's own statements (one connection); threads for blocking channel types,
        # provider lookups (find_sent) and token refreshes, each on its own connection.
        self._database_threads: list[threading.Thread] = []
        self._blocking_threads: list[threading.Thread] = []
        self._bookkeeping_threads: list[threading.Thread] = []
        self._database = ThreadPoolExecutor(
            1, "outbox-db", initializer=lambda: self._database_threads.append(threading.current_thread())
        )
        # On PostgreSQL the sent-marks, the heartbeat and the sweeper have a thread (and a connection) of their own,
        # so a batch's marks are written while the next claim runs. SQLite has one writer at a time: one thread.
        self._bookkeeping = (
            ThreadPoolExecutor(
                1, "outbox-marks", initializer=lambda: self._bookkeeping_threads.append(threading.current_thread())
            )
            if connections["default"].vendor == "postgresql"
            else self._database
        )
        self._blocking = ThreadPoolExecutor(
            max(4, min(concurrency, 32)),
            "outbox-blocking",
            initializer=lambda: self._blocking_threads.append(threading.current_thread()),
        )
        self._loop = asyncio.new_event_loop()
        self._loop.set_default_executor(self._blocking)
        self._thread = threading.Thread(target=self._loop.run_forever, name="outbox-loop", daemon=True)
        self._thread.start()
        self._call(self._start())

    # -- the event loop, seen from the caller's thread ------------------------------------------------------------

    def _call(self, coroutine) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    async def _start(self) -> None:
        # aiohttp behind httpx's interface: a twenty-fifth of httpx.AsyncClient's CPU per send (core/async_http.py)
        self.http = await AsyncHttp(max_connections=self.concurrency).open()
        self.slots = SendingSlots(self.concurrency)
        self._marks_due = asyncio.Event()
        # One writer of sent-marks at a time: closing waits for a write already handed to the database thread
        # instead of cancelling it while it waits its turn there (its rows would stay in sending, sent).
        self._marks_writing = asyncio.Lock()
        self._background = [
            asyncio.create_task(self._write_marks_forever()),
            asyncio.create_task(self._heartbeat_forever()),
        ]

    async def _in_db(self, work: Callable[..., T], *args, **kwargs) -> T:
        """In the claims' database thread: claims, give-backs, retries and failures."""
        return await self._run_in(self._database, work, *args, **kwargs)

    async def _in_bookkeeping(self, work: Callable[..., T], *args, **kwargs) -> T:
        """In the bookkeeping database thread: sent-marks, lease renewals, sweeps."""
        return await self._run_in(self._bookkeeping, work, *args, **kwargs)

    @staticmethod
    async def _run_in(executor: ThreadPoolExecutor, work: Callable[..., T], *args, **kwargs) -> T:
        def run() -> T:
            drop_broken_connection()
            return work(*args, **kwargs)

        return await asyncio.get_running_loop().run_in_executor(executor, run)

    async def _in_db_until_written(self, work: Callable[..., T], *args, what: str, **kwargs) -> T:
        """A write whose loss would cost a message (the outcome is known): tried again while the database is away,
        for up to half a lease; then the row is left to the sweeper."""
        deadline = time.monotonic() + conf.lease_seconds() / 2
        while True:
            try:
                return await self._in_db(work, *args, **kwargs)
            except CONNECTION_ERRORS:
                if time.monotonic() > deadline:
                    raise
                log.warning("Database connection lost while %s; trying again.", what)
                await asyncio.sleep(0.5)

    # -- claiming (in the database thread) ------------------------------------------------------------------------

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
        tiers = [Tier(LANE_ROWS[lane], {"skipped": skip["bulk" if lane == Lane.BULK else "urgent"]}) for lane in lanes]
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

    def _still_held(self, pks: list[int]) -> set[int]:
        return set(
            OutboundMessage.objects.filter(among("pk", pks), status=Status.SENDING, claimed_by=self.name).values_list(
                "pk", flat=True
            )
        )

    # -- claiming and sending (event loop) -------------------------------------------------------------------------

    async def _claim_and_start(self, limit: int, lanes: tuple[Lane, ...]) -> tuple[list[asyncio.Task], int]:
        """Claim up to `limit` rows and start sending their runs. Returns the runs' tasks and the rows claimed."""
        if limit <= 0:
            return [], 0
        started = time.monotonic()
        runs = await self._in_db(self.claim, limit, lanes)
        lease_ends = started + conf.lease_seconds()
        tasks = []
        for run in runs:
            for row in run:
                self._held[row.pk] = row
                self._lease_ends[row.pk] = lease_ends
            task = asyncio.create_task(self._send_run(run))
            self._runs.add(task)
            task.add_done_callback(self._runs.discard)
            tasks.append(task)
        return tasks, sum(len(run) for run in runs)

    def _room(self) -> tuple[int, int]:
        """(room for any lane, room for bulk): bulk never takes the last quarter of the slots. Rows sent and waiting
        for their sent-mark take no room (the next claim need not wait for the marks' write), unless the marks fall
        far behind."""
        held = len(self._held) - len(self._sent)
        if len(self._sent) > self.max_held * 4:
            return 0, 0
        return self.max_held - held, self.max_held * 3 // 4 - held

    def _worth_a_claim(self) -> int:
        return max(1, min(self.batch_size, self.max_held) // 4)

    async def _claim_round(self) -> int:
        """One claim when there is room for a worthwhile batch; returns the rows claimed (-1: no room yet)."""
        room, bulk_room = self._room()
        if room < self._worth_a_claim():
            return -1
        # When the slots are busy with a broadcast, say, still take replies and alerts: they get the next slots.
        lanes = tuple(Lane) if bulk_room >= self._worth_a_claim() else URGENT_LANES
        _tasks, claimed = await self._claim_and_start(min(room, self.batch_size), lanes)
        return claimed

    async def _send_run(self, run: list[OutboundMessage]) -> None:
        """Send a run in order. A row going back to the queue (a retry) takes its line with it: the rows behind it
        are given back unsent, to follow it later."""
        done = 0
        await self.slots.acquire(run[0].lane)  # one slot for the whole run: a person's messages, one at a time
        try:
            for row in run:
                status = await self._send_in_slot(row)
                done += 1
                if status not in SETTLED:
                    break
        except Exception:
            log.exception("A send failed outside the outbox's error handling.")
        finally:
            self.slots.release()
            rest = [row for row in run[done:] if row.pk in self._held]
            if rest:
                await self._give_back(rest)

    async def _give_back(self, rows: list[OutboundMessage]) -> None:
        for row in rows:
            self._forget(row)
        try:
            await self._in_db_until_written(
                OUTBOX.release, [(r.pk, r.attempts) for r in rows], worker=self.name, what="giving back unsent rows"
            )
        except Exception:
            log.exception("Could not give back %d unsent outbox messages; the sweeper will.", len(rows))

    def _forget(self, row: OutboundMessage) -> None:
        self._held.pop(row.pk, None)
        self._sent.discard(row.pk)
        self._lease_ends.pop(row.pk, None)

    def _lease_left(self, row: OutboundMessage) -> float:
        return self._lease_ends.get(row.pk, 0.0) - time.monotonic()

    async def _send_in_slot(self, row: OutboundMessage) -> str:
        """Send one claimed row; its outcome is written (sent: with the next batch of marks). Returns the status,
        "" if the row is no longer this process's to send."""
        if self._held.get(row.pk) is not row:
            return ""  # taken back meanwhile (and perhaps claimed again: that claim sends it)
        if self._lease_left(row) < conf.lease_seconds() / 2 and not await self._renew_one(row):
            # The lease could not be renewed (the database is away, or the row was taken back): another dispatcher
            # may have it by now. Not sent from here; the sweeper puts it back if nobody holds it.
            log.info("Outbox message %s: its lease is running out; not sent from this claim.", row.uuid)
            self._forget(row)
            return ""
        # The process's one instance of the channel, shared by its sends: channel types read it and never change it
        # (a token refresh writes a row read afresh), so no copy per send.
        channel = row.channel
        try:
            try:
                channel_type = channel.channel_type
            except LookupError as exc:
                raise SendError(ErrorKind.PERMANENT, str(exc)) from exc
            recipient = recipient_of(row)
            payload = payload_from_json(row.payload)
            if row.outcome_unknown:
                found = await self._find_sent(row, channel, channel_type, recipient, payload)
                if found:
                    result = SendResult(provider_message_id=found)
                    return await self._settle(row, record_sent, row, result, found=True)
            if (
                payload.kind != "template"
                and row.channel_contact_id
                and channel_type.window(channel, recipient, timezone.now(), purpose=payload.purpose)
                == WindowState.CLOSED
            ):
                raise SendError(
                    ErrorKind.UNREACHABLE,
                    "The person is outside the channel's messaging window.",
                    provider_code="window",
                )
            result = await channel_type.send_async(
                channel, recipient, payload, idempotency_key=row.idempotency_key, http=self.http
            )
        except SendError as error:
            if error.kind == ErrorKind.RATE_LIMITED:
                self._throttle(channel.quota_key, error.retry_after or conf.rate_limit_pause_seconds())
            return await self._settle(row, record_error, row, error, claimed_by=self.name)
        except CONNECTION_ERRORS:
            # The database went away in the middle (a find_sent lookup, a token read): what reached the provider
            # is unknown, so the row is retried with outcome_unknown and reconciled before any second copy.
            log.warning("Database connection lost while sending outbox message %s; it will be retried.", row.uuid)
            error = SendError(ErrorKind.RETRYABLE, "The database connection was lost during the send.")
            return await self._settle(row, record_error, row, error, claimed_by=self.name, outcome_unknown=True)
        except Exception as exc:
            log.exception("Unexpected error sending outbox message %s", row.uuid)
            error = SendError(ErrorKind.RETRYABLE, f"{type(exc).__name__}: {exc}"[:300])
            return await self._settle(row, record_error, row, error, claimed_by=self.name)
        self._to_mark.append((row, result))
        self._sent.add(row.pk)
        if len(self._to_mark) == 1 or len(self._to_mark) >= self.batch_size:
            self._marks_due.set()
        return Status.SENT

    async def _find_sent(self, row, channel, channel_type, recipient, payload) -> str | None:
        """Ask the provider for a copy an earlier attempt may have left (in a thread: lookups are rare and slow)."""

        def lookup() -> str | None:
            drop_broken_connection()
            return channel_type.find_sent(
                channel,
                recipient,
                payload,
                idempotency_key=row.idempotency_key,
                since=row.first_attempted_at or row.created_at,
                is_taken=lambda ids: held_by_other_rows(row, ids),
            )

        return await asyncio.get_running_loop().run_in_executor(self._blocking, lookup)

    async def _settle(self, row: OutboundMessage, write: Callable[..., str], *args, **kwargs) -> str:
        try:
            return await self._in_db_until_written(write, *args, what="recording a send", **kwargs)
        finally:
            self._forget(row)

    # -- batched writes (event loop) -------------------------------------------------------------------------------

    async def _write_marks(self) -> None:
        async with self._marks_writing:
            while self._to_mark:
                batch, self._to_mark = self._to_mark[: self.batch_size * 4], self._to_mark[self.batch_size * 4 :]
                try:
                    await self._in_bookkeeping(record_sent_many, batch)
                except BaseException:
                    # The sends are done and their ids known: keep them and write them as soon as the database
                    # answers (or at close, when this was cancelled).
                    self._to_mark = batch + self._to_mark
                    raise
                for row, _result in batch:
                    self._forget(row)

    async def _write_marks_forever(self) -> None:
        while True:
            await self._marks_due.wait()
            await asyncio.sleep(MARK_EVERY_SECONDS)
            self._marks_due.clear()
            try:
                await self._write_marks()
            except Exception:
                log.warning("Writing sent-marks failed; trying again shortly.", exc_info=True)
                await asyncio.sleep(0.5)
                self._marks_due.set()

    async def _renew(self) -> int:
        """The heartbeat: push back the lease of every row this process holds (one statement)."""
        self._renewed_at = time.monotonic()
        pks = list(self._held)
        if not pks:
            return 0
        started = time.monotonic()
        renewed = await self._renew_rows(pks)
        still = set(pks) if renewed == len(pks) else await self._in_bookkeeping(self._still_held, pks)
        for pk in pks:
            if pk in still:
                if pk in self._lease_ends:
                    self._lease_ends[pk] = started + conf.lease_seconds()
            elif pk in self._held:  # swept and taken by another dispatcher meanwhile: not ours to send
                self._forget(self._held[pk])
        return renewed

    async def _renew_one(self, row: OutboundMessage) -> bool:
        """A row about to be sent whose lease is short (a slow claim, a late heartbeat): renewed on its own."""
        started = time.monotonic()
        try:
            renewed = await self._renew_rows([row.pk])
        except Exception:
            return False
        if renewed and row.pk in self._lease_ends:
            self._lease_ends[row.pk] = started + conf.lease_seconds()
        return bool(renewed)

    async def _renew_rows(self, pks: list[int]) -> int:
        return await self._in_bookkeeping(OUTBOX.renew, pks, worker=self.name)

    async def _heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(max(0.05, conf.lease_seconds() / 4 - (time.monotonic() - self._renewed_at)))
            try:
                await self._renew()
            except Exception:
                self._renewed_at = time.monotonic()
                log.warning("Renewing the lease of claimed outbox messages failed; trying again.", exc_info=True)

    # -- the ways to run it ----------------------------------------------------------------------------------------

    async def _dispatch(self, limit: int, lanes: tuple[Lane, ...], wait: bool) -> int:
        tasks, claimed = await self._claim_and_start(limit, lanes)
        if wait:
            await asyncio.gather(*tasks)
            await self._write_marks()
        return claimed

    def dispatch_once(self, *, wait: bool = True) -> int:
        """Claim one batch and send it; with wait, return once every outcome is written. Returns rows claimed."""
        return self._call(self._dispatch(self.batch_size, tuple(Lane), wait))

    def dispatch_once_nowait(self, limit: int, lanes: tuple[Lane, ...] = tuple(Lane)) -> int:
        return self._call(self._dispatch(limit, lanes, False))

    def renew_waiting(self) -> int:
        """Heartbeat now: renew the lease of every row this process holds. Returns rows renewed."""
        return self._call(self._renew())

    def run(self, stop: threading.Event, *, idle_seconds: float = 0.1, sweep_every: float = 15.0) -> None:
        """Until `stop` is set: claim while there is room, sweep now and then; then finish what is in flight."""
        self._call(self._run(stop, idle_seconds=idle_seconds, sweep_every=sweep_every))

    async def _run(self, stop: threading.Event, *, idle_seconds: float, sweep_every: float) -> None:
        last_sweep = 0.0
        while not stop.is_set():
            if time.monotonic() - last_sweep > sweep_every:
                last_sweep = time.monotonic()
                try:
                    if swept := await self._in_bookkeeping(sweep_stuck):
                        log.warning("Re-queued %d outbox messages left in sending by a stopped dispatcher.", swept)
                except Exception:
                    log.exception("Sweeping stuck outbox messages failed; trying again later.")
            try:
                claimed = await self._claim_round()
            except Exception:
                log.exception("Claiming outbox messages failed; trying again shortly.")
                await asyncio.sleep(1.0)
                continue
            if claimed < 0:  # full: wait for slots to free
                await asyncio.sleep(0.005)
            elif claimed == 0:
                await asyncio.sleep(self._idle_wait(idle_seconds))
            elif claimed < self._worth_a_claim():
                # The queue is (nearly) drained: let rows gather for a moment rather than claim them one or two at a
                # time, each claim costing its statements (a trickle of single notices claimed as it came cost
                # several CPU ms per message).
                await asyncio.sleep(min(GATHER_SECONDS, self._idle_wait(idle_seconds)))
        if self._runs:
            await asyncio.gather(*self._runs, return_exceptions=True)
        try:
            await self._write_marks()
        except Exception:
            log.exception("The last sent-marks could not be written; their rows will be reconciled.")

    def _idle_wait(self, idle_seconds: float) -> float:
        """Sleep until the next quota refill when that comes sooner than the idle poll."""
        with self._lock:
            if not self._throttled:
                return idle_seconds
            soonest = min(self._throttled.values()) - time.monotonic()
        return max(0.005, min(idle_seconds, soonest))

    def close(self) -> None:
        """Finish what is in flight, then stop the loop and the threads (closing their connections)."""
        self._call(self._close())
        for executor, threads in (
            (self._database, self._database_threads),
            (self._bookkeeping, self._bookkeeping_threads),
            (self._blocking, self._blocking_threads),
        ):
            _close_connections(executor, threads)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        self._database.shutdown(wait=True)
        self._bookkeeping.shutdown(wait=True)
        self._blocking.shutdown(wait=True)

    async def _close(self) -> None:
        if self._runs:
            await asyncio.gather(*self._runs, return_exceptions=True)
        try:
            await self._write_marks()
        except Exception:
            log.exception("The last sent-marks could not be written; their rows will be reconciled.")
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        await self.http.aclose()


def _close_connections(executor: ThreadPoolExecutor, threads: list[threading.Thread]) -> None:
    """Close the database connection of each thread of the pool (one job per thread, held until all have run)."""
    if not threads:
        return
    barrier = threading.Barrier(len(threads), timeout=5)

    def close() -> None:
        connections.close_all()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    wait_futures([executor.submit(close) for _ in threads], timeout=10)


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
