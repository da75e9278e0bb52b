"""An emergency alert to 1,000,000 followers of 300 OAs handed to the provider (#17): from the leader's approval to
the last message at the fast stub provider (bench/stub_zalo.py), with quotas that allow it.

Setup: OAS Zalo channels of commune A through the real service (credentials encrypted), each with Zalo's documented
4,000 calls a minute (reference §3.5), so 300 OAs take 1,000,000 messages in about a minute of quota and the quotas
do not bind; RECIPIENTS followers spread over them round-robin (Contact + ChannelContact, window open, no
subscription: unplaced followers of a commune's OA live in that commune), written by INSERT ... SELECT
generate_series. The alert (topic emergency, everyone in commune A, not only subscribers) is composed, submitted and
approved through the services; the clock starts at the approval's commit. The fan-out (`fanout_run`, the production
code the background task runs: pages of 10,000 followers, one INSERT ... SELECT each) runs in this process while
DISPATCHERS `run_dispatcher` processes send to the stub; the clock stops at the last arrival.

Reported: seconds from approval to the last message, and 1,000,000 at the measured rate (target: < 10 minutes),
the fan-out's seconds, messages/s at the provider, CPU ms per message (this process's fan-out, the dispatchers,
PostgreSQL), commits per message, lost and duplicated counted at the stub (a message's key there is OA + recipient
+ text: one per person). Baseline, same run: the bare async sender of dispatcher_throughput (the dispatcher's own
HTTP client, the same number in flight, no database) on a sample of the same people, and what its rate would take
for all of them. BENCH_SCALE shrinks the recipients, not the OAs (0.02: 20,000 followers of the 300 OAs): with
fewer OAs each would hold as many followers as at full size, and their quotas (a minute of quota is 3,860 messages
an OA) would time the run instead of ketnoi; the figure per 1,000,000 is then the measured rate's, which is below
the quotas' ceiling (300 x 3,860 a minute). BENCH_PROVINCE_OAS, BENCH_DISPATCH_PROCESSES,
BENCH_DISPATCH_CONCURRENCY change the OAs and the dispatchers.
"""

import asyncio
import os
import time

from . import bulk, cpu, harness, stub_zalo, zalo
from .dispatcher_throughput import _bare

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
RECIPIENTS = max(1_000, int(1_000_000 * SCALE))
OAS = int(os.environ.get("BENCH_PROVINCE_OAS", "300"))
PROCESSES = int(os.environ.get("BENCH_DISPATCH_PROCESSES", "2"))
CONCURRENCY = int(os.environ.get("BENCH_DISPATCH_CONCURRENCY", "256"))
BATCH = "500"
SAMPLE = min(RECIPIENTS, 20_000)  # the bare sender's share
QUOTA = 4_000  # per OA per minute: Zalo's documented limit
TARGET_S = 600.0  # 1,000,000 in < 10 minutes
TEXT = "KHẨN: Bão số 9 đổ bộ trong đêm. Người dân vùng trũng di chuyển đến điểm sơ tán gần nhất."


def _oa_id(n: int) -> str:
    return f"{4_200_000_000_000_000 + n}"


def _setup() -> dict:
    """OAS channels of commune A and RECIPIENTS followers over them; the people who compose and approve."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.orgs.demo import seed
    from ketnoi.orgs.models import AdministrativeUnit

    seed()
    commune = AdministrativeUnit.objects.get(code="90001", valid_to=None)
    channels = []
    for n in range(OAS):
        channels.append(
            zalo.stub_oa_channel(
                unit=commune, name=f"Bench OA {n}", oa_id=_oa_id(n), app_id=f"8{n:08d}", quota_per_minute=QUOTA
            )
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM " + Contact._meta.db_table)
        contact_base = cursor.fetchone()[0] + 1
    bulk.insert_series(Contact, {"id": None, "uuid": "gen_random_uuid()", "name": "'Người ' || g"}, RECIPIENTS)
    ids = ",".join(str(channel.pk) for channel in channels)
    bulk.insert_series(
        ChannelContact,
        {
            "id": None,
            "uuid": "gen_random_uuid()",
            "channel_id": f"(ARRAY[{ids}])[(g % {OAS}) + 1]",
            "contact_id": f"{contact_base} + g",
            "user_id": "'u' || g",
            "is_follower": "true",
            "followed_at": "now()",
            "last_interaction_at": "now()",
        },
        RECIPIENTS,
    )
    users = get_user_model().objects
    return {
        "commune": commune,
        "channels": channels,
        "editor": users.get(username="bientap.tinh"),
        "leader": users.get(username="lanhdao.donghoa"),
    }


def _people(world: dict, count: int) -> list[tuple[dict, int, str, str, str]]:
    """The first `count` followers as the bare sender's plan: (channel, pk, user id, text, key)."""
    oas = [{"id": channel.pk, "oa": channel.external_id} for channel in world["channels"]]
    return [(oas[g % OAS], 0, f"u{g}", TEXT, f"bare-{g}") for g in range(count)]


