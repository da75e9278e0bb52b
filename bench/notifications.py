"""The notifications API end to end (#21): an agency's system posts POST /api/v1/notifications (gunicorn) with a live
key, one per request and then in batches of 1,000; each accepted notification is an outbox row written in the call's
transaction, and the production dispatchers (run_dispatcher) send it as a consultation message to the follower the
phone belongs to, at the fast stub provider (bench/stub_zalo.py). Reported per run: notifications/s accepted by
the API, messages/s arriving at the stub, lost and duplicated counted at the stub (each message's text is unique),
CPU ms per notification of the web server and of PostgreSQL.

Baseline, same run: the same number of plain outbox rows (the same text to the same followers) written directly in
one transaction, no API: how fast the dispatchers deliver them. Targets as the status-event path: >= 300/s single,
>= 1,500/s batched, 0 lost, 0 duplicated. BENCH_SCALE shrinks the counts for development runs.
"""

import os
import time

from . import cpu, harness, loadgen, stub_zalo, zalo

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
OAS = 10
FOLLOWERS = max(200, int(4000 * SCALE))  # spread over the OAs
SINGLE = max(200, int(3000 * SCALE))
WARM = 200  # notifications sent before the clock starts, as on a server that has been up for a while
BATCH = 1000
BATCHES = max(2, int(10 * SCALE))
CLIENTS = 8
CONCURRENCY = 64  # sends in flight in the dispatcher
TARGET_SINGLE, TARGET_BATCHED = 300, 1500
TEMPLATE_TEXT = "Thông báo ((ma)): hóa đơn tiền nước của ((ten)) là ((so_tien)) đồng."


def _phone(n: int) -> str:
    return f"+8490{n:07d}"


def _setup() -> tuple[str, str, list[dict]]:
    """OAs at the stub, followers who shared their phones, a sending service with a template and a live key."""
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.channels.services import zalo_channel_create
    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.notify.services import api_key_create, service_save, template_save
    from ketnoi.orgs.demo import seed
    from ketnoi.orgs.models import Agency

    seed()
    agency = Agency.objects.get(code="H90.90001")
    channels = []
    for n in range(OAS):
        oa_id = f"{5_000_000_000_000_000 + n}"
        channel = zalo_channel_create(actor=None, unit=agency.unit, name=f"Bench OA {n}", oa_id=oa_id,
                                      app_id=f"8{n:08d}", app_secret="bench", oa_secret_key="bench",
                                      access_token=f"{oa_id}.bench", refresh_token=f"{oa_id}.refresh",
                                      quota_per_minute=10_000_000)  # fmt: skip
        channels.append((channel, oa_id))
    now = timezone.now()
    with transaction.atomic():
        # Half the people have proven their phone (OTP) as well as shared it with the OA; the others only shared it.
        # (With no proven phone at all, PostgreSQL's statistics saw one value for every contact, and the prepared
        # phone lookup could never use its generic plan: planned anew for each call, 0.44 ms a notification.)
        people = Contact.objects.bulk_create(
            [Contact(name=f"Người {i}", phone=_phone(i) if i % 2 == 0 else "") for i in range(FOLLOWERS)],
            batch_size=5000,
        )
        ChannelContact.objects.bulk_create(
            [
                ChannelContact(
                    channel=channels[i % OAS][0],
                    contact=people[i],
                    user_id=f"nu{i}",
                    is_follower=True,
                    followed_at=now,
                    last_interaction_at=now,
                    shared_phone=_phone(i),
                )
                for i in range(FOLLOWERS)
            ],
            batch_size=5000,
        )
    service = service_save(actor=None, agency=agency, name="Nước sạch (bench)", channels=[c for c, _ in channels],
                           daily_limit=10_000_000)  # fmt: skip
    template = template_save(actor=None, service=service, name="Hóa đơn", text=TEMPLATE_TEXT)
    _key, secret = api_key_create(actor=None, service=service, name="bench", kind="live")
    people = [{"phone": _phone(i), "oa": channels[i % OAS][1], "user": f"nu{i}"} for i in range(FOLLOWERS)]
    return secret, str(template.uuid), people


