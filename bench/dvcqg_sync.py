"""Status events end to end when they arrive through the DVCQG-compatible endpoints, beside the native API in the
same run: the dossier status-events benchmark (bench/status_events.py) with half of the dossiers driven by
POST /api/v1/dossiers/events and the other half by CapNhatTienDoHoSoMC steps to POST /api/dvcqg/adapter/service
(gunicorn), the same shapes for both: one event per request (CLIENTS in flight), then two batches of 1,000 in
flight at once. Each accepted event moves its dossier and queues one notice in the same transaction; the
production dispatchers send it to the citizen's Zalo follower at the sandbox.

The DVCQG client relays: every accepted call is also forwarded to a stand-in upstream (a threaded HTTP server in
this process) by a relay worker loop running beside; reported: forwarded/accepted and acceptance-to-upstream
p50/p99. BENCH_SCALE shrinks the counts for development runs.
"""

import asyncio
import datetime as dt
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from . import bulk, harness, status_events, zalo

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
HALF = max(200, int(2000 * SCALE))  # dossiers per path; one follower linked to each
OAS = 10
SINGLE_EVENTS = max(100, int(600 * SCALE))
BATCH = max(100, int(1000 * SCALE))
CLIENTS = status_events.CLIENTS
PASSWORD = "bench-dvcqg"


