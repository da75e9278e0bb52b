"""Relay mode: every accepted payload is forwarded unchanged, exactly once, to a stand-in upstream (a real HTTP
server in the test), retried with backoff while it is down, never lost by a worker that dies after claiming it,
given up after the last attempt and put back by the console's retry. ketnoi answers the caller meanwhile."""

import json

import pytest

from django.utils import timezone

from ketnoi.api.dvcqg import relay
from ketnoi.api.dvcqg.models import RelayItem, RelayStatus
from ketnoi.dossiers.models import Dossier

from . import payloads
from .conftest import Caller, make_client
from .upstream import StandInUpstream


@pytest.fixture
def upstream(settings):
    settings.DVCQG_RELAY_RETRY_BASE_SECONDS = 0  # due again at once: the test drives the attempts
    settings.DVCQG_RELAY_MAX_ATTEMPTS = 4
    with StandInUpstream() as server:
        yield server


@pytest.fixture
def relayed(world, client, upstream):
    dvcqg_client, key = make_client(world, relay_enabled=True, upstream_url=upstream.url + "/lgsp/dvc")
    return Caller(client, dvcqg_client, key)


def test_each_payload_is_forwarded_unchanged_exactly_once_with_retries_while_the_upstream_is_down(relayed, upstream):
    create = relayed.array("DongBoHoSoMC", [payloads.dossier()], isUpdating="False", MaDinhDanhDV="000.00.01.H90")
    steps = relayed.array("DongBoTienTrinh", payloads.steps())
    assert create.json()["error_code"] == "0" and steps.json()["error_code"] == "0"  # answered while it is down
    assert Dossier.objects.get().state == "processing"

    assert relay.relay_due() == {"pending": 1}
    assert relay.relay_due() == {"pending": 1}
    assert upstream.received == []
    items = list(RelayItem.objects.order_by("id"))
    # in order: the steps wait behind the dossier, which is retried
    assert [i.attempts for i in items] == [2, 0] and items[0].last_error == "HTTP 503"

    upstream.mode = "up"
    assert relay.relay_due() == {"sent": 2}
    assert relay.relay_due() == {}  # nothing left: no second copy
    assert [r["path"] for r in upstream.received] == [
        "/lgsp/dvc/DongBoHoSoMC?isUpdating=False&MaDinhDanhDV=000.00.01.H90",
        "/lgsp/dvc/DongBoTienTrinh",
    ]
    assert json.loads(upstream.received[0]["body"]) == [payloads.dossier()]
    assert json.loads(upstream.received[1]["body"]) == payloads.steps()
    assert upstream.received[0]["body"] == RelayItem.objects.order_by("id")[0].request.body.encode()
    keys = {r["headers"]["Idempotency-Key"] for r in upstream.received}
    assert keys == {str(i.uuid) for i in items}
    assert set(RelayItem.objects.values_list("status", flat=True)) == {RelayStatus.SENT}


def test_a_worker_killed_after_claiming_loses_nothing_and_sends_nothing_twice(relayed, upstream):
    upstream.mode = "up"
    relayed.array("ThemMoi", [payloads.dossier()])
    [(pk, attempt, _client)] = relay.claim()  # a worker claims the item, then dies before sending
    assert relay.relay_due() == {}  # the claim holds: nobody else sends it meanwhile
    RelayItem.objects.filter(pk=pk).update(claimed_until=timezone.now())  # ... until it expires
    assert relay.relay_due() == {"sent": 1}
    assert len(upstream.received) == 1
    # a worker that only stalled wakes up late: its claim was taken over, it sends nothing
    assert relay.send_one(pk, attempt) == relay.SUPERSEDED
    assert len(upstream.received) == 1 and RelayItem.objects.get().status == RelayStatus.SENT


def test_the_adapter_envelope_is_forwarded_with_the_upstream_session(world, client, upstream):
    upstream.mode = "up"
    dvcqg_client, key = make_client(
        world,
        relay_enabled=True,
        upstream_url=upstream.url + "/adapter/service",
        upstream_auth_url=upstream.url + "/adapter/auth",
        upstream_username="h90",
        upstream_password="bi-mat",
        upstream_dstcode="000.00.00.H90",
    )
    caller = Caller(client, dvcqg_client, key)
    caller.service("DongBoHoSoMC", [payloads.dossier()], isUpdating="False")
    caller.service("TraCuuHoSo", mahoso=payloads.CODE)  # a read answered by ketnoi: nothing to relay
    assert relay.relay_due() == {"sent": 1}
    upstream.refuse_session = "upstream-session-1"  # the cached session expires upstream after the first send
    caller.service("CapNhatTienDoHoSoMC", payloads.steps())
    assert relay.relay_due() == {"sent": 1}
    first, second = (json.loads(r["body"]) for r in upstream.received)
    assert first["session"] == "upstream-session-1" and second["session"] == "upstream-session-2"
    assert first["data"] == [payloads.dossier()] and first["service"] == "DongBoHoSoMC"
    assert second["data"] == payloads.steps()
    assert {r["headers"]["dstcode"] for r in upstream.received} == {"000.00.00.H90"}  # the upstream's own code
    assert RelayItem.objects.count() == 2


def test_given_up_after_the_last_attempt_then_retried_from_the_console(relayed, upstream):
    relayed.array("ThemMoi", [payloads.dossier()])
    for _ in range(4):
        relay.relay_due()
    item = RelayItem.objects.get()
    assert item.status == RelayStatus.DEAD and item.attempts == 4
    upstream.mode = "up"
    assert relay.relay_due() == {}
    relay.relay_retry(actor=None, item=item)
    assert relay.relay_due() == {"sent": 1} and len(upstream.received) == 1


def test_refused_and_unparsed_payloads_are_not_relayed(relayed, upstream, client):
    client.post(f"/api/dvcqg/rest/{relayed.key}/ThemMoi", "{oops", content_type="application/json")
    relayed.service("LayThuTuc", maTTHC="1.001193")
    assert RelayItem.objects.count() == 0


def test_a_service_ketnoi_does_not_handle_is_still_relayed(world, client, upstream):
    upstream.mode = "up"
    dvcqg_client, key = make_client(world, relay_enabled=True, upstream_url=upstream.url + "/adapter/service")
    caller = Caller(client, dvcqg_client, key)
    answer = caller.service("DongBoTrangThaiHoSo", {"MaHoSo": payloads.CODE, "TrangThai": "2"}, type="2").json()
    assert answer["error_code"] == -1 and "DongBoTrangThaiHoSo" in answer["message"]
    assert relay.relay_due() == {"sent": 1}
    assert json.loads(upstream.received[0]["body"])["service"] == "DongBoTrangThaiHoSo"
