"""The Zalo side of the messaging benchmarks: sandbox OAs with followers and the channels connected to them, made
in bulk; the production dispatcher as separate `manage.py run_dispatcher` processes; and reads of the sandbox's
sink (ketnoi.sandbox.models.Message: every message the stand-in accepted, with the time it arrived).

The sandbox server runs lean for benchmarks (no echo events, no delivery receipts, no webhooks): it still checks
the access token, counts the per-app rate limit and stores each message, as it does for tests.
"""

import datetime as dt
import os
import signal
import subprocess
import time
from dataclasses import dataclass

from . import harness

LEAN_SANDBOX = '{"RECEIVED_EVENTS": false, "ECHO_OA_MESSAGES": false}'
DISPATCHERS = int(os.environ.get("BENCH_DISPATCHERS", "2"))  # one per core
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))  # run_dispatcher's default sender threads
BATCH_SIZE = os.environ.get("BENCH_BATCH_SIZE", "")  # empty: run_dispatcher's default (100)


def lean_sandbox() -> None:
    """Call before harness.Server(): the server inherits the environment."""
    os.environ["SANDBOX_SETTINGS"] = LEAN_SANDBOX


@dataclass
class Oa:
    oa_id: str
    app_id: str
    access_token: str
    user_ids: list[str]  # OA-scoped ids of its followers
    channel_id: int = 0
    channel_contact_ids: list[int] | None = None


