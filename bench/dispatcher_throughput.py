"""The dispatcher alone (#17 item 4): one `run_dispatcher` process sending consultation messages to the fast stub
provider (bench/stub_zalo.py) over 1,000 Zalo channels whose quotas never bind, against a bare async sender (the
same httpx.AsyncClient, the same bodies and tokens, the same number in flight, no database) in the same run.

Rows: 1,000 channels x 10 followers (ChannelContacts, as the follow webhook makes them), MESSAGES notices spread over
them (each person gets several, so per-person lines and runs are exercised), written in one transaction before the
clock starts. The dispatcher's clock runs from the commit to the last arrival at the stub. Reported: messages/s and
the ratio to the bare sender; CPU ms per message of the dispatcher process and of the PostgreSQL backends (from
/proc), commits per message (pg_stat_database); lost, duplicated and out-of-order per person, counted at the stub.
Target: >= 2,000 msgs/s, 0 lost, 0 duplicated. BENCH_SCALE shrinks the run for development.
BENCH_DISPATCH_PROCESSES=2 runs two processes, as a deployment scales (ketnoi-dispatcher@N); one is the default so
the figure says what one process does (on this 2-core machine two meet the target and one does not: README).
"""

import asyncio
import os
import time
from collections import defaultdict

import httpx

from . import cpu, harness, stub_zalo, zalo

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
CHANNELS = max(10, int(1000 * SCALE))
FOLLOWERS = 10
MESSAGES = max(2_000, int(50_000 * SCALE))
CONCURRENCY = int(os.environ.get("BENCH_DISPATCH_CONCURRENCY", "256"))
BATCH = int(os.environ.get("BENCH_DISPATCH_BATCH", "500"))
PROCESSES = int(os.environ.get("BENCH_DISPATCH_PROCESSES", "1"))
TARGET = 2_000
QUOTA = 10_000_000  # per minute: unthrottled


def _oa_id(n: int) -> str:
    return f"{4_000_000_000_000_000 + n}"


def _setup_channels() -> list[dict]:
    """CHANNELS Zalo channels through the real service (credentials encrypted), FOLLOWERS contacts each."""
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.orgs.demo import seed
    from ketnoi.orgs.models import AdministrativeUnit

    seed()
    unit = AdministrativeUnit.objects.get(code="90", valid_to=None)
    channels = []
    for n in range(CHANNELS):
        oa_id = _oa_id(n)
        channel = zalo.stub_oa_channel(
            unit=unit, name=f"Bench OA {n}", oa_id=oa_id, app_id=f"9{n:08d}", quota_per_minute=QUOTA
        )
        channels.append({"id": channel.pk, "oa": oa_id})
    now = timezone.now()
    with transaction.atomic():
        people = Contact.objects.bulk_create(
            [Contact(name=f"Người {n}.{j}") for n in range(CHANNELS) for j in range(FOLLOWERS)], batch_size=5000
        )
        rows = ChannelContact.objects.bulk_create(
            [
                ChannelContact(
                    channel_id=channels[n]["id"],
                    contact=people[n * FOLLOWERS + j],
                    user_id=f"u{n}x{j}",
                    is_follower=True,
                    followed_at=now,
                    last_interaction_at=now,
                )
                for n in range(CHANNELS)
                for j in range(FOLLOWERS)
            ],
            batch_size=5000,
        )
    for n, channel in enumerate(channels):
        channel["followers"] = [(row.pk, row.user_id) for row in rows[n * FOLLOWERS : (n + 1) * FOLLOWERS]]
    return channels


def _plan(channels: list[dict], prefix: str) -> list[tuple[dict, int, str, str, str]]:
    """(channel, channel contact id, user id, text, idempotency key) per message: round-robin over the people."""
    people = [(channel, pk, user) for channel in channels for pk, user in channel["followers"]]
    plan = []
    for i in range(MESSAGES):
        channel, pk, user = people[i % len(people)]
        plan.append((channel, pk, user, f"{prefix}{i:06d} Hồ sơ BENCH-{i}: Đang xử lý.", f"{prefix}{i:06d}"))
    return plan


def _enqueue(plan) -> float:
    """All rows in one transaction through the outbox service; returns the commit time (epoch seconds)."""
    from django.db import transaction

    from ketnoi.channels.types.base import OutboundPayload
    from ketnoi.outbox.models import Lane, OutboundMessage
    from ketnoi.outbox.payloads import payload_to_json
    from ketnoi.outbox.services import outbox_enqueue_many

    rows = [
        OutboundMessage(
            channel_id=channel["id"],
            channel_contact_id=pk,
            recipient_user_id=user,
            lane=Lane.TRANSACTIONAL,
            kind="text",
            payload=payload_to_json(OutboundPayload(kind="text", text=text)),
            idempotency_key=key,
        )
        for channel, pk, user, text, key in plan
    ]
    with transaction.atomic():
        outbox_enqueue_many(messages=rows)
    return time.time()