def _approved_alert(world: dict):
    from ketnoi.broadcasts.models import Topic
    from ketnoi.broadcasts.services import BroadcastContent, broadcast_approve, broadcast_create, broadcast_submit

    content = BroadcastContent(
        title="Cảnh báo bão",
        text=TEXT,
        channels=list(world["channels"]),
        topic=Topic.EMERGENCY,
        area=world["commune"],
        subscribers_only=False,
    )
    broadcast = broadcast_create(actor=world["editor"], unit=world["commune"], content=content)
    broadcast_submit(actor=world["editor"], broadcast=broadcast)
    return broadcast_approve(actor=world["leader"], broadcast=broadcast)


def run() -> harness.Result:
    harness.django_setup()
    from ketnoi.broadcasts.services import fanout_run

    load_before = cpu.load_average()
    started = time.monotonic()
    world = _setup()
    setup_seconds = time.monotonic() - started
    zalo.BATCH_SIZE = BATCH
    with stub_zalo.StubZalo() as stub:
        asyncio.run(_bare(stub.url, _people(world, min(SAMPLE, 2_000))))  # warm-up
        bare = asyncio.run(_bare(stub.url, _people(world, SAMPLE)))
        bare_rate = SAMPLE / bare["elapsed"]
        stub.reset()
        with zalo.Dispatchers(stub.url, count=PROCESSES, concurrency=CONCURRENCY, **stub.env()) as dispatchers:
            pids = [os.getpid(), *(process.pid for process in dispatchers.processes)]
            with cpu.CpuMeter(roots=pids, database=harness.DB_NAME) as meter:
                alert = _approved_alert(world)
                approved = time.time()
                fanout_run(broadcast_id=alert.pk)
                fanned = time.time()
                deadline = time.monotonic() + max(900.0, 10 * RECIPIENTS / bare_rate)
                stats = stub.stats()
                while stats["distinct"] < RECIPIENTS and time.monotonic() < deadline:
                    time.sleep(5.0)  # stats walk every arrival: not too often
                    stats = stub.stats()
        tail = stub.arrivals(offset=max(0, stats["arrivals"] - 1_000))  # the last ones: are they the alert's?
    alert.refresh_from_db()
    oa_ids = {channel.external_id for channel in world["channels"]}
    strangers = sum(1 for row in tail if row[2] not in oa_ids or not row[4].endswith(f"|{TEXT}"))
    seconds = (stats["last"] or approved) - approved
    rate = stats["distinct"] / seconds if seconds > 0 else 0.0
    lost = RECIPIENTS - stats["distinct"]
    pro_rata = 1_000_000 / rate if rate else float("inf")
    figures = {
        "recipients written / at the provider": f"{alert.fanout_enqueued:,} / {stats['distinct']:,} of {RECIPIENTS:,}",
        "approval to last message s": round(seconds, 1),
        "per 1,000,000 at this rate s": round(pro_rata, 1),
        "fan-out s": round(fanned - approved, 1),
        "msgs/s at the provider": round(rate, 1),
        "ratio to bare": round(rate / bare_rate, 2),
        **meter.use.per(max(stats["distinct"], 1)),
        "lost": lost,
        "duplicated": stats["duplicated"],
        "not the alert's (last 1,000 checked)": strangers,
    }
    return harness.Result(
        name="province_alert",
        title=f"Emergency alert to {RECIPIENTS:,} followers of {OAS} OAs, approval to the provider",
        figures=figures,
        baseline={
            "bare async sender msgs/s": round(bare_rate, 1),
            "bare sender for all of them s": round(RECIPIENTS / bare_rate, 1),
            "bare errors": bare["errors"],
        },
        target=f"1,000,000 in < {TARGET_S / 60:.0f} min (at the measured rate); 0 lost, 0 duplicated",
        met=pro_rata < TARGET_S and lost == 0 and stats["duplicated"] == 0 and strangers == 0,
        notes=(
            f"{OAS} Zalo OAs of commune A at {QUOTA:,} calls/min each (the quotas allow {OAS * QUOTA:,}/min); "
            f"{RECIPIENTS:,} followers round-robin, no subscription (reached as the OA's commune); the fan-out in "
            f"the benchmark's process, {PROCESSES} run_dispatcher x {CONCURRENCY} in flight, batches of {BATCH}, "
            f"to bench/stub_zalo.py; bare sender on {SAMPLE:,} of the same people (the dispatcher's aiohttp client, "
            f"{CONCURRENCY} in flight). Setup {setup_seconds:.0f} s. Stub stats {stats}. Load average {load_before} "
            f"before, {cpu.load_average()} after (2 cores shared with other sessions)."
        ),
    )