def _item(template_id: str, person: dict, tag: str) -> dict:
    values = {"ma": tag, "ten": "Nguyễn Văn An", "so_tien": "125.000"}
    return {"template_id": template_id, "phone": person["phone"], "personalisation": values, "reference": tag}


def _expected(person: dict, tag: str) -> str:
    text = TEMPLATE_TEXT.replace("((ma))", tag).replace("((ten))", "Nguyễn Văn An").replace("((so_tien))", "125.000")
    return stub_zalo.cs_key(person["oa"], person["user"], text)


def _post_all(base: str, key: str, path: str, bodies: list[dict], concurrency: int) -> dict:
    accepted, errors = 0, {}

    def on_answer(status: int, answer: dict | None) -> None:
        nonlocal accepted
        if status == 201:
            accepted += 1
        elif status == 200 and answer and "results" in answer:
            for result in answer["results"]:
                accepted += result["status"] == "created"
                if result["status"] == "error":
                    errors[result["code"]] = errors.get(result["code"], 0) + 1
        else:
            errors[f"http {status}"] = errors.get(f"http {status}", 0) + 1

    posted = loadgen.post_all(
        f"{base}{path}",
        bodies,
        concurrency=concurrency,
        headers={"Authorization": f"Bearer {key}"},
        on_answer=on_answer,
    )
    return {"started": posted.started, "ended": posted.ended, "accepted": accepted, "errors": errors,
            "load generator CPU ms/request": posted.cpu_ms_per_request()}  # fmt: skip


def _plain_rows(people: list[dict], count: int) -> tuple[float, set[str]]:
    """The baseline: the same kind of message to the same followers, enqueued directly in one transaction."""
    from django.db import transaction

    from ketnoi.channels.types.base import OutboundPayload
    from ketnoi.contacts.models import ChannelContact
    from ketnoi.outbox.models import OutboundMessage
    from ketnoi.outbox.payloads import payload_to_json
    from ketnoi.outbox.services import outbox_enqueue_many

    contacts = {c.user_id: c for c in ChannelContact.objects.all()}
    rows, keys = [], set()
    for i in range(count):
        person, tag = people[i % len(people)], f"plain-{i}"
        text = _expected(person, tag).split("|", 2)[2]
        contact = contacts[person["user"]]
        rows.append(OutboundMessage(channel_id=contact.channel_id, channel_contact=contact, recipient_user_id=contact.user_id,
                                    kind="text", payload=payload_to_json(OutboundPayload(kind="text", text=text)),
                                    idempotency_key=tag))  # fmt: skip
        keys.add(_expected(person, tag))
    with transaction.atomic():
        outbox_enqueue_many(messages=rows)
    return time.time(), keys


def _arrivals(stub, offset: int, expected: set[str], since: float) -> dict:
    stub.wait_for(offset + len(expected), timeout=max(120.0, len(expected) / 20))
    arrivals = stub.arrivals(offset)
    counted = stub_zalo.lost_and_duplicated(arrivals, expected)
    last = max((row[0] for row in arrivals), default=since)
    return {**counted, "per_s": counted["arrived"] / (last - since) if last > since else 0.0, "seen": len(arrivals)}


def _figures(posted: dict, delivered: dict, sent: int, use) -> dict:
    return {
        "accepted/s": round(posted["accepted"] / (posted["ended"] - posted["started"]), 1),
        "at the stub/s": round(delivered["per_s"], 1),
        "accepted/posted": f"{posted['accepted']}/{sent}",
        "lost": delivered["lost"],
        "duplicated": delivered["duplicated"],
        "errors": posted["errors"],
        "load generator CPU ms/request": posted["load generator CPU ms/request"],
        **use.per(sent),
    }


