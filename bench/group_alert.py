"""An emergency alert to 1,000 community groups of 1,000 members each (1,000,000 people), posted into their Zalo group
chats (GMF), against the same audience reached one message per person (#22).

Group side (the figure): one ward OA connected as a Zalo channel, GROUPS community groups each with its group chat
(ChatGroup, member_count MEMBERS: what the reach reads; member rows are not written, as neither the fan-out nor the
send reads them), and an approved emergency broadcast to the ward with to_group_chats. Timed from the approval's
commit: the fan-out (`fanout_run`, the production code the background task runs: one outbox row per group) and one
`run_dispatcher` process sending to the fast stub provider (bench/stub_zalo.py, its GMF endpoint), until the last
post arrives. Reported: posts and provider calls, seconds, CPU ms of the dispatcher and PostgreSQL per post and per
person reached, commits, lost and duplicated posts counted at the stub.

Baseline (same run, same machine): the same audience as one-to-one consultation messages. SAMPLE followers (the
members of SAMPLE / MEMBERS groups) are written as ChannelContacts with a subscription in the ward; the alert to
them is fanned out (the production INSERT ... SELECT per page) and sent by the same dispatcher to the same stub;
the times, calls and CPU are extrapolated to the whole audience by the ratio GROUPS * MEMBERS / SAMPLE (stated in
the figures). Also reported: the wall time each side needs at Zalo's documented call limit (4,000 requests a minute
per app, reference §3.5), which binds in production, unlike on the unthrottled stub.
BENCH_GROUPS / BENCH_GROUP_MEMBERS / BENCH_ONE_TO_ONE_SAMPLE shrink it for development runs.
"""

import os
import time

from . import cpu, harness, stub_zalo, zalo

GROUPS = int(os.environ.get("BENCH_GROUPS", "1000"))
MEMBERS = int(os.environ.get("BENCH_GROUP_MEMBERS", "1000"))
SAMPLE = int(os.environ.get("BENCH_ONE_TO_ONE_SAMPLE", "10000"))
WINDOW = float(os.environ.get("BENCH_ONE_TO_ONE_SECONDS", "300"))  # the one-to-one side's measuring window
CONCURRENCY = int(os.environ.get("BENCH_DISPATCH_CONCURRENCY", "256"))
BATCH = "500"
ZALO_CALLS_PER_MINUTE = 4000  # reference §3.5: per app
QUOTA = 10_000_000  # the channel's bucket, per minute: unthrottled on the stub
OA_ID = "4100000000000000001"
TEXT = "KHẨN: Lũ quét có thể xảy ra trong đêm. Các hộ ven suối di chuyển ngay lên nhà văn hóa tổ."


