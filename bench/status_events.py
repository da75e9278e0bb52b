"""Status events end to end: a one-stop system posts national status codes to POST /api/v1/dossiers/events
(gunicorn); each accepted event moves its dossier and queues one notice in the same transaction; the production
dispatchers (run_dispatcher processes) send it to the citizen's Zalo follower at the sandbox. Two runs: one event
per request (CLIENTS requests in flight), then two batches of 1,000 in flight at once, on disjoint dossiers.
Reported per run: events/s accepted by the API, notices/s arriving at the sink, and commit-to-sink p50/p99
(outbox row created in the event's transaction -> the sandbox's arrival time, matched by provider message id).

Baseline, same run: the same number of plain outbox rows (the same button message to the same followers) written
directly in one transaction, no API: how fast the dispatchers deliver them, and their commit-to-sink p99.
BENCH_SCALE shrinks the counts for development runs.
"""

import asyncio
import datetime as dt
import os
import time

import httpx

from . import bulk, harness, zalo

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
DOSSIERS = max(200, int(2000 * SCALE))  # one follower linked to each
OAS = 10
SINGLE_EVENTS = max(100, int(600 * SCALE))
BATCH = max(100, int(1000 * SCALE))
CLIENTS = 8


def _setup() -> tuple[str, list[str]]:
    """Sandbox OAs and followers, channels and contacts, dossiers owned by an API client, each linked to a follower."""
    from ketnoi.api.services import api_client_create
    from ketnoi.dossiers.models import Dossier, DossierLink, LinkMethod
    from ketnoi.orgs.models import AdministrativeUnit, Agency
    from ketnoi.procedures.models import Procedure

    oas = zalo.create_oas(OAS, followers=DOSSIERS // OAS)
    zalo.connect_channels(oas, contacts=True)
    client, token = api_client_create(
        actor=None, name="Hệ thống một cửa tỉnh", unit=AdministrativeUnit.objects.get(code="90", valid_to=None)
    )
    agency = Agency.objects.get(code="H90.90001")
    procedure, _ = Procedure.objects.get_or_create(
        code="1.001193", defaults={"name": "Đăng ký khai sinh", "processing_days": 3, "agency": agency}
    )
    special = {
        "id": None,
        "uuid": "gen_random_uuid()",
        "receipt_code": "'H90.90001-261124-' || lpad((g + 1)::text, 4, '0')",
        "external_system": f"'{client.uuid}'",
        "external_id": "'MC-' || g",
        "applicant_name": "'Nguyễn Văn ' || g",
        "applicant_name_folded": "'nguyen van ' || g",
        "applicant_phone": "'+8491' || lpad(g::text, 7, '0')",
        "procedure_id": str(procedure.pk),
        "unit_id": str(agency.unit_id),
        "receiving_agency_id": str(agency.pk),
        "competent_agency_id": str(agency.pk),
        "state": "'received'",
        "received_at": "now() - interval '1 day'",
        "clock_started_at": "now() - interval '1 day'",
        "due_date": "current_date + 5",
    }
    bulk.insert_series(Dossier, special, DOSSIERS, progress=False)
    contacts = [pk for oa in oas for pk in oa.channel_contact_ids]
    dossiers = list(Dossier.objects.order_by("external_id").values_list("pk", "external_id"))
    DossierLink.objects.bulk_create(
        [
            DossierLink(dossier_id=pk, channel_contact_id=contact, method=LinkMethod.DESK)
            for (pk, _), contact in zip(dossiers, contacts, strict=True)
        ]
    )
    return token, [external_id for _, external_id in dossiers]


def _event(n: str, external_id: str, code: int, at: dt.datetime) -> dict:
    event = {"event_id": n, "external_id": external_id, "status_code": code, "occurred_at": at.isoformat()}
    if code == 5:
        event["missing"] = ["Bản sao giấy chứng nhận kết hôn"]
    return event


async def _post_all(base: str, token: str, bodies: list[dict], concurrency: int) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    queue = list(reversed(bodies))
    counts: dict[str, int] = {}
    durations: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=300, headers=headers) as client:

        async def worker() -> None:
            while queue:
                body = queue.pop()
                sent = time.monotonic()
                response = await client.post("/api/v1/dossiers/events", json=body)
                durations.append(time.monotonic() - sent)
                if response.status_code != 200:
                    counts[f"http {response.status_code}"] = counts.get(f"http {response.status_code}", 0) + 1
                    continue
                for status, n in response.json()["counts"].items():
                    counts[status] = counts.get(status, 0) + n

        started = time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        ended = time.time()
    return {"started": started, "ended": ended, "counts": counts, "slowest": max(durations, default=0.0)}


def _deliveries(since: float, expected: int, *, key_prefix: str = "dossier:", slack: float = 0.0) -> dict:
    """Wait for `expected` notices created after `since` to reach the sink; rates and commit-to-sink latencies."""
    from ketnoi.outbox.models import OutboundMessage, Status
    from ketnoi.sandbox.models import Message

    since_at = dt.datetime.fromtimestamp(since - slack, tz=dt.UTC)  # plain rows are created before commit
    rows = OutboundMessage.objects.filter(created_at__gte=since_at, idempotency_key__startswith=key_prefix)
    deadline = time.monotonic() + max(120.0, expected / 10)
    while time.monotonic() < deadline:
        if rows.filter(status=Status.SENT).count() >= expected:
            break
        time.sleep(0.5)
    created = dict(rows.exclude(provider_message_id="").values_list("provider_message_id", "created_at"))
    arrived = dict(Message.objects.filter(msg_id__in=list(created)).values_list("msg_id", "created_at"))
    latencies = [(arrived[m] - created[m]).total_seconds() for m in arrived]
    last = max(arrived.values()).timestamp() if arrived else since
    return {
        "arrived": len(arrived),
        "per_s": len(arrived) / (last - since) if arrived else 0.0,
        "p50": harness.percentile(latencies, 50),
        "p99": harness.percentile(latencies, 99),
        "unsent": rows.exclude(status=Status.SENT).count(),
    }


