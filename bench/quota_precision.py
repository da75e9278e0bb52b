"""Quota precision: a backlog on a few channels with a small quota, drained by the production dispatcher into the
Zalo sandbox. At the sink, every message's arrival time per channel; every sliding 60-second window (one starting
at each arrival, and one each second while the backlog exists) is counted against the quota.
Targets: zero windows over the quota, and at least 95 % of the quota used while the backlog exists.

Scaling: the bucket's shape is proportional to the quota (refill 96.5 %, burst 1.5 % of it: ketnoi/outbox/conf.py),
so 600/min behaves like Zalo's 4,000/min scaled down by 6.7 while keeping runs short and the machine's own speed out
of the figure. The sandbox's own -32 limit is lifted for these apps so that any overshoot reaches the sink and is
counted. Run once with the database bucket and once with the Redis bucket (BENCH_QUOTA_REDIS=0 skips it).
Baseline: the same backlog with the quota disabled (a bucket of 1,000,000/min): how fast the sink takes it.
"""

import os
import time
from collections import defaultdict

from . import harness, zalo

CHANNELS = int(os.environ.get("BENCH_QUOTA_CHANNELS", "3"))
QUOTA = int(os.environ.get("BENCH_QUOTA_PER_MINUTE", "600"))
SECONDS = float(os.environ.get("BENCH_QUOTA_SECONDS", "100"))
FREE_SECONDS = 20.0
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
WITH_REDIS = os.environ.get("BENCH_QUOTA_REDIS", "1") == "1"
WINDOW = 60.0


def _backlog(oas: list[zalo.Oa], run: str, per_channel: int) -> float:
    from django.db import transaction

    from ketnoi.channels.types.base import OutboundPayload
    from ketnoi.outbox.models import Lane, OutboundMessage
    from ketnoi.outbox.payloads import payload_to_json
    from ketnoi.outbox.services import outbox_enqueue_many

    rows = [
        OutboundMessage(
            channel_id=oa.channel_id,
            recipient_user_id=oa.user_ids[0],
            lane=Lane.BULK,
            kind="text",
            payload=payload_to_json(OutboundPayload(kind="text", text=f"{run}:{c}:{i} Bản tin")),
            idempotency_key=f"{run}-{c}-{i}",
        )
        for i in range(per_channel)
        for c, oa in enumerate(oas)
    ]
    with transaction.atomic():
        outbox_enqueue_many(messages=rows)
    return time.time()


def _stop_leftovers() -> int:
    from ketnoi.outbox.models import OutboundMessage, Status

    return OutboundMessage.objects.filter(status=Status.QUEUED).update(status=Status.CANCELLED)


def arrival_windows(times: list[float], seconds: float = WINDOW) -> list[int]:
    """Arrivals in the window [t, t + seconds) starting at each arrival t: the fullest window is among these."""
    counts, end = [], 0
    for start, t in enumerate(times):
        while end < len(times) and times[end] < t + seconds:
            end += 1
        counts.append(end - start)
    return counts


def max_in_window(times: list[float], seconds: float = WINDOW) -> int:
    return max(arrival_windows(times, seconds), default=0)


def counts_from(times: list[float], starts: list[float], seconds: float = WINDOW) -> list[int]:
    import bisect

    return [bisect.bisect_left(times, s + seconds) - bisect.bisect_left(times, s) for s in starts]


def _drain(server_url: str, oas, run: str, seconds: float, per_channel: int, **env: str) -> dict:
    with zalo.Dispatchers(server_url, **env):
        committed = _backlog(oas, run, per_channel)
        time.sleep(max(0.0, committed + seconds - time.time()))
    stopped = time.time()
    left = _stop_leftovers()
    per_channel_times: dict[int, list[float]] = defaultdict(list)
    for text, at in zalo.arrivals(f"{run}:"):
        per_channel_times[int(text.split(":")[1])].append(at)
    return {"committed": committed, "stopped": stopped, "times": per_channel_times, "left": left}


def _analyse(result: dict) -> dict:
    over = 0
    worst = 0
    uses: list[float] = []
    # Windows that lie inside the backlog: from the commit until the dispatchers were told to stop.
    starts = [result["committed"] + k for k in range(int(result["stopped"] - result["committed"] - WINDOW) + 1)]
    for times in result["times"].values():
        times.sort()
        windows = arrival_windows(times)
        worst = max([worst, *windows])
        over += sum(1 for n in windows if n > QUOTA)
        uses += [n / QUOTA for n in counts_from(times, starts)]
    return {
        "max in any 60 s window": worst,
        "windows over quota": over,
        "mean use %": round(100 * sum(uses) / len(uses), 1) if uses else 0.0,
        "min use %": round(100 * min(uses), 1) if uses else 0.0,
        "backlog left": result["left"],
    }


def run() -> harness.Result:
    harness.django_setup()
    zalo.lean_sandbox()
    oas = zalo.create_oas(CHANNELS, sandbox_limit_per_minute=100 * QUOTA)
    zalo.connect_channels(oas, quota_per_minute=QUOTA)
    backlog = int(QUOTA / 60 * SECONDS * 1.2) + 100  # more than the run can send: the backlog never runs out
    figures: dict[str, dict] = {}
    with harness.Server() as server:
        zalo.set_quota(1_000_000)
        free = _drain(server.url, oas, "free", FREE_SECONDS, backlog)
        zalo.set_quota(QUOTA)
        figures["database bucket"] = _analyse(_drain(server.url, oas, "db", SECONDS, backlog))
        if WITH_REDIS:
            import redis

            redis.Redis.from_url(REDIS_URL).flushdb()
            zalo.set_quota(QUOTA)
            redis_run = _drain(server.url, oas, "redis", SECONDS, backlog, RATE_LIMIT_REDIS_URL=REDIS_URL)
            figures["redis bucket"] = _analyse(redis_run)
    free_rates = [
        len(times) / (max(times) - free["committed"]) * 60 for times in free["times"].values() if len(times) > 1
    ]
    free_max = max((max_in_window(sorted(t)) for t in free["times"].values()), default=0)
    met = all(f["max in any 60 s window"] <= QUOTA and f["mean use %"] >= 95 for f in figures.values())
    return harness.Result(
        name="quota_precision",
        title=f"Quota precision, {CHANNELS} channels at {QUOTA}/min, backlog {SECONDS:.0f} s",
        figures=figures,
        baseline={
            "quota disabled: sink takes msgs/min per channel": round(sum(free_rates) / len(free_rates))
            if free_rates
            else 0,
            f"quota disabled: most in {FREE_SECONDS:.0f} s per channel": free_max,
            "quota per channel per 60 s": QUOTA,
        },
        target="no 60 s window over the quota; >= 95 % quota use (mean of the windows inside the backlog)",
        met=met,
        notes=(
            f"Backlog {backlog:,} bulk messages per channel, {zalo.DISPATCHERS} run_dispatcher processes x "
            f"{zalo.CONCURRENCY} threads; sink times are the sandbox's arrival times. Use = messages in each 60 s "
            f"window starting every second from the commit of the backlog to the stop, over the quota."
        ),
    )
