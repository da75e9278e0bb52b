"""A province at full size (#17 item 1): every hot statement flat in the data's size, read in its plan.

One database, two sizes, the same rows measured at both. First a small province: 20 Zalo OAs, SMALL followers
(each a Contact with a phone and a ChannelContact) and SMALL dossiers of one API client, each linked to a follower.
Per-event cost is measured there: single status events through POST /api/v1/dossiers/events (Django's handler
in-process: auth, JSON, the service, PostgreSQL) and one batch of 200; wall ms and CPU ms per event (this
process plus its PostgreSQL backend, from /proc). Then the province is loaded around it with INSERT ... SELECT
generate_series (bench/bulk.py; indexes rebuilt as migrated): FOLLOWERS followers over the 20 OAs, CONTACTS
contacts with phones (a person follows several OAs), DOSSIERS dossiers of the same client, a link for every
follower and every contact, HISTORY status events and OUTBOX settled outbox rows; the same measurement runs on
other dossiers of the small set. Target: per-event cost at the large size within 1.2x of the small.

Then every statement is read in its plan: an execute wrapper runs EXPLAIN (ANALYZE, BUFFERS) of each SELECT,
INSERT, UPDATE and DELETE just before the statement itself (in a savepoint rolled back, so nothing is written
twice), for a single event, a batch of 200, the chat path (a follower's greeting, a receipt code typed in chat, a
"my dossiers" request, each stored by the webhook intake and worked by the inbound queue) and the dispatcher's
claim, sent-marks, lease renewal and sweep. The bench fails on any sequential scan of a table holding more than
LARGE_TABLE rows. BENCH_LARGE_FOLLOWERS, BENCH_LARGE_CONTACTS, BENCH_LARGE_DOSSIERS, BENCH_LARGE_HISTORY,
BENCH_LARGE_OUTBOX change the sizes; BENCH_DB the database (default ketnoi_bench).
"""

import datetime as dt
import json
import os
import time

from . import bulk, cpu, harness, zalo

FOLLOWERS = int(os.environ.get("BENCH_LARGE_FOLLOWERS", "2000000"))
CONTACTS = int(os.environ.get("BENCH_LARGE_CONTACTS", "1000000"))
DOSSIERS = int(os.environ.get("BENCH_LARGE_DOSSIERS", "10000000"))
HISTORY = int(os.environ.get("BENCH_LARGE_HISTORY", "5000000"))
OUTBOX = int(os.environ.get("BENCH_LARGE_OUTBOX", "1000000"))
OAS = 20
SMALL = 2000
SINGLES = 800  # single events per measurement (300 took 1.5 s: one passing stall moved the ratio)
BATCH = 200
BATCHES = 3  # batches per measurement (one batch took 0.1 s: too short a sample to compare)
LARGE_TABLE = 100_000  # a sequential scan of a table larger than this fails the bench
TARGET_RATIO = 1.2
T0 = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)