def _figures(posted: dict, delivered: dict, events: int) -> dict:
    accepted = posted["counts"].get("applied", 0)
    return {
        "events accepted/s": round(accepted / (posted["ended"] - posted["started"]), 1),
        "notices at sink/s": round(delivered["per_s"], 1),
        "commit-to-sink p50 s": round(delivered["p50"], 2),
        "commit-to-sink p99 s": round(delivered["p99"], 2),
        "slowest request s": round(posted["slowest"], 1),
        "applied/posted": f"{accepted}/{events}",
        "arrived": delivered["arrived"],
    }


def _plain_rows(count: int) -> float:
    """The baseline: the same button notice to the same followers, enqueued directly in one transaction."""
    from django.db import transaction

    from ketnoi.channels.types.base import Button, OutboundPayload
    from ketnoi.contacts.models import ChannelContact
    from ketnoi.outbox.models import Lane, OutboundMessage
    from ketnoi.outbox.payloads import payload_to_json

    contacts = list(ChannelContact.objects.order_by("pk")[:count])
    payload = payload_to_json(
        OutboundPayload(
            kind="buttons",
            text="Hồ sơ H90.90001-261124-0001: Đang xử lý. Tra cứu: https://example.invalid/tra-cuu/abc/",
            buttons=(Button(title="Tra cứu hồ sơ", action="url", value="https://example.invalid/tra-cuu/abc/"),),
        )
    )
    with transaction.atomic():
        OutboundMessage.objects.bulk_create(
            [
                OutboundMessage(
                    channel_id=c.channel_id,
                    channel_contact=c,
                    recipient_user_id=c.user_id,
                    lane=Lane.TRANSACTIONAL,
                    kind="buttons",
                    payload=payload,
                    idempotency_key=f"plain-{c.pk}",
                )
                for c in contacts
            ],
            batch_size=1000,
        )
    return time.time()


def run() -> harness.Result:
    harness.django_setup()
    zalo.lean_sandbox()
    token, externals = _setup()
    base_time = dt.datetime.now(dt.UTC)
    singles = [{"events": [_event(f"s-{i}", externals[i % DOSSIERS], 4, base_time)]} for i in range(SINGLE_EVENTS)]
    rounds = []
    half = DOSSIERS // 2
    for r, code in enumerate((5,)):  # one round: two batches in flight, each on its own half of the dossiers
        at = base_time + dt.timedelta(minutes=r + 1)
        rounds.append(
            [
                {"events": [_event(f"b{r}-{i}", externals[i], code, at) for i in range(lo, lo + min(BATCH, half))]}
                for lo in (0, half)
            ]
        )
    batch_events = sum(len(b["events"]) for r in rounds for b in r)
    with harness.Server(timeout=300) as server, zalo.Dispatchers(server.url):
        plain = _deliveries(_plain_rows(DOSSIERS), DOSSIERS, key_prefix="plain-", slack=60)
        posted = asyncio.run(_post_all(server.url, token, singles, CLIENTS))
        single = _figures(posted, _deliveries(posted["started"], SINGLE_EVENTS), SINGLE_EVENTS)
        batch_started = time.time()
        counts: dict[str, int] = {}
        slowest = 0.0
        for bodies in rounds:
            result = asyncio.run(_post_all(server.url, token, bodies, 2))
            slowest = max(slowest, result["slowest"])
            for k, v in result["counts"].items():
                counts[k] = counts.get(k, 0) + v
        batched = _figures(
            {"started": batch_started, "ended": time.time(), "counts": counts, "slowest": slowest},
            _deliveries(batch_started, batch_events),
            batch_events,
        )
    met = all(f["applied/posted"].split("/")[0] == f["applied/posted"].split("/")[1] for f in (single, batched))
    met = met and single["arrived"] == SINGLE_EVENTS and batched["arrived"] == batch_events
    return harness.Result(
        name="status_events",
        title="Status events, API to the citizen's Zalo",
        figures={"one event per request": single, "batches of 1,000": batched},
        baseline={
            "plain outbox rows to sink/s": round(plain["per_s"], 1),
            "plain commit-to-sink p99 s": round(plain["p99"], 2),
            "plain rows": f"{plain['arrived']}/{DOSSIERS}",
        },
        target="report (every event applied and its notice delivered once)",
        met=met,
        notes=(
            f"{DOSSIERS:,} dossiers of one API client, each linked to a follower of one of {OAS} sandbox OAs; "
            f"{SINGLE_EVENTS:,} single-event requests ({CLIENTS} in flight), then {batch_events:,} events in batches "
            f"of {BATCH:,} (2 in flight); {zalo.DISPATCHERS} run_dispatcher processes x {zalo.CONCURRENCY} threads "
            f"running throughout; gunicorn gthread 2x8. Baseline first: {DOSSIERS:,} plain rows in one transaction."
        ),
    )
