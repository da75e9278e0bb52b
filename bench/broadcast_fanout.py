"""A broadcast to 1,000,000 followers through the sandbox: fan-out rate, send rate against the bare sender,
peak memory of the workers at 10,000 vs 1,000,000 recipients, and transactional latency during the broadcast.

Setup: CHANNELS sandbox OAs (4,000/min each) connected as channels; RECIPIENTS followers spread over them, each a
sandbox follower with an open window, a Contact, a ChannelContact and a news subscription in commune A (the first
SMALL of them in one residential group), written by INSERT ... SELECT generate_series. Two broadcasts, approved
through the services: one to the residential group (SMALL recipients), one to commune A (all RECIPIENTS).

Each broadcast runs with fresh worker processes: `manage.py broadcast_fanout` (the production fan-out code, the
same as the background task) and DISPATCHERS `run_dispatcher` processes. Peak RSS is each process's VmHWM read
from /proc just before it stops. The large broadcast is sent for SECONDS while a transactional stream of RATE/s
goes through the same channels (latency: commit to sandbox arrival); sending all 1,000,000 at the machine's
rate would take hours, so the send rate is measured over that fixed window and the fan-out runs to completion
(on PostgreSQL one INSERT ... SELECT per page of 10,000 followers, ketnoi.outbox.bulk) while the dispatchers
send: its seconds (target: 1,000,000 in < 60 s, pro rata when smaller) and its CPU per row, the process's and its
PostgreSQL backend's, which the machine's load does not change much.
Baseline (same run): the bare asyncio httpx sender of bench/outbox_throughput.py posting to the same sandbox.
BENCH_RECIPIENTS / BENCH_BROADCAST_SMALL / BENCH_BROADCAST_SECONDS shrink it for development runs.
"""

import asyncio
import os
import subprocess
import time

from . import bulk, harness, zalo
from .outbox_throughput import _bare, _plan
from .priority_isolation import _latencies, _summary

RECIPIENTS = int(os.environ.get("BENCH_RECIPIENTS", "1000000"))
SMALL = min(RECIPIENTS, int(os.environ.get("BENCH_BROADCAST_SMALL", "10000")))
CHANNELS = int(os.environ.get("BENCH_BROADCAST_CHANNELS", "20"))
SECONDS = float(os.environ.get("BENCH_BROADCAST_SECONDS", "60"))
RATE = float(os.environ.get("BENCH_PRIORITY_RATE", "5"))
SETTINGS = "bench.broadcast_settings"
TARGET_RSS = 1.2
TARGET_P99 = 2.0
TARGET_FANOUT_S = 60.0  # issue #17: a province's million followers written to the outbox within a minute


def _stream(oas: list[zalo.Oa], phase: str) -> tuple[dict[str, float], float, float]:
    """RATE transactional messages a second for SECONDS, each through outbox_enqueue in its own transaction."""
    import random

    from django.db import transaction

    from ketnoi.channels.types.base import OutboundPayload
    from ketnoi.outbox.models import Lane
    from ketnoi.outbox.services import outbox_enqueue

    rng = random.Random(7)
    committed: dict[str, float] = {}
    started = time.time()
    for n in range(int(RATE * SECONDS)):
        time.sleep(max(0.0, started + n / RATE - time.time()))
        oa = rng.choice(oas)
        with transaction.atomic():
            outbox_enqueue(
                channel=oa.channel,
                payload=OutboundPayload(kind="text", text=f"tx-{phase}-{n} Hồ sơ của ông/bà đã có kết quả"),
                idempotency_key=f"tx-{phase}-{n}",
                lane=Lane.TRANSACTIONAL,
                recipient_user_id=oa.user_ids[0],
            )
        committed[f"tx-{phase}-{n}"] = time.time()
    return committed, started, time.time()