def _sql(statement: str, params=None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _next_id(model) -> int:
    return _sql(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")[0][0]


def _setup() -> dict:
    """The orgs, a procedure, the API client and its token, 20 Zalo channels."""

    from ketnoi.api.services import api_client_create
    from ketnoi.orgs.demo import seed
    from ketnoi.orgs.models import AdministrativeUnit, Agency
    from ketnoi.procedures.models import Procedure

    seed()
    province = AdministrativeUnit.objects.get(code="90", valid_to=None)
    client, token = api_client_create(actor=None, name="Hệ thống một cửa tỉnh", unit=province)
    agency = Agency.objects.get(code="H90.90001")
    procedure, _ = Procedure.objects.get_or_create(
        code="1.001193", defaults={"name": "Đăng ký khai sinh", "processing_days": 3, "agency": agency}
    )
    channels = []
    for n in range(OAS):
        oa_id = f"{4_100_000_000_000_000 + n}"
        channels.append(zalo.stub_oa_channel(unit=province, name=f"OA {n}", oa_id=oa_id, app_id=f"8{n:08d}"))
    return {"client": client, "token": token, "agency": agency, "procedure": procedure, "channels": channels}


def _load(world: dict, *, prefix: str, followers: int, contacts: int, dossiers: int, rebuild: bool) -> dict:
    """Contacts with phones, followers spread over the OAs (follower g is person g % contacts), dossiers of the
    API client (the first `followers` linked to follower g, the first `contacts` also to person g directly)."""
    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.dossiers.models import Dossier, DossierLink

    client, agency = world["client"], world["agency"]
    channel_ids = ",".join(str(c.pk) for c in world["channels"])
    started = time.monotonic()
    contact_base = _next_id(Contact)
    bulk.insert_series(
        Contact,
        {
            "id": None,
            "uuid": "gen_random_uuid()",
            "name": f"'{prefix} ' || g",
            "phone": f"'+849{1 if prefix == 'S' else 2}' || lpad(g::text, 7, '0')",
        },
        contacts,
        rebuild_indexes=rebuild,
        progress=rebuild,
    )
    follower_base = _next_id(ChannelContact)
    bulk.insert_series(
        ChannelContact,
        {
            "id": None,
            "uuid": "gen_random_uuid()",
            "channel_id": f"(ARRAY[{channel_ids}])[(g % {OAS}) + 1]",
            "contact_id": f"{contact_base} + (g % {contacts})",
            "user_id": f"'{prefix}' || g",
            "is_follower": "true",
            "followed_at": "now() - interval '30 days'",
            "last_interaction_at": "now() - interval '1 day'",
        },
        followers,
        rebuild_indexes=rebuild,
        progress=rebuild,
    )
    dossier_base = _next_id(Dossier)
    bulk.insert_series(
        Dossier,
        {
            "id": None,
            "uuid": "gen_random_uuid()",
            "receipt_code": f"'H90.90001-{'261124' if prefix == 'S' else '250101'}-' || lpad((g + 1)::text, 8, '0')",
            "external_system": f"'{client.uuid}'",
            "external_id": f"'{prefix}-' || g",
            "applicant_name": "'Nguyễn Văn ' || g",
            "applicant_name_folded": "'nguyen van ' || g",
            "applicant_phone": f"'+849{1 if prefix == 'S' else 2}' || lpad((g % {contacts})::text, 7, '0')",
            "procedure_id": str(world["procedure"].pk),
            "unit_id": str(agency.unit_id),
            "receiving_agency_id": str(agency.pk),
            "competent_agency_id": str(agency.pk),
            "state": "'received'",
            "received_at": "now() - interval '2 days'",
            "clock_started_at": "now() - interval '2 days'",
            "due_date": "current_date + 5",
        },
        dossiers,
        chunk=1_000_000,
        rebuild_indexes=rebuild,
        progress=rebuild,
    )
    links, by_phone = min(followers, dossiers), min(contacts, dossiers)
    bulk.insert_series(
        DossierLink,
        {
            "id": None,
            "dossier_id": f"{dossier_base} + CASE WHEN g < {links} THEN g ELSE g - {links} END",
            "channel_contact_id": f"CASE WHEN g < {links} THEN {follower_base} + g END",
            "contact_id": f"CASE WHEN g >= {links} THEN {contact_base} + g - {links} END",
            "method": f"CASE WHEN g < {links} THEN 'desk' ELSE 'verified_phone' END",
            "linked_at": "now() - interval '2 days'",
            "is_active": "true",
        },
        links + by_phone,
        rebuild_indexes=rebuild,
        progress=rebuild,
    )
    return {"seconds": time.monotonic() - started, "dossier_base": dossier_base, "follower_base": follower_base}


def _load_history(world: dict, dossier_base: int) -> float:
    """Settled history: status events of the API client and sent outbox rows, as a province accumulates them."""
    from ketnoi.dossiers.models import DossierEvent
    from ketnoi.outbox.models import OutboundMessage

    started = time.monotonic()
    bulk.insert_series(
        DossierEvent,
        {
            "id": None,
            "dossier_id": f"{dossier_base} + (g % {DOSSIERS})",
            "kind": "'transition'",
            "from_state": "'received'",
            "to_state": "'processing'",
            "national_code": "4",
            "occurred_at": "now() - interval '1 day' - g * interval '1 second'",
            "source": "'api'",
            "external_system": f"'{world['client'].uuid}'",
            "external_event_id": "'hist-' || g",
        },
        HISTORY,
        chunk=1_000_000,
        rebuild_indexes=True,
    )
    channel_ids = ",".join(str(c.pk) for c in world["channels"])
    bulk.insert_series(
        OutboundMessage,
        {
            "id": None,
            "uuid": "gen_random_uuid()",
            "channel_id": f"(ARRAY[{channel_ids}])[(g % {OAS}) + 1]",
            "recipient_user_id": "'L' || g",
            "kind": "'text'",
            "payload": """'{"kind": "text", "text": "Hồ sơ đã được tiếp nhận."}'::jsonb""",
            "idempotency_key": "'hist-' || g",
            "status": "'sent'",
            "attempts": "1",
            "sent_at": "now() - interval '1 day'",
            "provider_message_id": "'pm-' || g",
            "created_at": "now() - interval '1 day'",
            "source_type": "'dossier'",
            "source_id": "'hist-' || g",
        },
        OUTBOX,
        chunk=1_000_000,
        rebuild_indexes=True,
    )
    return time.monotonic() - started


# -- per-event cost ---------------------------------------------------------------------------------------------


def _backend_seconds(pid: int) -> float:
    return (cpu.process_ticks(pid) or 0) / os.sysconf("SC_CLK_TCK")


def _post(client, token: str, events: list[dict]) -> dict:
    answer = client.post(
        "/api/v1/dossiers/events",
        {"events": events},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 200, answer.content[:300]
    return answer.json()


def _event(event_id: str, external_id: str, code: int, minutes: int) -> dict:
    event = {
        "event_id": event_id,
        "external_id": external_id,
        "status_code": code,
        "occurred_at": (T0 + dt.timedelta(minutes=minutes)).isoformat(),
    }
    if code == 5:
        event["missing"] = ["Bản sao giấy chứng nhận kết hôn"]
    return event


def _cost(token: str, tag: str, externals: list[str]) -> dict:
    """SINGLES single events (received -> processing) then BATCHES batches of BATCH (-> supplement) on `externals`."""
    from django.db import connection
    from django.test import Client

    client = Client()
    connection.ensure_connection()
    backend = _sql("SELECT pg_backend_pid()")[0][0]
    for n, external in enumerate(externals[-20:]):  # warm: caches, connection, plans
        _post(client, token, [_event(f"{tag}-warm-{n}", external, 4, 1)])
    singles = externals[:SINGLES]

    def measure(work) -> tuple[float, float, float]:
        wall, own, pg = time.perf_counter(), time.process_time(), _backend_seconds(backend)
        work()
        return time.perf_counter() - wall, time.process_time() - own, _backend_seconds(backend) - pg

    applied = {"n": 0}

    def single_events() -> None:
        for n, external in enumerate(singles):
            applied["n"] += _post(client, token, [_event(f"{tag}-s-{n}", external, 4, 2)])["counts"].get("applied", 0)

    reference = cpu.reference_ms()
    wall, own, pg = measure(single_events)
    batches = [
        [_event(f"{tag}-b-{n}", external, 5, 3) for n, external in enumerate(externals[lo : lo + BATCH], start=lo)]
        for lo in range(0, BATCH * BATCHES, BATCH)
    ]
    answers: list[dict] = []
    b_wall, b_own, b_pg = measure(lambda: answers.extend(_post(client, token, batch) for batch in batches))
    reference = (reference + cpu.reference_ms()) / 2
    return {
        "reference loop CPU ms": round(reference, 2),
        "single ms/event": round(wall * 1000 / len(singles), 2),
        "single CPU ms/event": round((own + pg) * 1000 / len(singles), 2),
        "single PostgreSQL CPU ms/event": round(pg * 1000 / len(singles), 2),
        "batch ms/event": round(b_wall * 1000 / (BATCH * BATCHES), 3),
        "batch CPU ms/event": round((b_own + b_pg) * 1000 / (BATCH * BATCHES), 3),
        "applied": f"{applied['n'] + sum(a['counts'].get('applied', 0) for a in answers)}/"
        f"{len(singles) + BATCH * BATCHES}",
    }


# -- plans -------------------------------------------------------------------------------------------------------

EXPLAINED = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


class Explainer:
    """An execute wrapper: EXPLAIN (ANALYZE, BUFFERS) of each statement in a savepoint rolled back, then the
    statement itself. Plans are kept per path."""

    def __init__(self) -> None:
        self.path = ""
        self.plans: list[dict] = []

    def __call__(self, execute, sql, params, many, context):
        if not many and sql.lstrip().split(None, 1)[0].upper() in EXPLAINED:
            self._explain(context["connection"], context["cursor"].cursor, sql, params)
        return execute(sql, params, many, context)

    def _explain(self, connection, raw, sql: str, params) -> None:
        in_transaction = connection.in_atomic_block
        raw.execute("SAVEPOINT bench_explain" if in_transaction else "BEGIN")
        try:
            raw.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = raw.fetchone()[0]
        finally:
            raw.execute("ROLLBACK TO SAVEPOINT bench_explain" if in_transaction else "ROLLBACK")
        if isinstance(plan, str):
            plan = json.loads(plan)
        self.plans.append({"path": self.path, "sql": " ".join(sql.split()), "plan": plan[0]})


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _large_tables() -> set[str]:
    rows = _sql("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s", [LARGE_TABLE])
    return {name for (name,) in rows}


def _summary(explained: list[dict], large: set[str]) -> tuple[list[dict], list[str]]:
    rows, seq_scans = [], []
    for item in explained:
        top = item["plan"]["Plan"]
        nodes = list(_nodes(top))
        scans = sorted({f"{n['Node Type']} {n.get('Index Name') or n.get('Relation Name', '')}".strip() for n in nodes})
        bad = [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in large]
        if bad:
            seq_scans.append(f"{item['path']}: Seq Scan on {', '.join(bad)}: {item['sql'][:200]}")
        rows.append(
            {
                "path": item["path"],
                "statement": item["sql"],
                "ms": round(item["plan"].get("Execution Time", 0.0), 3),
                "buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
                "scans": [s for s in scans if "Scan" in s],
            }
        )
    return rows, seq_scans


def _chat_bodies(channel, user_id: str, code: str) -> list[bytes]:
    def body(n: int, text: str) -> bytes:
        event = {
            "app_id": channel.config.get("app_id", ""),
            "sender": {"id": user_id},
            "recipient": {"id": channel.external_id},
            "user_id_by_app": f"app-{user_id}",
            "event_name": "user_send_text",
            "message": {"msg_id": f"bench-chat-{user_id}-{n}", "text": text},
            "timestamp": str(int(time.time() * 1000) + n),
        }
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()

    return [body(0, "Xin chào"), body(1, code), body(2, "Hồ sơ của tôi")]


def _explain_all(world: dict, externals: list[str], unlinked: list[str], chat_follower) -> list[dict]:
    from django.db import connection
    from django.test import Client

    from ketnoi.channels.intake import store_event
    from ketnoi.channels.types.base import SendResult
    from ketnoi.dossiers.models import Dossier
    from ketnoi.outbox.dispatcher import Dispatcher
    from ketnoi.outbox.outcomes import record_sent_many
    from ketnoi.outbox.queue import OUTBOX
    from ketnoi.outbox.sweeper import sweep_stuck
    from ketnoi.pipeline import claimer as inbound_queue

    client, token = Client(), world["token"]
    explainer = Explainer()
    with connection.execute_wrapper(explainer):
        explainer.path = "event (single)"
        answers = [_post(client, token, [_event("x-single", externals[0], 4, 5)])]
        explainer.path = "event (batch of 200)"
        answers.append(
            _post(client, token, [_event(f"x-b-{n}", e, 4, 5) for n, e in enumerate(externals[1 : 1 + BATCH])])
        )
        explainer.path = "event (batch of 200, dossiers nobody follows: by phone)"
        answers.append(_post(client, token, [_event(f"x-p-{n}", e, 4, 5) for n, e in enumerate(unlinked)]))
        explainer.path = "chat"
        channel = chat_follower.channel
        code = Dossier.objects.filter(links__channel_contact=chat_follower).values_list("receipt_code", flat=True)[0]
        for body in _chat_bodies(channel, chat_follower.user_id, code):
            store_event(channel=channel, body=body, headers={})
        inbound_queue.drain()
        explainer.path = "dispatcher"
        dispatcher = Dispatcher(concurrency=16, batch_size=200)
        try:
            runs = dispatcher.claim(200)
            rows = [row for run in runs for row in run]
            OUTBOX.renew([row.pk for row in rows], worker=dispatcher.name)
            record_sent_many([(row, SendResult(provider_message_id=f"x-{row.pk}")) for row in rows])
            sweep_stuck()
        finally:
            dispatcher.close()
    assert [a["counts"] for a in answers] == [{"applied": 1}, {"applied": BATCH}, {"applied": BATCH}], answers
    assert rows, "the dispatcher claimed nothing"
    return explainer.plans


def run() -> harness.Result:
    harness.django_setup()
    from ketnoi.contacts.models import ChannelContact

    load_at_start = cpu.load_average()
    world = _setup()
    _load(world, prefix="S", followers=SMALL, contacts=SMALL, dossiers=SMALL, rebuild=False)
    _sql("ANALYZE")
    externals = [f"S-{g}" for g in range(SMALL)]
    at_small = _cost(world["token"], "small", externals[: SMALL // 2])
    print(f"   at {SMALL:,} followers: {at_small}", flush=True)
    large = _load(
        world,
        prefix="L",
        followers=FOLLOWERS - SMALL,
        contacts=CONTACTS - SMALL,
        dossiers=DOSSIERS - SMALL,
        rebuild=True,
    )
    history_seconds = _load_history(world, large["dossier_base"])
    _sql("ANALYZE")
    sizes = {
        table: _sql(f"SELECT count(*) FROM {table}")[0][0]
        for table in (
            "contacts_contact",
            "contacts_channelcontact",
            "dossiers_dossier",
            "dossiers_dossierlink",
            "dossiers_dossierevent",
            "outbox_outboundmessage",
        )
    }
    print(f"   loaded in {large['seconds'] + history_seconds:.0f} s: {sizes}", flush=True)
    at_large = _cost(world["token"], "large", externals[SMALL // 2 :])
    print(f"   at {FOLLOWERS:,} followers: {at_large}", flush=True)
    chat_follower = ChannelContact.objects.select_related("channel").get(pk=large["follower_base"] + 12345 % FOLLOWERS)
    linked = (FOLLOWERS - SMALL) // 2  # dossiers L-0 ... have a follower; those past every link have a phone only
    plans = _explain_all(
        world,
        [f"L-{g}" for g in range(linked, linked + BATCH + 1)],
        [f"L-{g}" for g in range(DOSSIERS - SMALL - BATCH, DOSSIERS - SMALL)],
        chat_follower,
    )
    rows, seq_scans = _summary(plans, _large_tables())
    # The two sizes are measured ten minutes apart (the load between them) on a machine whose speed drifts: the
    # CPU ratios are also given in units of the reference loop timed around each measurement (bench/cpu.py).
    speed = at_large["reference loop CPU ms"] / at_small["reference loop CPU ms"]
    ratios = {
        "single wall": round(at_large["single ms/event"] / at_small["single ms/event"], 2),
        "single CPU": round(at_large["single CPU ms/event"] / at_small["single CPU ms/event"], 2),
        "batch wall": round(at_large["batch ms/event"] / at_small["batch ms/event"], 2),
        "batch CPU": round(at_large["batch CPU ms/event"] / at_small["batch CPU ms/event"], 2),
        "machine speed, small / large (reference loop)": round(speed, 2),
        "single CPU in reference loops": round(
            at_large["single CPU ms/event"] / at_small["single CPU ms/event"] / speed, 2
        ),
        "batch CPU in reference loops": round(
            at_large["batch CPU ms/event"] / at_small["batch CPU ms/event"] / speed, 2
        ),
    }
    slowest = sorted(rows, key=lambda r: -r["ms"])[:5]
    harness.RESULTS.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS / "large_scale_plans.txt").write_text(
        "\n".join(f"[{r['path']}] {r['ms']} ms, {r['buffers']} buffers, {r['scans']}: {r['statement']}" for r in rows)
        + "\n"
    )
    in_loops = (ratios["single CPU in reference loops"], ratios["batch CPU in reference loops"])
    met = not seq_scans and max(in_loops) <= TARGET_RATIO
    return harness.Result(
        name="large_scale",
        title=f"A province: {FOLLOWERS:,} followers, {DOSSIERS:,} dossiers, {CONTACTS:,} contacts",
        figures={
            f"per event at {FOLLOWERS:,} followers": at_large,
            "ratio to small": ratios,
            "statements explained": len(rows),
            "sequential scans of large tables": seq_scans or 0,
            "slowest statements ms": [f"{r['path']}: {r['ms']} ({r['statement'][:80]})" for r in slowest],
            "loaded in s": round(large["seconds"] + history_seconds),
            "load average": f"{load_at_start} -> {cpu.load_average()}",
        },
        baseline={f"per event at {SMALL:,} followers": at_small},
        target=(
            f"no Seq Scan of a table over {LARGE_TABLE:,} rows; per-event CPU within {TARGET_RATIO}x of small, in "
            "units of the reference loop timed around each measurement (the raw CPU ratios beside them)"
        ),
        met=met,
        notes=(
            f"rows: {sizes}; plans of every statement in bench/results/large_scale_plans.txt; in-process (Django's "
            f"handler), {SINGLES} single events and {BATCHES} batches of {BATCH} at each size on dossiers of the small set."
        ),
    )
