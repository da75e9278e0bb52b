"""Token buckets per provider quota (Channel.quota_key), shared by every dispatcher process.

One interface, two backends: a row per bucket in the database (one node), or a Lua script in Redis
(several machines; set RATE_LIMIT_REDIS_URL). A bucket refills at a little under quota_per_minute and holds a
small burst, so no 60-second window at the provider ever sees more than the quota, while a backlog still uses
about 96 % of it. The bulk lane may not empty the last part of a bucket: that reserve is kept for emergencies
and replies sent by other processes. A provider "rate limited" answer (Zalo -32) shuts the bucket for a while.
"""

import abc
import math
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from . import conf
from .models import QuotaBucket

LATENCY_SLACK_SECONDS = 1.0  # spread of send latency: a token taken now may reach the provider this much later


@dataclass(frozen=True)
class BucketShape:
    capacity: float
    rate_per_second: float
    reserve: float  # tokens the bulk lane leaves in the bucket

    @classmethod
    def for_quota(cls, quota_per_minute: int) -> "BucketShape":
        quota = max(1, quota_per_minute)
        capacity = max(1.0, conf.quota_burst_fraction() * quota)
        per_minute = conf.quota_rate_fraction() * quota
        # Small quotas: the one-token minimum burst would eat the margin, so slow the refill instead.
        ceiling = (quota - capacity) / (1 + LATENCY_SLACK_SECONDS / 60)
        per_minute = max(min(per_minute, ceiling), quota / 600)
        reserve = conf.quota_reserve_fraction() * capacity
        if capacity - reserve < 1:
            reserve = 0.0
        return cls(capacity, per_minute / 60, reserve)


@dataclass(frozen=True)
class Take:
    key: str
    quota_per_minute: int
    want: int
    bulk: bool = False  # bulk leaves the reserve in the bucket


@dataclass(frozen=True)
class Grant:
    granted: int
    wait_seconds: float  # when asking again is worthwhile


class QuotaBackend(abc.ABC):
    @abc.abstractmethod
    def take(self, requests: list[Take], *, now: float | None = None) -> list[Grant]:
        """Take up to `want` tokens for each request, in order, atomically per bucket; one Grant per request."""

    @abc.abstractmethod
    def pause(self, key: str, seconds: float, *, now: float | None = None) -> None:
        """The provider said slow down: no tokens for `seconds`, then refill from empty."""

    @abc.abstractmethod
    def reset(self, key: str) -> None:
        """Forget a bucket (tests, and channels whose quota changed)."""


def _refill(tokens: float, updated_at: float, now: float, shape: BucketShape) -> tuple[float, float]:
    if now > updated_at:
        return min(shape.capacity, tokens + (now - updated_at) * shape.rate_per_second), now
    return tokens, updated_at


def _grant(tokens: float, want: int, shape: BucketShape, bulk: bool) -> tuple[int, float, float]:
    floor = shape.reserve if bulk else 0.0
    available = math.floor(tokens - floor + 1e-9)
    granted = max(0, min(want, available))
    remaining = tokens - granted
    wait = 0.0 if remaining - floor >= 1 else (1 + floor - remaining) / shape.rate_per_second
    return granted, remaining, wait


# Bucket keys this process has seen in the table: their rows are not looked for again before each take (a bucket
# reset meanwhile is noticed by the locked read and created again).
_known_buckets: set[str] = set()


