"""Outbound throughput: the production dispatcher (run_dispatcher processes, claim + quota + send + record) sending
consultation messages to the Zalo sandbox on gunicorn, against a bare concurrent HTTP sender (httpx, asyncio)
posting the same payloads with the same tokens to the same sink endpoint with the same concurrency.
Target: the dispatcher reaches at least 0.6 of the bare sender's messages per second.

1,000 sandbox apps/OAs, each connected as a channel with a 4,000/min quota, so the quota never binds: each
channel gets MESSAGES / 1,000 messages. The dispatcher's clock starts when the rows are committed (its processes
are already running and idle) and stops at the last arrival at the sink.
BENCH_SCALE shrinks the channel and message counts for development runs.
"""

import asyncio
import os
import time

import httpx

from . import harness, zalo

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
CHANNELS = max(2, int(1000 * SCALE))
MESSAGES = max(200, int(6_000 * SCALE))
QUOTA = 4000
TARGET = 0.6


def _plan(oas: list[zalo.Oa], prefix: str) -> list[tuple[zalo.Oa, str, str]]:
    """(OA, follower, text) per message, round-robin over the channels."""
    return [
        (oas[i % len(oas)], oas[i % len(oas)].user_ids[0], f"{prefix}{i} Thông báo thử nghiệm") for i in range(MESSAGES)
    ]


async def _bare(base: str, plan, concurrency: int) -> dict:
    """The floor: POST each message straight to the sink, `concurrency` in flight, no database on our side."""
    url = f"{base}/sandbox/zalo/openapi/v3.0/oa/message/cs"
    errors: dict[str, int] = {}
    queue = list(reversed(plan))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            while queue:
                oa, user_id, text = queue.pop()
                body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
                try:
                    response = await client.post(url, json=body, headers={"access_token": oa.access_token})
                    if response.json().get("error") != 0:
                        errors[str(response.json().get("error"))] = errors.get(str(response.json().get("error")), 0) + 1
                except (httpx.HTTPError, ValueError) as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return {"elapsed": elapsed, "errors": errors}


def _enqueue(plan) -> float:
    """All rows in one transaction (a broadcast fan-out through the outbox service); returns the commit time."""
    from django.db import transaction

    from ketnoi.channels.types.base import OutboundPayload
    from ketnoi.outbox.models import Lane, OutboundMessage
    from ketnoi.outbox.payloads import payload_to_json
    from ketnoi.outbox.services import outbox_enqueue_many

    rows = [
        OutboundMessage(
            channel_id=oa.channel_id,
            recipient_user_id=user_id,
            lane=Lane.TRANSACTIONAL,
            kind="text",
            payload=payload_to_json(OutboundPayload(kind="text", text=text)),
            idempotency_key=f"tp-{i}",
        )
        for i, (oa, user_id, text) in enumerate(plan)
    ]
    with transaction.atomic():
        outbox_enqueue_many(messages=rows)
    return time.time()


def run() -> harness.Result:
    harness.django_setup()
    zalo.lean_sandbox()
    started = time.monotonic()
    oas = zalo.create_oas(CHANNELS)
    zalo.connect_channels(oas, quota_per_minute=QUOTA)
    setup_seconds = time.monotonic() - started
    concurrency = zalo.DISPATCHERS * zalo.CONCURRENCY
    with harness.Server() as server:
        warm = _plan(oas, "warm-")[:300]
        asyncio.run(_bare(server.url, warm, concurrency))
        bare = asyncio.run(_bare(server.url, _plan(oas, "bare-"), concurrency))
        bare_rate = MESSAGES / bare["elapsed"]
        with zalo.Dispatchers(server.url):
            committed = _enqueue(_plan(oas, "disp-"))
            arrived = zalo.wait_for_sink("disp-", MESSAGES, timeout=max(120, 5 * MESSAGES / bare_rate))
            last = zalo.arrivals("disp-")[-1][1] if arrived else committed
        summary = zalo.outbox_summary()
    dispatcher_rate = arrived / (last - committed)
    ratio = dispatcher_rate / bare_rate
    return harness.Result(
        name="outbox_throughput",
        title=f"Outbound throughput, {CHANNELS:,} channels at {QUOTA:,}/min",
        figures={
            "dispatcher msgs/s": round(dispatcher_rate, 1),
            "ratio to bare": round(ratio, 2),
            "delivered": f"{arrived}/{MESSAGES}",
            "outbox": summary,
        },
        baseline={"bare httpx sender msgs/s": round(bare_rate, 1), "bare errors": bare["errors"]},
        target=f">= {TARGET} of the bare sender",
        met=ratio >= TARGET and arrived == MESSAGES,
        notes=(
            f"{MESSAGES:,} text messages to {CHANNELS:,} sandbox OAs (setup {setup_seconds:.0f} s); "
            f"{zalo.DISPATCHERS} run_dispatcher processes x {zalo.CONCURRENCY} sender threads vs "
            f"{concurrency} concurrent asyncio requests; gunicorn gthread 2x8 serving the sandbox, all on one "
            f"machine (load average {os.getloadavg()[0]:.1f} at the end)."
        ),
    )