def create_oas(count: int, *, followers: int = 1, sandbox_limit_per_minute: int | None = None) -> list[Oa]:
    """`count` sandbox apps, each with one OA, a token grant and `followers` people who follow it and talked to
    it just now (free window). Bulk inserts: thousands in seconds."""
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.sandbox.models import Follower, Grant, SandboxApp, SandboxOA, ZaloUser

    now = timezone.now()
    with transaction.atomic():
        apps = SandboxApp.objects.bulk_create(
            [SandboxApp(name=f"Bench app {i}", rate_limit_per_minute=sandbox_limit_per_minute) for i in range(count)]
        )
        oas = SandboxOA.objects.bulk_create([SandboxOA(app=app, name=f"Bench OA {i}") for i, app in enumerate(apps)])
        grants = Grant.objects.bulk_create(
            [
                Grant(
                    oa=oa,
                    access_expires_at=now + dt.timedelta(days=1),
                    refresh_expires_at=now + dt.timedelta(days=90),
                )
                for oa in oas
            ]
        )
        people = ZaloUser.objects.bulk_create(
            [ZaloUser(name=f"Người {i}", phone=f"849{i:08d}") for i in range(count * followers)], batch_size=2000
        )
        rows = Follower.objects.bulk_create(
            [
                Follower(
                    oa=oas[i // followers],
                    person=person,
                    is_follower=True,
                    followed_at=now,
                    last_interaction_at=now,
                )
                for i, person in enumerate(people)
            ],
            batch_size=2000,
        )
    return [
        Oa(
            oa_id=oa.oa_id,
            app_id=app.app_id,
            access_token=grant.access_token,
            user_ids=[f.user_id for f in rows[i * followers : (i + 1) * followers]],
        )
        for i, (app, oa, grant) in enumerate(zip(apps, oas, grants, strict=True))
    ]


def stub_oa_channel(*, unit, name: str, oa_id: str, app_id: str, quota_per_minute: int = 4000):
    """A Zalo OA channel made by the real service (credentials encrypted) with tokens the fast stub provider
    (bench/stub_zalo.py) takes: a token's text up to its first "." names the OA. In its own transaction."""
    from django.db import transaction

    from ketnoi.channels.services import zalo_channel_create

    with transaction.atomic():
        return zalo_channel_create(
            actor=None,
            unit=unit,
            name=name,
            oa_id=oa_id,
            app_id=app_id,
            app_secret="bench-app-secret",
            oa_secret_key="bench-oa-secret",
            access_token=f"{oa_id}.bench",
            refresh_token=f"{oa_id}.refresh",
            quota_per_minute=quota_per_minute,
        )


def connect_channels(oas: list[Oa], *, quota_per_minute: int = 4000, contacts: bool = False) -> None:
    """One Zalo channel per OA through the real service (encrypted credentials, audit row), quota as given.
    With `contacts`, each follower also becomes a Contact + ChannelContact (as the follow webhook would make)."""
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.channels.models import Channel
    from ketnoi.channels.services import zalo_channel_create
    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.orgs.demo import seed
    from ketnoi.orgs.models import AdministrativeUnit

    seed()
    unit = AdministrativeUnit.objects.get(code="90", valid_to=None)
    for n, oa in enumerate(oas):
        with transaction.atomic():
            channel = zalo_channel_create(
                actor=None,
                unit=unit,
                name=f"Bench OA {n}",
                oa_id=oa.oa_id,
                app_id=oa.app_id,
                app_secret="bench-app-secret",
                oa_secret_key="bench-oa-secret",
                access_token=oa.access_token,
                refresh_token="bench-refresh",
                quota_per_minute=quota_per_minute,
            )
        oa.channel_id = channel.pk
    if not contacts:
        return
    now = timezone.now()
    with transaction.atomic():
        people = Contact.objects.bulk_create(
            [Contact(name=f"Người {oa.oa_id[-4:]}.{j}") for oa in oas for j in range(len(oa.user_ids))],
            batch_size=2000,
        )
        pairs = [(oa, user_id) for oa in oas for user_id in oa.user_ids]
        made = ChannelContact.objects.bulk_create(
            [
                ChannelContact(
                    channel_id=oa.channel_id,
                    contact=person,
                    user_id=user_id,
                    is_follower=True,
                    followed_at=now,
                    last_interaction_at=now,
                )
                for (oa, user_id), person in zip(pairs, people, strict=True)
            ],
            batch_size=2000,
        )
    by_channel: dict[int, list[int]] = {}
    for channel_contact in made:
        by_channel.setdefault(channel_contact.channel_id, []).append(channel_contact.pk)
    for oa in oas:
        oa.channel_contact_ids = by_channel.get(oa.channel_id, [])
    assert Channel.objects.filter(type_code="zalo").count() >= len(oas)


def set_quota(quota_per_minute: int) -> None:
    """Every Zalo channel's quota, and fresh buckets (a disabled quota is just a very large one)."""
    from ketnoi.channels.models import Channel
    from ketnoi.outbox.models import QuotaBucket

    Channel.objects.filter(type_code="zalo").update(quota_per_minute=quota_per_minute)
    QuotaBucket.objects.all().delete()


class Dispatchers:
    """`manage.py run_dispatcher` processes (the production command) pointed at the benchmark's sandbox."""

    def __init__(self, server_url: str, *, count: int = DISPATCHERS, concurrency: int = CONCURRENCY, **env: str):
        self.count, self.concurrency = count, concurrency
        self.env = {
            **harness.env(),
            "ZALO_OAUTH_BASE": f"{server_url}/sandbox/zalo/oauth",
            "ZALO_OPENAPI_BASE": f"{server_url}/sandbox/zalo/openapi",
            "ZALO_BUSINESS_BASE": f"{server_url}/sandbox/zalo/business",
            **env,
        }
        self.processes: list[subprocess.Popen] = []

    def __enter__(self):
        command = [harness.PYTHON, "manage.py", "run_dispatcher", "--concurrency", str(self.concurrency)]
        if BATCH_SIZE:
            command += ["--batch-size", BATCH_SIZE]
        for _ in range(self.count):
            process = subprocess.Popen(
                command, cwd=harness.ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            self.processes.append(process)
        for process in self.processes:  # wait until each has started (Django loaded, first claim coming)
            line = process.stdout.readline()
            if "started" not in line:
                raise RuntimeError(f"run_dispatcher did not start: {line}{process.stdout.read()}")
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
            rest = process.stdout.read()
            if "Traceback" in rest:
                print(rest[-3000:], flush=True)


def arrivals(prefix: str) -> list[tuple[str, float]]:
    """(text, epoch seconds at the sink) of the OA messages whose text starts with `prefix`, oldest first."""
    from ketnoi.sandbox.models import Message

    rows = Message.objects.filter(direction=Message.OUT, text__startswith=prefix).order_by("created_at")
    return [(text, at.timestamp()) for text, at in rows.values_list("text", "created_at")]


def count_arrived(prefix: str) -> int:
    from ketnoi.sandbox.models import Message

    return Message.objects.filter(direction=Message.OUT, text__startswith=prefix).count()


def wait_for_sink(prefix: str, expected: int, *, timeout: float, poll: float = 0.5) -> int:
    deadline = time.monotonic() + timeout
    arrived = 0
    while time.monotonic() < deadline:
        arrived = count_arrived(prefix)
        if arrived >= expected:
            break
        time.sleep(poll)
    return arrived


def outbox_summary() -> dict[str, int]:
    from django.db.models import Count

    from ketnoi.outbox.models import OutboundMessage

    return dict(OutboundMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