async def _bare(stub_url: str, plan, *, transport: str = "aiohttp") -> dict:
    """The floor: each message straight to the stub, CONCURRENCY in flight, nothing written anywhere; over the
    dispatcher's own client (core/async_http.AsyncHttp on aiohttp) or, for reference, httpx.AsyncClient."""
    from ketnoi.core.async_http import AsyncHttp

    url = f"{stub_url}/openapi/v3.0/oa/message/cs"
    errors: dict[str, int] = defaultdict(int)
    queue = list(reversed(plan))
    if transport == "httpx":
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        client = httpx.AsyncClient(limits=limits, timeout=30)
    else:
        client = await AsyncHttp(max_connections=CONCURRENCY).open()

    async def worker() -> None:
        while queue:
            channel, _pk, user, text, _key = queue.pop()
            body = {"recipient": {"user_id": user}, "message": {"text": text}}
            try:
                answer = (await client.post(url, json=body, headers={"access_token": f"{channel['oa']}.bench"})).json()
                if answer.get("error") != 0:
                    errors[str(answer.get("error"))] += 1
            except (httpx.HTTPError, ValueError) as exc:
                errors[type(exc).__name__] += 1

    started, cpu_started = time.monotonic(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed, cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
    await client.aclose()
    return {"elapsed": elapsed, "cpu_ms_per_message": 1000 * cpu_seconds / len(plan), "errors": dict(errors)}


def _out_of_order(arrivals: list[list], order: dict[str, int]) -> int:
    """Messages that reached a person before one written to them earlier."""
    last: dict[tuple[str, str], int] = {}
    late = 0
    for _at, _kind, oa, recipient, key, _mid in arrivals:
        n = order.get(key)
        if n is None:
            continue
        if n < last.get((oa, recipient), -1):
            late += 1
        last[(oa, recipient)] = max(n, last.get((oa, recipient), -1))
    return late


def run() -> harness.Result:
    harness.django_setup()
    load_before = cpu.load_average()
    started = time.monotonic()
    channels = _setup_channels()
    setup_seconds = time.monotonic() - started
    with stub_zalo.StubZalo() as stub:
        asyncio.run(_bare(stub.url, _plan(channels, "warm-")[:2000]))
        bare = asyncio.run(_bare(stub.url, _plan(channels, "bare-")))
        bare_rate = MESSAGES / bare["elapsed"]
        reference = _plan(channels, "httpx-")[: max(500, MESSAGES // 10)]  # httpx is slow here: a tenth will do
        bare_httpx = asyncio.run(_bare(stub.url, reference, transport="httpx"))
        stub.reset()

        plan = _plan(channels, "disp-")
        os.environ["BENCH_BATCH_SIZE"] = str(BATCH)
        zalo.BATCH_SIZE = str(BATCH)
        with zalo.Dispatchers(stub.url, count=PROCESSES, concurrency=CONCURRENCY, **stub.env()) as dispatchers:
            enqueue_started = time.monotonic()
            pids = [process.pid for process in dispatchers.processes]
            with cpu.CpuMeter(roots=pids, database=harness.DB_NAME) as meter:
                committed = _enqueue(plan)
                enqueue_seconds = time.monotonic() - enqueue_started
                stats = stub.wait_for(MESSAGES, timeout=max(300, 20 * MESSAGES / bare_rate))
            arrivals = stub.arrivals()
        last = arrivals[-1][0] if arrivals else committed
    expected = {f"{channel['oa']}|{user}|{text}": n for n, (channel, _pk, user, text, _key) in enumerate(plan)}
    counted = stub_zalo.lost_and_duplicated(arrivals, set(expected))
    rate = counted["arrived"] / (last - committed) if last > committed else 0.0
    ratio = rate / bare_rate
    per_message = meter.use.per(MESSAGES)
    figures = {
        "dispatcher msgs/s": round(rate, 1),
        "ratio to bare": round(ratio, 2),
        **per_message,
        "lost": counted["lost"],
        "duplicated": counted["duplicated"],
        "out of order per person": _out_of_order(arrivals, expected),
        "arrived": f"{counted['arrived']}/{MESSAGES}",
    }
    return harness.Result(
        name="dispatcher_throughput",
        title=f"Dispatcher alone, {CHANNELS:,} unthrottled channels, to the fast stub provider",
        figures=figures,
        baseline={
            "bare async sender msgs/s": round(bare_rate, 1),
            "bare sender CPU ms/message": round(bare["cpu_ms_per_message"], 3),
            "bare errors": bare["errors"],
            "bare httpx.AsyncClient msgs/s (reference)": round(len(reference) / bare_httpx["elapsed"], 1),
            "bare httpx CPU ms/message": round(bare_httpx["cpu_ms_per_message"], 3),
        },
        target=f">= {TARGET:,} msgs/s; 0 lost, 0 duplicated",
        met=rate >= TARGET and counted["lost"] == 0 and counted["duplicated"] == 0,
        notes=(
            f"{MESSAGES:,} notices to {CHANNELS * FOLLOWERS:,} followers of {CHANNELS:,} OAs, written in one "
            f"transaction ({enqueue_seconds:.1f} s, inside the CPU window; setup {setup_seconds:.0f} s); "
            f"{PROCESSES} run_dispatcher process{'es' if PROCESSES > 1 else ''}, {CONCURRENCY} in flight, batches of {BATCH}; the bare sender: the dispatcher's "
            f"client (aiohttp behind core/async_http.AsyncHttp), the same bodies and tokens, {CONCURRENCY} in flight "
            f"(and httpx.AsyncClient on a tenth of them, for reference); stub stats {stats}; load average "
            f"{load_before} before, {cpu.load_average()} after (2 cores shared with other sessions)."
        ),
    )