def run() -> harness.Result:
    harness.django_setup()
    load_before = cpu.load_average()
    key, template_id, people = _setup()
    harness.settle_tables()
    singles = [(people[i % len(people)], f"s{i}") for i in range(SINGLE)]
    batched = [(people[i % len(people)], f"b{i}") for i in range(BATCH * BATCHES)]
    with (
        stub_zalo.StubZalo() as stub,
        harness.api_server(CLIENTS) as server,
        zalo.Dispatchers(stub.url, count=1, concurrency=CONCURRENCY, **stub.env()) as dispatchers,
    ):
        roots = [server.process.pid, *(p.pid for p in dispatchers.processes)]
        parts = {"web": [server.process.pid], "dispatcher": [p.pid for p in dispatchers.processes]}
        committed, plain_keys = _plain_rows(people, SINGLE)
        plain = _arrivals(stub, 0, plain_keys, committed)
        offset = plain["seen"]
        # warm: every gunicorn thread's connection prepares its statements before the clock starts
        warming = [(people[i % len(people)], f"w{i}") for i in range(WARM)]
        warm = _post_all(server.url, key, "/api/v1/notifications", [_item(template_id, p, t) for p, t in warming],
                         CLIENTS)  # fmt: skip
        offset += _arrivals(stub, offset, {_expected(p, t) for p, t in warming}, warm["started"])["seen"]

        machine = cpu.reference_ms()  # how fast the machine runs now (its speed drifts with its host)
        with cpu.CpuMeter(roots=roots, database=harness.DB_NAME, parts=parts) as meter:
            posted = _post_all(server.url, key, "/api/v1/notifications",
                               [_item(template_id, p, t) for p, t in singles], CLIENTS)  # fmt: skip
            delivered = _arrivals(stub, offset, {_expected(p, t) for p, t in singles}, posted["started"])
        single = _figures(posted, delivered, SINGLE, meter.use)
        offset += delivered["seen"]

        bodies = [{"notifications": [_item(template_id, p, t) for p, t in batched[i : i + BATCH]]}
                  for i in range(0, len(batched), BATCH)]  # fmt: skip
        with cpu.CpuMeter(roots=roots, database=harness.DB_NAME, parts=parts) as meter:
            posted = _post_all(server.url, key, "/api/v1/notifications/batch", bodies, 2)
            delivered = _arrivals(stub, offset, {_expected(p, t) for p, t in batched}, posted["started"])
        batch = _figures(posted, delivered, len(batched), meter.use)
    met = (
        single["accepted/s"] >= TARGET_SINGLE
        and batch["accepted/s"] >= TARGET_BATCHED
        and all(f["lost"] == 0 and f["duplicated"] == 0 for f in (single, batch))
    )
    return harness.Result(
        name="notifications",
        title="Notifications API, POST to the follower's Zalo (fast stub provider)",
        figures={
            "one per request": single,
            f"batches of {BATCH:,}": batch,
            "reference loop CPU ms (bench/cpu.py)": f"{machine} before, {cpu.reference_ms()} after",
        },
        baseline={
            "plain outbox rows to the stub/s": round(plain["per_s"], 1),
            "plain rows lost/duplicated": f"{plain['lost']}/{plain['duplicated']}",
        },
        target=f">= {TARGET_SINGLE}/s single, >= {TARGET_BATCHED:,}/s batched (accepted); 0 lost, 0 duplicated",
        met=met,
        notes=(
            f"{FOLLOWERS:,} followers of {OAS} OAs with shared phones; {SINGLE:,} single requests ({CLIENTS} in "
            f"flight), then {BATCHES} batches of {BATCH:,} (2 in flight), recipients by phone; one run_dispatcher "
            f"process; gunicorn gthread 2x{CLIENTS // 2}; CPU of gunicorn, the dispatcher and PostgreSQL backends per "
            f"notification (the load generator, bench/loadgen.py on aiohttp, reports its own); load average {load_before} before, {cpu.load_average()} after (2 cores shared)."
        ),
    )