def _sql(query: str, params=()) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def _load_recipients(oas: list[zalo.Oa], commune, group) -> float:
    """Sandbox users + followers, Contacts, ChannelContacts and Subscriptions for RECIPIENTS people."""
    from ketnoi.broadcasts.models import Subscription
    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.sandbox.models import Follower, ZaloUser

    started = time.monotonic()
    n = len(oas)
    pick = f"(g % {n}) + 1"
    oa_pks = ",".join(str(pk) for pk in _oa_pks(oas))
    channel_ids = ",".join(str(oa.channel_id) for oa in oas)
    base = _sql("SELECT COALESCE(MAX(id), 0) FROM " + ZaloUser._meta.db_table)[0][0] + 1
    bulk.insert_series(ZaloUser, {"id": None, "uid": "'bu' || g", "name": "'Người ' || g"}, RECIPIENTS)
    bulk.insert_series(
        Follower,
        {
            "id": None,
            "oa_id": f"(ARRAY[{oa_pks}])[{pick}]",
            "person_id": f"{base} + g",
            "user_id": "'bf' || g",
            "user_id_by_app": "'ba' || g",
            "is_follower": "true",
            "followed_at": "now()",
            "last_interaction_at": "now()",
        },
        RECIPIENTS,
    )
    contact_base = _sql("SELECT COALESCE(MAX(id), 0) FROM " + Contact._meta.db_table)[0][0] + 1
    bulk.insert_series(Contact, {"id": None, "uuid": "gen_random_uuid()", "name": "'Người ' || g"}, RECIPIENTS)
    cc_base = _sql("SELECT COALESCE(MAX(id), 0) FROM " + ChannelContact._meta.db_table)[0][0] + 1
    bulk.insert_series(
        ChannelContact,
        {
            "id": None,
            "uuid": "gen_random_uuid()",
            "channel_id": f"(ARRAY[{channel_ids}])[{pick}]",
            "contact_id": f"{contact_base} + g",
            "user_id": "'bf' || g",
            "is_follower": "true",
            "followed_at": "now()",
            "last_interaction_at": "now()",
        },
        RECIPIENTS,
    )
    bulk.insert_series(
        Subscription,
        {
            "id": None,
            "uuid": "gen_random_uuid()",
            "channel_contact_id": f"{cc_base} + g",
            "contact_id": f"{contact_base} + g",
            "news": "true",
            "emergency": "true",
            "area_id": str(commune.pk),
            "group_id": f"CASE WHEN g < {SMALL} THEN {group.pk} ELSE NULL END",
            "area_path": f"CASE WHEN g < {SMALL} THEN '{group.path}' ELSE '{commune.path}' END",
        },
        RECIPIENTS,
    )
    return time.monotonic() - started


def _oa_pks(oas: list[zalo.Oa]) -> list[int]:
    from ketnoi.sandbox.models import SandboxOA

    by_id = dict(SandboxOA.objects.filter(oa_id__in=[oa.oa_id for oa in oas]).values_list("oa_id", "pk"))
    return [by_id[oa.oa_id] for oa in oas]


def _broadcast(title: str, text: str, area, channels):
    from django.contrib.auth import get_user_model

    from ketnoi.broadcasts.services import BroadcastContent, broadcast_approve, broadcast_create, broadcast_submit

    users = get_user_model().objects
    editor, leader = users.get(username="bientap.tinh"), users.get(username="lanhdao.donghoa")
    content = BroadcastContent(title=title, text=text, channels=list(channels), area=area, topic="news")
    broadcast = broadcast_create(
        actor=editor, unit=area if area.kind != "residential_group" else area.parent, content=content
    )
    broadcast_submit(actor=editor, broadcast=broadcast)
    return broadcast_approve(actor=leader, broadcast=broadcast)