class Upstream:
    """Counts what the relay forwards (the national portal, standing in)."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.count += 1
                body = b'{"error_code":"0","message":"thanh cong"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dvcqg/service"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class RelayWorker:
    """The relay as deployed (the scheduled job / task calls relay_due), in a loop beside the load."""

    def __init__(self):
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        from django.db import connection

        from ketnoi.api.dvcqg.relay import relay_due

        while not self.stop.is_set():
            if not relay_due(limit=50):
                time.sleep(0.2)
        connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=60)


def _setup(upstream_url: str) -> tuple[str, list[str], list[str]]:
    """2 x HALF dossiers of one API client, each linked to a follower; a DVCQG client on the same API client."""
    from django.contrib.auth.hashers import make_password

    from ketnoi.api.dvcqg.models import DvcqgClient, hash_secret
    from ketnoi.api.services import api_client_create
    from ketnoi.dossiers.models import Dossier, DossierLink, LinkMethod
    from ketnoi.orgs.models import AdministrativeUnit, Agency
    from ketnoi.procedures.models import Procedure

    total = 2 * HALF
    oas = zalo.create_oas(OAS, followers=total // OAS)
    zalo.connect_channels(oas, contacts=True)
    client, token = api_client_create(
        actor=None, name="Hệ thống một cửa tỉnh", unit=AdministrativeUnit.objects.get(code="90", valid_to=None)
    )
    agency = Agency.objects.get(code="H90.90001")
    DvcqgClient.objects.create(
        api_client=client,
        receiving_agency=agency,
        username="bench",
        password_hash=make_password(PASSWORD),
        path_key_hash=hash_secret("bench-key"),
        path_key_hint="bench-",
        relay_enabled=True,
        upstream_url=upstream_url,
        sends_steps=True,
    )
    procedure, _ = Procedure.objects.get_or_create(
        code="1.001193", defaults={"name": "Đăng ký khai sinh", "processing_days": 3, "agency": agency}
    )
    special = {
        "id": None,
        "uuid": "gen_random_uuid()",
        "receipt_code": "'000.00.12.H90-261124-' || lpad((g + 1)::text, 5, '0')",
        "external_system": f"'{client.uuid}'",
        "external_id": "'MC-' || lpad(g::text, 6, '0')",
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
    bulk.insert_series(Dossier, special, total, progress=False)
    contacts = [pk for oa in oas for pk in oa.channel_contact_ids]
    dossiers = list(Dossier.objects.order_by("external_id").values_list("pk", "external_id", "receipt_code"))
    DossierLink.objects.bulk_create(
        [
            DossierLink(dossier_id=pk, channel_contact_id=contact, method=LinkMethod.DESK)
            for (pk, _, _), contact in zip(dossiers, contacts, strict=True)
        ]
    )
    native = [external for _, external, _ in dossiers[:HALF]]
    dvcqg = [code for _, _, code in dossiers[HALF:]]
    return token, native, dvcqg


def _step(code: str, status: int, at: dt.datetime, n: int) -> dict:
    return {
        "MaHoSo": code,
        "NguoiXuLy": "Chuyên viên",
        "ChucDanh": "",
        "ThoiDiemXuLy": at.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%Y%m%d%H%M%S"),
        "PhongBanXuLy": "",
        "NoiDungXuLy": f"Bước {n}",
        "TrangThai": str(status),
        "NgayBatDau": "",
        "NgayKetThucTheoQuyDinh": "",
    }


async def _post_dvcqg(base: str, bodies: list[list[dict]], concurrency: int) -> dict:
    """Like status_events._post_all, for the adapter: authenticate once, then post each `data` array."""
    queue = list(reversed(bodies))
    counts: dict[str, int] = {}
    durations: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=300) as client:
        auth = await client.post("/api/dvcqg/adapter/auth", json={"username": "bench", "password": PASSWORD})
        session = auth.json()["session"]

        async def worker() -> None:
            while queue:
                data = queue.pop()
                body = {"session": session, "madonvi": "000.00.12.H90", "service": "CapNhatTienDoHoSoMC", "data": data}
                sent = time.monotonic()
                response = await client.post(
                    "/api/dvcqg/adapter/service", content=json.dumps(body, ensure_ascii=False).encode()
                )
                durations.append(time.monotonic() - sent)
                if response.status_code != 200:
                    counts[f"http {response.status_code}"] = counts.get(f"http {response.status_code}", 0) + 1
                    continue
                for result in response.json().get("results", []):
                    counts[result["status"]] = counts.get(result["status"], 0) + 1

        started = time.time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        ended = time.time()
    return {"started": started, "ended": ended, "counts": counts, "slowest": max(durations, default=0.0)}


def _relay_figures(since: float, upstream: Upstream) -> dict:
    from ketnoi.api.dvcqg.models import RelayItem, RelayStatus

    since_at = dt.datetime.fromtimestamp(since, tz=dt.UTC)
    items = RelayItem.objects.filter(created_at__gte=since_at)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and items.exclude(status=RelayStatus.SENT).exists():
        time.sleep(0.5)
    delays = [(s - c).total_seconds() for c, s in items.exclude(sent_at=None).values_list("created_at", "sent_at")]
    return {
        "forwarded/accepted calls": f"{len(delays)}/{items.count()}",
        "accept-to-upstream p50 s": round(harness.percentile(delays, 50), 2),
        "accept-to-upstream p99 s": round(harness.percentile(delays, 99), 2),
    }


def _run_pair(server_url: str, token: str, native_bodies: list, dvcqg_bodies: list, concurrency: int, events: int):
    native = asyncio.run(status_events._post_all(server_url, token, native_bodies, concurrency))
    native_figures = status_events._figures(native, status_events._deliveries(native["started"], events), events)
    dvcqg = asyncio.run(_post_dvcqg(server_url, dvcqg_bodies, concurrency))
    dvcqg_figures = status_events._figures(dvcqg, status_events._deliveries(dvcqg["started"], events), events)
    return native_figures, dvcqg_figures, dvcqg["started"]


def run() -> harness.Result:
    harness.django_setup()
    zalo.lean_sandbox()
    upstream = Upstream()
    token, native_ids, dvcqg_codes = _setup(upstream.url)
    at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    singles_native = [
        {"events": [status_events._event(f"s-{i}", native_ids[i % HALF], 4, at)]} for i in range(SINGLE_EVENTS)
    ]
    singles_dvcqg = [[_step(dvcqg_codes[i % HALF], 4, at, i)] for i in range(SINGLE_EVENTS)]
    later = at + dt.timedelta(minutes=1)
    half = min(BATCH, HALF // 2)
    batches_native = [
        {"events": [status_events._event(f"b-{i}", native_ids[i], 5, later) for i in range(lo, lo + half)]}
        for lo in (0, HALF // 2)
    ]
    batches_dvcqg = [[_step(dvcqg_codes[i], 5, later, i) for i in range(lo, lo + half)] for lo in (0, HALF // 2)]
    with harness.Server(timeout=300) as server, zalo.Dispatchers(server.url), RelayWorker():
        native_single, dvcqg_single, relay_since = _run_pair(
            server.url, token, singles_native, singles_dvcqg, CLIENTS, SINGLE_EVENTS
        )
        native_batch, dvcqg_batch, _ = _run_pair(server.url, token, batches_native, batches_dvcqg, 2, 2 * half)
        relay = _relay_figures(relay_since, upstream)
    figures = [native_single, dvcqg_single, native_batch, dvcqg_batch]
    met = all(f["applied/posted"].split("/")[0] == f["applied/posted"].split("/")[1] for f in figures)
    met = met and relay["forwarded/accepted calls"].split("/")[0] == relay["forwarded/accepted calls"].split("/")[1]
    return harness.Result(
        name="dvcqg_sync",
        title="Status events through the DVCQG endpoints, to the citizen's Zalo (with relay)",
        figures={"DVCQG one step per call": dvcqg_single, "DVCQG data arrays of 1,000": dvcqg_batch, "relay": relay},
        baseline={"native one event per request": native_single, "native batches of 1,000": native_batch},
        target="report (every step applied and its notice delivered once; every call forwarded once)",
        met=met,
        notes=(
            f"{2 * HALF:,} dossiers of one API client (half driven by the native API, half by DVCQG steps), each "
            f"linked to a follower of one of {OAS} sandbox OAs; {SINGLE_EVENTS:,} single-event calls per path "
            f"({CLIENTS} in flight), then 2 x {half:,} events in two calls per path (2 in flight); "
            f"{zalo.DISPATCHERS} run_dispatcher processes x {zalo.CONCURRENCY} threads; gunicorn gthread 2x8; the "
            "relay worker forwarding every DVCQG call to a stand-in upstream throughout."
        ),
    )
