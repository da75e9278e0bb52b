"""Priority isolation: transactional messages (replies, dossier notices) from commit to the sink while a
1,000,000-message bulk backlog drains through the same dispatchers and the same channels.
Target: transactional p99 under 2 s. Baseline: the same transactional stream with no backlog, same run.

The backlog is written with one INSERT ... SELECT generate_series (timed and reported: this is how fast a
broadcast of that size can be queued), spread over CHANNELS channels whose 4,000/min quotas together exceed what
the dispatchers can send, so the dispatchers, not the quotas, are saturated: the hard case for a reply. Each
transactional message is enqueued through outbox_enqueue in its own transaction at RATE per second; its latency
is the sandbox's arrival time minus the time the enqueue committed. The backlog is not expected to drain; the
bulk messages sent while the stream ran are reported. BENCH_BACKLOG shrinks it for development runs.
"""

import os
import random
import time

from . import bulk, harness, zalo

BACKLOG = int(os.environ.get("BENCH_BACKLOG", "1000000"))
CHANNELS = int(os.environ.get("BENCH_PRIORITY_CHANNELS", "20"))
RATE = float(os.environ.get("BENCH_PRIORITY_RATE", "5"))
SECONDS = float(os.environ.get("BENCH_PRIORITY_SECONDS", "60"))
TARGET_P99 = 2.0


def _load_backlog(oas: list[zalo.Oa]) -> float:
    from ketnoi.outbox.models import OutboundMessage

    channel_ids = ",".join(str(oa.channel_id) for oa in oas)
    user_ids = ",".join(f"'{oa.user_ids[0]}'" for oa in oas)
    pick = f"(g % {len(oas)}) + 1"
    special = {
        "id": None,
        "uuid": "gen_random_uuid()",
        "channel_id": f"(ARRAY[{channel_ids}])[{pick}]",
        "recipient_user_id": f"(ARRAY[{user_ids}]::varchar[])[{pick}]",
        "lane": "2",
        "kind": "'text'",
        "payload": "jsonb_build_object('kind', 'text', 'text', 'bulk ' || g || ' Bản tin khẩn về thời tiết')",
        "idempotency_key": "'broadcast-1:' || g",
        # As bulk_create from Python writes them: each row its own instant (a shared one makes claims sort ties).
        "next_attempt_at": f"now() - ({BACKLOG} - g) * interval '1 microsecond'",
        "created_at": f"now() - ({BACKLOG} - g) * interval '1 microsecond'",
        "source_type": "'broadcast'",
        "source_id": "'1'",
    }
    return bulk.insert_series(OutboundMessage, special, BACKLOG, chunk=250_000)


def _stream(oas: list[zalo.Oa], phase: str) -> tuple[dict[str, float], float, float]:
    """Enqueue RATE transactional messages a second for SECONDS, each in its own transaction."""
    from django.db import transaction

    from ketnoi.channels.types.base import OutboundPayload
    from ketnoi.outbox.models import Lane
    from ketnoi.outbox.services import outbox_enqueue

    rng = random.Random(7)
    committed: dict[str, float] = {}
    total = int(RATE * SECONDS)
    started = time.time()
    for n in range(total):
        time.sleep(max(0.0, started + n / RATE - time.time()))
        oa = rng.choice(oas)
        text = f"tx-{phase}-{n} Hồ sơ của ông/bà đã có kết quả"
        with transaction.atomic():
            outbox_enqueue(
                channel=oa.channel,
                payload=OutboundPayload(kind="text", text=text),
                idempotency_key=f"tx-{phase}-{n}",
                lane=Lane.TRANSACTIONAL,
                recipient_user_id=oa.user_ids[0],
            )
        committed[f"tx-{phase}-{n}"] = time.time()
    return committed, started, time.time()


def _latencies(phase: str, committed: dict[str, float]) -> tuple[list[float], int]:
    zalo.wait_for_sink(f"tx-{phase}-", len(committed), timeout=60)
    latencies = []
    for text, at in zalo.arrivals(f"tx-{phase}-"):
        key = text.split(" ", 1)[0]
        latencies.append(at - committed[key])
    return latencies, len(committed) - len(latencies)


def _bulk_between(start: float, end: float) -> int:
    import datetime as dt

    from ketnoi.sandbox.models import Message

    return Message.objects.filter(
        text__startswith="bulk ",
        created_at__gte=dt.datetime.fromtimestamp(start, tz=dt.UTC),
        created_at__lt=dt.datetime.fromtimestamp(end, tz=dt.UTC),
    ).count()


def _summary(latencies: list[float], missing: int) -> dict:
    return {
        "p50 s": round(harness.percentile(latencies, 50), 3),
        "p99 s": round(harness.percentile(latencies, 99), 3),
        "max s": round(max(latencies), 3) if latencies else None,
        "missing": missing,
    }


def run() -> harness.Result:
    harness.django_setup()
    from ketnoi.channels.models import Channel

    zalo.lean_sandbox()
    oas = zalo.create_oas(CHANNELS)
    zalo.connect_channels(oas, quota_per_minute=4000)
    channels = Channel.objects.in_bulk([oa.channel_id for oa in oas])
    for oa in oas:
        oa.channel = channels[oa.channel_id]
    with harness.Server() as server:
        with zalo.Dispatchers(server.url):
            quiet, _, _ = _stream(oas, "quiet")
            baseline = _summary(*_latencies("quiet", quiet))
        load_seconds = _load_backlog(oas)
        with zalo.Dispatchers(server.url):
            time.sleep(5)  # the dispatchers are busy with the backlog before the first reply comes
            busy, started, ended = _stream(oas, "busy")
            figures = _summary(*_latencies("busy", busy))
            bulk_sent = _bulk_between(started, ended)
    figures["bulk sent during the stream"] = bulk_sent
    figures["bulk msgs/s during the stream"] = round(bulk_sent / (ended - started), 1)
    figures["backlog queued in s"] = round(load_seconds, 1)
    met = figures["p99 s"] < TARGET_P99 and figures["missing"] == 0
    return harness.Result(
        name="priority_isolation",
        title=f"Transactional latency during a {BACKLOG:,}-message bulk backlog",
        figures=figures,
        baseline={f"no backlog {k}": v for k, v in baseline.items()},
        target=f"transactional p99 < {TARGET_P99:.0f} s from commit to sink",
        met=met,
        notes=(
            f"{int(RATE * SECONDS)} transactional messages at {RATE:g}/s over {CHANNELS} channels (4,000/min each) "
            f"that also carry the backlog; {zalo.DISPATCHERS} run_dispatcher processes x {zalo.CONCURRENCY} threads; "
            f"backlog rows inserted by INSERT ... SELECT generate_series with every index in place."
        ),
    )