def _cancel(broadcast) -> int:
    from django.contrib.auth import get_user_model

    from ketnoi.broadcasts.services import broadcast_cancel

    leader = get_user_model().objects.get(username="lanhdao.donghoa")
    return broadcast_cancel(actor=leader, broadcast=broadcast, reason="benchmark: next phase")


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Fanout:
    """`manage.py broadcast_fanout <uuid>`: runs to completion; its peak RSS is read before it exits (it waits)."""

    def __init__(self, broadcast):
        self.broadcast = broadcast

    def __enter__(self):
        env = {**harness.env(), "DJANGO_SETTINGS_MODULE": SETTINGS}
        # Wrapped so the process is still there to be measured when the fan-out ends: python -c runs the command
        # and then waits for a line on stdin.
        # It prints the command's seconds, its own CPU and its PostgreSQL backend's (one connection, from /proc) as
        # "took <s> <s> <s>": the parent reads its output only when it waits, maybe after the fan-out ended.
        code = (
            "import django, os, sys, time; django.setup(); from django.core.management import call_command; "
            "from django.db import connection; from bench.cpu import TICK, process_ticks; "
            "connection.ensure_connection(); backend = connection.connection.info.backend_pid; "
            "mine, theirs, started = process_ticks(os.getpid()), process_ticks(backend), time.monotonic(); "
            f"call_command('broadcast_fanout', '{self.broadcast.uuid}'); "
            "print('took', time.monotonic() - started, (process_ticks(os.getpid()) - mine) / TICK, "
            "(process_ticks(backend) - theirs) / TICK); "
            "print('done', flush=True); sys.stdin.readline()"
        )
        self.process = subprocess.Popen(
            [harness.PYTHON, "-c", code],
            cwd=harness.ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self

    def wait(self) -> tuple[float, float]:
        """Seconds the fan-out took (the command's own), and the process's peak RSS in MB (CPU seconds in
        self.cpu: its own, its PostgreSQL backend's)."""
        output, took = [], None
        for line in self.process.stdout:  # the command's own output first, then "done"
            output.append(line)
            if line.startswith("took "):
                took, *cpu = (float(v) for v in line.split()[1:4])
                self.cpu = tuple(cpu)
            if line.strip() == "done" and took is not None:
                return took, _peak_rss_mb(self.process.pid)
        raise RuntimeError(f"broadcast_fanout failed: {''.join(output)[-3000:]}")

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _dispatcher_rss(dispatchers: zalo.Dispatchers) -> float:
    return max(_peak_rss_mb(p.pid) for p in dispatchers.processes)


def _sink_between(prefix: str, start: float, end: float) -> int:
    import datetime as dt

    from ketnoi.sandbox.models import Message

    return Message.objects.filter(
        text__startswith=prefix,
        created_at__gte=dt.datetime.fromtimestamp(start, tz=dt.UTC),
        created_at__lt=dt.datetime.fromtimestamp(end, tz=dt.UTC),
    ).count()


def run() -> harness.Result:
    harness.django_setup()
    from ketnoi.broadcasts.conf import fanout_batch
    from ketnoi.broadcasts.models import Broadcast
    from ketnoi.channels.models import Channel
    from ketnoi.orgs.models import AdministrativeUnit

    zalo.lean_sandbox()
    oas = zalo.create_oas(CHANNELS)
    zalo.connect_channels(oas, quota_per_minute=4000)
    channels = Channel.objects.in_bulk([oa.channel_id for oa in oas])
    for oa in oas:
        oa.channel = channels[oa.channel_id]
    commune = AdministrativeUnit.objects.get(code="90001", valid_to=None)
    group = AdministrativeUnit.objects.filter(parent=commune, kind="residential_group").order_by("name").first()
    load_seconds = _load_recipients(oas, commune, group)
    small = _broadcast("bench small", "bc-small Thông báo khu phố", group, channels.values())
    large = _broadcast("bench large", "bc-large Thông báo toàn phường", commune, channels.values())
    with harness.Server() as server:
        concurrency = zalo.DISPATCHERS * zalo.CONCURRENCY
        asyncio.run(_bare(server.url, _plan(oas, "warm-")[:300], concurrency))
        plan = _plan(oas, "bare-")
        bare = asyncio.run(_bare(server.url, plan, concurrency))
        bare_rate = len(plan) / bare["elapsed"]

        # 10,000 recipients: fan-out to completion, then send for as long as the fan-out took (at least 20 s)
        with zalo.Dispatchers(server.url) as dispatchers, Fanout(small) as fanout:
            small_fanout_s, small_fanout_rss = fanout.wait()
            time.sleep(max(20.0, min(SECONDS, small_fanout_s)))
            small_dispatch_rss = _dispatcher_rss(dispatchers)
        # what the small broadcast has not sent yet is cancelled, so the large one has the dispatchers to itself
        small_cancelled = _cancel(small)

        # RECIPIENTS: fan-out and sending together, a transactional stream in the middle of it
        with zalo.Dispatchers(server.url) as dispatchers, Fanout(large) as fanout:
            time.sleep(5)
            busy, started, ended = _stream(oas, "busy")
            sent_rate = _sink_between("bc-large", started, ended) / (ended - started)
            large_fanout_s, large_fanout_rss = fanout.wait()
            large_fanout_cpu = fanout.cpu
            large_dispatch_rss = _dispatcher_rss(dispatchers)
        tx = _summary(*_latencies("busy", busy))
    large.refresh_from_db()
    small.refresh_from_db()
    fanout_ratio = large_fanout_rss / small_fanout_rss
    dispatch_ratio = large_dispatch_rss / small_dispatch_rss
    figures = {
        "recipients": f"{large.fanout_enqueued:,}/{RECIPIENTS:,}",
        "fan-out s": round(large_fanout_s, 1),
        "fan-out rows/s": round(large.fanout_enqueued / large_fanout_s, 1),
        "fan-out CPU us/row (process + its PostgreSQL backend)": "{:.1f} + {:.1f}".format(
            *(seconds * 1e6 / max(large.fanout_enqueued, 1) for seconds in large_fanout_cpu)
        ),
        "broadcast msgs/s at the sink": round(sent_rate, 1),
        "ratio to bare": round(sent_rate / bare_rate, 2),
        f"fan-out peak RSS MB {SMALL:,} / {RECIPIENTS:,}": f"{small_fanout_rss:.0f} / {large_fanout_rss:.0f}",
        "fan-out RSS ratio": round(fanout_ratio, 2),
        f"dispatcher peak RSS MB {SMALL:,} / {RECIPIENTS:,}": f"{small_dispatch_rss:.0f} / {large_dispatch_rss:.0f}",
        "dispatcher RSS ratio": round(dispatch_ratio, 2),
        "transactional p50 s": tx["p50 s"],
        "transactional p99 s": tx["p99 s"],
        "transactional missing": tx["missing"],
        "recipients loaded in s": round(load_seconds, 1),
        f"{SMALL:,} broadcast: unsent rows cancelled after its phase": small_cancelled,
    }
    met = (
        sent_rate > 0
        and large.fanout_enqueued == RECIPIENTS
        and small.fanout_enqueued == SMALL
        and large_fanout_s * 1_000_000 / RECIPIENTS < TARGET_FANOUT_S
        and fanout_ratio <= TARGET_RSS
        and dispatch_ratio <= TARGET_RSS
        and tx["p99 s"] < TARGET_P99
        and tx["missing"] == 0
    )
    assert Broadcast.objects.count() == 2
    return harness.Result(
        name="broadcast_fanout",
        title=f"Broadcast to {RECIPIENTS:,} followers through the sandbox",
        figures=figures,
        baseline={"bare httpx sender msgs/s": round(bare_rate, 1), "bare errors": bare["errors"]},
        target=(
            f"1,000,000 written in < {TARGET_FANOUT_S:.0f} s (pro rata); peak RSS {SMALL:,} vs {RECIPIENTS:,} within "
            f"{TARGET_RSS}x; transactional p99 < {TARGET_P99:.0f} s"
        ),
        met=met,
        notes=(
            f"{CHANNELS} OAs at 4,000/min; the fan-out (1 process, pages of {fanout_batch(in_sql=True):,} followers, "
            f"one INSERT ... SELECT each) and "
            f"{zalo.DISPATCHERS} run_dispatcher processes x {zalo.CONCURRENCY} threads; sending measured over "
            f"the {SECONDS:g} s transactional stream ({RATE:g}/s); recipients loaded by INSERT ... SELECT "
            f"generate_series; load average {os.getloadavg()[0]:.1f} at the end."
        ),
    )