def _write_buckets(buckets) -> None:
    """Every bucket's tokens and refill time in one UPDATE ... FROM (VALUES ...) (bulk_update's CASE per key costs
    a Python expression tree per bucket, and a claim takes tokens from hundreds of buckets)."""
    rows = [(b.key, float(b.tokens), float(b.updated_at)) for b in buckets]
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(QuotaBucket._meta.db_table)
    key, tokens, updated_at = quote("key"), quote("tokens"), quote("updated_at")
    values = ", ".join(["(CAST(%s AS text), CAST(%s AS double precision), CAST(%s AS double precision))"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v (q_key, q_tokens, q_updated_at) AS (VALUES {values}) "  # noqa: S608 - the model's table
            f"UPDATE {table} SET {tokens} = v.q_tokens, {updated_at} = v.q_updated_at FROM v WHERE {table}.{key} = v.q_key",
            [value for row in rows for value in row],
        )


class DatabaseQuota(QuotaBackend):
    """A row per bucket, read under a row lock (PostgreSQL) or inside an IMMEDIATE transaction (SQLite)."""

    def take(self, requests: list[Take], *, now: float | None = None) -> list[Grant]:
        if not requests:
            return []
        now = time.time() if now is None else now
        keys = sorted({r.key for r in requests})
        grants: list[Grant] = []
        quotas = {r.key: r.quota_per_minute for r in requests}
        # Inside a claim's transaction no savepoint of its own: a failure here fails the whole claim anyway.
        with transaction.atomic(savepoint=False):
            if not _known_buckets.issuperset(keys):
                self._create_missing(keys, quotas, now)
            buckets = self._locked(keys)
            if len(buckets) < len(keys):  # a bucket reset (deleted) since this process last saw it
                self._create_missing(keys, quotas, now)
                buckets = self._locked(keys)
            for r in requests:
                bucket = buckets[r.key]
                shape = BucketShape.for_quota(r.quota_per_minute)
                if now < bucket.paused_until:
                    grants.append(Grant(0, bucket.paused_until - now))
                    continue
                bucket.tokens, bucket.updated_at = _refill(bucket.tokens, bucket.updated_at, now, shape)
                granted, bucket.tokens, wait = _grant(bucket.tokens, r.want, shape, r.bulk)
                grants.append(Grant(granted, wait))
            _write_buckets(buckets.values())
        return grants

    def _locked(self, keys: list[str]) -> dict[str, QuotaBucket]:
        """The buckets, locked in key order (FOR UPDATE on PostgreSQL; SQLite's transaction serialises writers)."""
        found = QuotaBucket.objects.select_for_update().filter(key__in=keys).order_by("key")
        buckets = {b.key: b for b in found}
        _known_buckets.update(buckets)
        return buckets

    def _create_missing(self, keys: list[str], quotas: dict[str, int], now: float) -> None:
        """Insert absent buckets in key order, before any row lock is taken: two dispatchers meeting new channels
        together then wait for each other in one order instead of deadlocking."""
        existing = set(QuotaBucket.objects.filter(key__in=keys).values_list("key", flat=True))
        missing = [key for key in keys if key not in existing]
        if missing:
            QuotaBucket.objects.bulk_create(
                [
                    QuotaBucket(key=key, tokens=BucketShape.for_quota(quotas[key]).capacity, updated_at=now)
                    for key in missing
                ],
                ignore_conflicts=True,
            )

    def _create(self, key: str, quota_per_minute: int, now: float) -> QuotaBucket:
        capacity = BucketShape.for_quota(quota_per_minute).capacity
        try:
            with transaction.atomic():
                return QuotaBucket.objects.create(key=key, tokens=capacity, updated_at=now)
        except IntegrityError:
            return QuotaBucket.objects.select_for_update().get(key=key)

    def pause(self, key: str, seconds: float, *, now: float | None = None) -> None:
        now = time.time() if now is None else now
        until = now + seconds
        with transaction.atomic():
            bucket = QuotaBucket.objects.select_for_update().filter(key=key).first() or self._create(key, 1, now)
            bucket.tokens = 0
            bucket.updated_at = max(bucket.updated_at, until)
            bucket.paused_until = max(bucket.paused_until, until)
            bucket.save()

    def reset(self, key: str) -> None:
        QuotaBucket.objects.filter(key=key).delete()
        _known_buckets.discard(key)


TAKE_SCRIPT = """
local cap, rate, want, floor = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local now = tonumber(ARGV[5])
if not now then local t = redis.call('TIME'); now = tonumber(t[1]) + tonumber(t[2]) / 1000000 end
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'paused')
local tokens, ts, paused = tonumber(b[1]), tonumber(b[2]), tonumber(b[3]) or 0
if tokens == nil then tokens = cap; ts = now end
if now < paused then return {0, math.ceil((paused - now) * 1000)} end
if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate); ts = now end
local avail = math.floor(tokens - floor + 1e-9)
local grant = math.max(0, math.min(want, avail))
tokens = tokens - grant
local wait = 0
if tokens - floor < 1 then wait = math.ceil((1 + floor - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts), 'paused', tostring(paused))
redis.call('EXPIRE', KEYS[1], 86400)
return {grant, wait}
"""

PAUSE_SCRIPT = """
local untilts = tonumber(ARGV[1])
if not ARGV[2] or ARGV[2] == '' then
  local t = redis.call('TIME'); untilts = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
end
local b = redis.call('HMGET', KEYS[1], 'ts', 'paused')
local ts, paused = tonumber(b[1]) or 0, tonumber(b[2]) or 0
redis.call('HSET', KEYS[1], 'tokens', '0', 'ts', tostring(math.max(ts, untilts)), 'paused', tostring(math.max(paused, untilts)))
redis.call('EXPIRE', KEYS[1], 86400)
return 1
"""


class RedisQuota(QuotaBackend):
    """Buckets in Redis, changed only by Lua scripts (atomic), timed by the Redis server's clock."""

    prefix = "ketnoi:quota:"

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self._take = self.client.register_script(TAKE_SCRIPT)
        self._pause = self.client.register_script(PAUSE_SCRIPT)

    def take(self, requests: list[Take], *, now: float | None = None) -> list[Grant]:
        grants: list[Grant] = []
        for r in requests:
            shape = BucketShape.for_quota(r.quota_per_minute)
            floor = shape.reserve if r.bulk else 0.0
            args = [shape.capacity, shape.rate_per_second, r.want, floor, "" if now is None else now]
            granted, wait_ms = self._take(keys=[self.prefix + r.key], args=args)
            grants.append(Grant(int(granted), int(wait_ms) / 1000))
        return grants

    def pause(self, key: str, seconds: float, *, now: float | None = None) -> None:
        if now is None:
            self._pause(keys=[self.prefix + key], args=[seconds, ""])
        else:
            self._pause(keys=[self.prefix + key], args=[now + seconds, "given"])

    def reset(self, key: str) -> None:
        self.client.delete(self.prefix + key)


@cache
def _redis_backend(url: str) -> RedisQuota:
    return RedisQuota(url)


def quota_backend() -> QuotaBackend:
    url = getattr(settings, "RATE_LIMIT_REDIS_URL", "")
    return _redis_backend(url) if url else DatabaseQuota()
