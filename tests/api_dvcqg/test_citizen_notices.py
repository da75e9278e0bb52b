"""End to end through the Zalo sandbox: a citizen follows the commune's OA on the sandbox phone and shares the
phone with it; a one-stop system syncs a dossier carrying that phone over the DVCQG endpoints (real HTTP to the
live server) and then its steps; the real dispatcher sends each status change to the follower once. In either
order: dossier first (the phone in Fax, as OpenCPS sends it) and the follower's shared phone links it later."""

import httpx
import pytest

from ketnoi.channels.types.zalo import tokens
from ketnoi.dossiers.models import DossierLink, LinkMethod
from tests.channels.conftest import run_inbound_queue
from tests.outbox.helpers import drain
from tests.sandbox_oa import connect_sandbox_oa

from . import payloads
from .conftest import Caller, make_client

PHONE = "84900000000"  # the synthetic payload's SoDienThoai 0900000000


class LiveHttp:
    def __init__(self, base):
        self.base = base

    def post(self, url, body, content_type="application/json"):
        return httpx.post(self.base + url, json=body, timeout=60)


@pytest.fixture
def oa(zalo_sandbox, transactional_world, live_server, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.05
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.5
    channel, created = connect_sandbox_oa(
        zalo_sandbox, unit=transactional_world.commune_a, live_server_url=live_server.url
    )
    yield channel, created
    tokens.forget(channel.pk)


@pytest.fixture
def one_stop(transactional_world, live_server):
    client, key = make_client(transactional_world)
    return Caller(LiveHttp(live_server.url), client, key)


def follow_and_share_phone(zalo_sandbox, created):
    person = zalo_sandbox.create_user("Nguyễn Văn A", phone=PHONE)
    zalo_sandbox.follow(person["uid"], created["oa_id"])
    zalo_sandbox.submit_info(person["uid"], created["oa_id"], name="Nguyễn Văn A", phone="0900 000 000")
    zalo_sandbox.wait_deliveries(created["oa_id"], "user_submit_info")
    run_inbound_queue()
    return person


def ours(zalo_sandbox, created, person):
    return [
        m["text"]
        for m in zalo_sandbox.messages(oa_id=created["oa_id"], user=person["uid"])
        if payloads.CODE in (m["text"] or "") and m["endpoint"] == "cs"
    ]


STEPS = [
    payloads.step("20261115093200", "2", "Tiếp nhận hồ sơ", NguoiXuLy="Cán bộ một cửa"),
    payloads.step("20261116081500", "4", "Chuyển xử lý"),
    payloads.step("20261117080000", "9", "Cán bộ trả hồ sơ bổ sung"),  # a folded 5
]


def test_a_follower_whose_shared_phone_is_in_a_synced_dossier_hears_each_status_change_once(zalo_sandbox, oa, one_stop):
    _channel, created = oa
    person = follow_and_share_phone(zalo_sandbox, created)
    answer = one_stop.service("DongBoHoSoMC", [payloads.dossier(TrangThaiHoSo="2")], isUpdating="False")
    assert answer.json()["error_code"] == 0, answer.text
    assert DossierLink.objects.get().method == LinkMethod.SHARED_PHONE
    assert one_stop.service("CapNhatTienDoHoSoMC", STEPS).json()["error_code"] == 0
    assert one_stop.service("CapNhatTienDoHoSoMC", STEPS).json()["error_code"] == 0  # the full history again
    drain(until_seconds=60)
    texts = ours(zalo_sandbox, created, person)
    # received (to the follower, not by phone), processing, supplement requested: once each
    assert len(texts) == 3, texts
    assert [sum(word in t for t in texts) for word in ("đã tiếp nhận hồ sơ", "Đang xử lý", "cần bổ sung")] == [1, 1, 1]
    assert [m for m in zalo_sandbox.messages(phone=PHONE) if m["endpoint"] in ("template", "zbs")] == []


def test_a_dossier_synced_first_is_linked_when_the_follower_shares_the_phone(zalo_sandbox, oa, one_stop):
    _channel, created = oa
    item = payloads.dossier(TrangThaiHoSo="2", SoDienThoai="", Fax="0900000000")  # OpenCPS: the phone in Fax
    assert one_stop.array("ThemMoi", [item]).json()["error_code"] == "0"
    person = follow_and_share_phone(zalo_sandbox, created)
    assert DossierLink.objects.get().method == LinkMethod.SHARED_PHONE
    assert one_stop.array("DongBoTienTrinh", STEPS[:2]).json()["error_code"] == "0"
    drain(until_seconds=60)
    texts = ours(zalo_sandbox, created, person)
    assert len(texts) == 2, texts  # "you will be told here" with the status, then processing
    assert sum("Đã tiếp nhận" in t for t in texts) == 1 and sum("Đang xử lý" in t for t in texts) == 1