def _setup() -> dict:
    """The ward's OA, its community groups with their chats, an author and an approver."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from ketnoi.broadcasts.models import ChatGroup, CommunityGroup
    from ketnoi.orgs.demo import seed
    from ketnoi.orgs.models import AdministrativeUnit

    seed()
    ward = AdministrativeUnit.objects.get(code="90001", valid_to=None)
    channel = zalo.stub_oa_channel(
        unit=ward, name="UBND Phường Đông Hòa (bench)", oa_id=OA_ID, app_id="910000001", quota_per_minute=QUOTA
    )
    with transaction.atomic():
        groups = CommunityGroup.objects.bulk_create(
            [CommunityGroup(unit=ward, name=f"Cộng đồng tổ {n + 1}") for n in range(GROUPS)], batch_size=1000
        )
        ChatGroup.objects.bulk_create(
            [
                ChatGroup(
                    community_group=group,
                    channel=channel,
                    provider_group_id=f"{n:020x}",
                    invite_link=f"https://zalo.me/g/b{n:08d}",
                    member_count=MEMBERS,
                )
                for n, group in enumerate(groups)
            ],
            batch_size=1000,
        )
    User = get_user_model()
    author = User.objects.create_user("bench.author", password="x")
    return {"ward": ward, "channel": channel, "author": author}


def _broadcast(world: dict, *, to_groups: bool, title: str):
    """An emergency alert for the ward, approved, as the services leave it (state sending, fan-out not run)."""
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.broadcasts.audience import reach_of
    from ketnoi.broadcasts.models import Broadcast, ProviderPath, Topic
    from ketnoi.broadcasts.states import State

    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            unit=world["ward"],
            author=world["author"],
            title=title,
            topic=Topic.EMERGENCY,
            path=ProviderPath.CONSULTATION,
            text=TEXT,
            area=world["ward"],
            subscribers_only=False,
            to_group_chats=to_groups,
            state=State.SENDING,
            approved_at=timezone.now(),
            fanout_started_at=timezone.now(),
        )
        broadcast.channels.set([world["channel"]])
        broadcast.recipients_estimate = reach_of(broadcast)
        broadcast.save(update_fields=["recipients_estimate"])
    return broadcast


def _followers(world: dict, count: int) -> None:
    """`count` followers of the ward's OA living in the ward (a subscription there, emergency alerts on), window
    open: whom the one-to-one alert reaches."""
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.broadcasts.models import Subscription
    from ketnoi.contacts.models import ChannelContact, Contact

    now = timezone.now()
    with transaction.atomic():
        contacts = Contact.objects.bulk_create([Contact(name=f"Người {n}") for n in range(count)], batch_size=5000)
        rows = ChannelContact.objects.bulk_create(
            [
                ChannelContact(
                    channel=world["channel"],
                    contact=contact,
                    user_id=f"u{n}",
                    is_follower=True,
                    followed_at=now,
                    last_interaction_at=now,
                )
                for n, contact in enumerate(contacts)
            ],
            batch_size=5000,
        )
        Subscription.objects.bulk_create(
            [
                Subscription(
                    channel_contact=row,
                    contact=row.contact,
                    emergency=True,
                    area=world["ward"],
                    area_path=world["ward"].path,
                )
                for row in rows
            ],
            batch_size=5000,
        )


def _run_side(
    world: dict, stub, *, to_groups: bool, expected_keys: set[str], title: str, window: float | None = None
) -> dict:
    """One alert from the approval's commit to the last expected arrival at the stub (lost/duplicated counted by
    the keys the stub gives each message: OA + recipient + text), or, with `window`, what arrived within that many
    seconds (the rest is still on its way, not lost: the rate is what extrapolates)."""
    from ketnoi.broadcasts.services import fanout_run

    stub.reset()
    broadcast = _broadcast(world, to_groups=to_groups, title=title)
    with zalo.Dispatchers(stub.url, count=1, concurrency=CONCURRENCY, **stub.env()) as dispatchers:
        pids = [os.getpid(), *(process.pid for process in dispatchers.processes)]  # the fan-out runs here
        with cpu.CpuMeter(roots=pids, database=harness.DB_NAME) as meter:
            started = time.time()
            fanout_run(broadcast_id=broadcast.pk)
            fanned = time.time()
            deadline = time.monotonic() + (window or max(900, len(expected_keys) / 10))
            while True:
                arrivals = stub.arrivals()
                counted = stub_zalo.lost_and_duplicated(arrivals, expected_keys)
                if counted["lost"] == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            stats = stub.stats()
    last = max((row[0] for row in arrivals if row[4] in expected_keys), default=started)
    if window and counted["lost"]:  # the window closed first: measured up to its end
        last = started + window
    return {
        "estimate": broadcast.recipients_estimate,
        "fanout_s": fanned - started,
        "total_s": last - started,
        "arrived": counted["arrived"],
        "lost": counted["lost"],
        "duplicated": counted["duplicated"],
        "cpu": meter.use,
        "stats": stats,
    }


def run() -> harness.Result:
    harness.django_setup()
    from ketnoi.outbox.models import OutboundMessage

    load_before = cpu.load_average()
    started = time.monotonic()
    world = _setup()
    setup_seconds = time.monotonic() - started
    zalo.BATCH_SIZE = BATCH
    people = GROUPS * MEMBERS
    group_keys = {f"{OA_ID}|g:{n:020x}|{TEXT}" for n in range(GROUPS)}
    single_keys = {stub_zalo.cs_key(OA_ID, f"u{n}", TEXT) for n in range(SAMPLE)}
    # One stub for both sides: its message ids stay unique across its resets, as the provider's do (one provider id
    # belongs to one outbox row per channel; a second stub process would hand out the first one's ids again).
    with stub_zalo.StubZalo() as stub:
        groups = _run_side(world, stub, to_groups=True, expected_keys=group_keys, title="Cảnh báo lũ (nhóm)")
        posts = OutboundMessage.objects.filter(recipient_user_id__startswith="group:").count()
        _followers(world, SAMPLE)
        single = _run_side(
            world, stub, to_groups=False, expected_keys=single_keys, title="Cảnh báo lũ (từng người)", window=WINDOW
        )
    factor = people / SAMPLE
    group_cpu = groups["cpu"].per(GROUPS)
    single_cpu = single["cpu"].per(single["arrived"])
    single_rate = single["arrived"] / single["total_s"] if single["total_s"] else 0.0
    one_to_one_s = people / single_rate if single_rate else float("inf")
    figures = {
        "people reached (members)": f"{groups['estimate']:,}",
        "posts written / provider calls": f"{posts:,} / {groups['arrived']:,}",
        "lost": groups["lost"],
        "duplicated": groups["duplicated"],
        "fan-out s": round(groups["fanout_s"], 2),
        "approval to last post s": round(groups["total_s"], 2),
        "CPU ms per post": group_cpu,
        "CPU ms per person reached": {k: round(v / MEMBERS, 5) for k, v in group_cpu.items() if "ms" in k},
        "at Zalo's 4,000 calls/min: min": round(GROUPS / ZALO_CALLS_PER_MINUTE, 2),
    }
    baseline = {
        "one-to-one sample": (
            f"{SAMPLE:,} written; {single['arrived']:,} arrived in {single['total_s']:.0f} s "
            f"({single['lost']:,} still on their way), {single['duplicated']} duplicated"
        ),
        "one-to-one msgs/s": round(single_rate, 1),
        "sample fan-out s": round(single["fanout_s"], 2),
        "extrapolated to 1,000,000 at that rate: provider calls": f"{people:,}",
        "extrapolated to 1,000,000 at that rate: approval to last message s": round(one_to_one_s, 1),
        "CPU ms per message": single_cpu,
        "at Zalo's 4,000 calls/min: min": round(people / ZALO_CALLS_PER_MINUTE, 1),
    }
    met = groups["lost"] == 0 and groups["duplicated"] == 0 and groups["total_s"] < one_to_one_s
    return harness.Result(
        name="group_alert",
        title=f"Emergency alert to {GROUPS:,} group chats of {MEMBERS:,} members ({people:,} people)",
        figures=figures,
        baseline=baseline,
        target="every group posted once, 0 lost, 0 duplicated; faster than the one-to-one path for the same people",
        met=met,
        notes=(
            f"One ward OA; {GROUPS:,} ChatGroups with member_count {MEMBERS:,}; the group side is one emergency "
            f"broadcast with to_group_chats (fan-out: one outbox row per group), sent by one run_dispatcher "
            f"({CONCURRENCY} in flight, batches of {BATCH}) to bench/stub_zalo.py's POST /v3.0/oa/group/message. "
            f"The one-to-one side was measured on {SAMPLE:,} followers (same OA, same ward, same dispatcher, stub "
            f"POST /v3.0/oa/message/cs) for at most {WINDOW:.0f} s, and its rate extrapolated to {people:,} (x{factor:,.0f} "
            f"the sample; fan-out pages and sends scale with the rows; the bench broadcast_fanout measures 1,000,000 "
            f"rows in full). Setup "
            f"{setup_seconds:.0f} s. Stub stats: groups {groups['stats']}, one-to-one {single['stats']}. Load "
            f"average {load_before} before, {cpu.load_average()} after (2 cores shared with other sessions)."
        ),
    )
