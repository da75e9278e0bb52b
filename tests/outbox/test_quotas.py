"""The token bucket: never more than the quota in any 60 s window, ≥95 % of it used while a backlog exists,
a reserve bulk cannot take, and a pause after "rate limited". Both backends, on a simulated clock; then the
whole dispatcher against the sink."""

import time
import uuid

import pytest

from ketnoi.outbox.models import Lane, OutboundMessage, QuotaBucket, Status
from ketnoi.outbox.quotas import DatabaseQuota, RedisQuota, Take

from .helpers import drain, enqueue

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(params=["database", "redis"])
def backend(request, transactional_db):
    if request.param == "redis":
        return RedisQuota(REDIS_URL)
    return DatabaseQuota()


def max_in_window(times: list[float], seconds: float = 60.0) -> int:
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


@pytest.mark.parametrize("quota", [4000, 600, 30])
def test_bucket_keeps_every_window_under_the_quota_and_uses_most_of_it(backend, quota):
    key = f"test:{uuid.uuid4().hex}"
    start, step, minutes = 1_000_000.0, 0.25, 3
    grants: list[float] = []
    t = start
    while t < start + minutes * 60:
        granted = backend.take([Take(key, quota, want=max(2, quota // 100))], now=t)[0].granted
        grants.extend([t] * granted)
        t += step
    assert max_in_window(grants) <= quota
    steady = [g for g in grants if g >= start + 60]
    used = len(steady) / (quota * (minutes - 1))
    assert used >= (0.95 if quota >= 600 else 0.85), f"only {used:.1%} of the quota used"


def test_bulk_leaves_a_reserve_for_replies(backend):
    key = f"test:{uuid.uuid4().hex}"
    now = 2_000_000.0
    bulk_total = 0
    for _ in range(5):
        bulk_total += backend.take([Take(key, 4000, want=1000, bulk=True)], now=now)[0].granted
    assert 0 < bulk_total < 60  # the burst, less the reserve
    assert backend.take([Take(key, 4000, want=1000, bulk=True)], now=now)[0].granted == 0
    assert backend.take([Take(key, 4000, want=5)], now=now)[0].granted == 5  # a reply still goes at once


def test_pause_shuts_the_bucket_then_it_refills_from_empty(backend):
    key = f"test:{uuid.uuid4().hex}"
    now = 3_000_000.0
    assert backend.take([Take(key, 600, want=1)], now=now)[0].granted == 1
    backend.pause(key, 10, now=now)
    grant = backend.take([Take(key, 600, want=1)], now=now + 5)[0]
    assert grant.granted == 0 and grant.wait_seconds == pytest.approx(5, abs=0.01)
    assert backend.take([Take(key, 600, want=100)], now=now + 10.5)[0].granted <= 5
    backend.reset(key)


def test_channels_of_one_app_share_one_bucket(backend):
    now = 4_000_000.0
    key = f"app:{uuid.uuid4().hex}"
    first = backend.take([Take(key, 600, want=100)], now=now)[0].granted
    second = backend.take([Take(key, 600, want=100)], now=now)[0].granted
    assert first >= 1 and second == 0


@pytest.mark.parametrize("redis", [False, True], ids=["database", "redis"])
def test_dispatcher_never_lets_more_than_the_quota_through_in_a_window(make_channel, sink, settings, redis):
    if redis:
        settings.RATE_LIMIT_REDIS_URL = REDIS_URL
    started = time.monotonic()
    app = f"app:{uuid.uuid4().hex}"
    one = make_channel(quota_per_minute=12, quota_group=app)
    two = make_channel(quota_per_minute=12, quota_group=app)  # same Zalo app: same bucket
    for i in range(15):
        enqueue(one, f"one-{i}", lane=Lane.BULK)
        enqueue(two, f"two-{i}")
    drain(settled=lambda: time.monotonic() - started > 4)
    assert time.monotonic() - started < 60  # so every send at the sink falls in one 60 s window
    assert 1 <= len(sink.accepted) <= 12
    assert all(count == 1 for count in sink.counts().values())
    rows = OutboundMessage.objects.all()
    assert rows.filter(status=Status.QUEUED).count() == 30 - len(sink.accepted)  # waiting their turn, none lost
    assert all(k.startswith("two-") for k in sink.counts())  # replies first; bulk leaves them the reserve
    if redis:  # the buckets lived in Redis, not in the database
        assert not QuotaBucket.objects.exists()
        assert RedisQuota(REDIS_URL).client.exists(RedisQuota.prefix + app)
    else:
        assert QuotaBucket.objects.filter(key=app).exists()
