"""End to end through the Zalo sandbox: a citizen follows the commune's OA on the sandbox phone; a one-stop system
syncs a dossier carrying a phone over the DVCQG endpoints (real HTTP to the live server) and then its steps; the real
dispatcher sends each status change once to the follower who proved that phone with a one-time code. In either
order: the phone proven first, or the dossier synced first (the phone in Fax, as OpenCPS sends it) and the follower
told "dossiers exist, type the code we sent". A follower who only typed the phone in Zalo's form hears nothing."""

import httpx
import pytest

from ketnoi.channels.types.zalo import tokens
from ketnoi.contacts.models import ChannelContact
from ketnoi.dossiers.models import DossierLink, LinkMethod
from tests.conversations.conftest import Phone
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
        zalo_sandbox,
        unit=transactional_world.commune_a,
        live_server_url=live_server.url,
        config={"dossier_template_id": "tpl-dossier", "otp_template_id": "tpl-otp"},
    )
    yield channel, created
    tokens.forget(channel.pk)


@pytest.fixture
def one_stop(transactional_world, live_server):
    client, key = make_client(transactional_world)
    return Caller(LiveHttp(live_server.url), client, key)


def code_sent(zalo_sandbox, created) -> str:
    codes = [
        m["payload"]["template_data"]["otp"]
        for m in zalo_sandbox.messages(oa_id=created["oa_id"], phone=PHONE)
        if (m.get("payload") or {}).get("template_id") == "tpl-otp"
    ]
    return codes[-1]


def follow_and_prove_phone(zalo_sandbox, created) -> Phone:
    """The citizen asks for "my dossiers", types the phone, and types the code the phone received."""
    phone = Phone(zalo_sandbox, created["oa_id"], "Nguyễn Văn A", PHONE)
    phone.follow()
    phone.say("ho so cua toi")
    phone.say("0900 000 000")
    phone.say(code_sent(zalo_sandbox, created))
    assert ChannelContact.objects.get(user_id=phone.user_id).contact.phone == "+" + PHONE
    return phone


def ours(zalo_sandbox, created, phone: Phone):
    return [
        m["text"]
        for m in zalo_sandbox.messages(oa_id=created["oa_id"], user=phone.uid)
        if payloads.CODE in (m["text"] or "") and m["endpoint"] == "cs"
    ]


STEPS = [
    payloads.step("20261115093200", "2", "Tiếp nhận hồ sơ", NguoiXuLy="Cán bộ một cửa"),
    payloads.step("20261116081500", "4", "Chuyển xử lý"),
    payloads.step("20261117080000", "9", "Cán bộ trả hồ sơ bổ sung"),  # a folded 5
]


def test_a_follower_who_proved_the_phone_hears_each_status_change_of_a_synced_dossier_once(zalo_sandbox, oa, one_stop):
    _channel, created = oa
    phone = follow_and_prove_phone(zalo_sandbox, created)
    answer = one_stop.service("DongBoHoSoMC", [payloads.dossier(TrangThaiHoSo="2")], isUpdating="False")
    assert answer.json()["error_code"] == 0, answer.text
    assert DossierLink.objects.get().method == LinkMethod.VERIFIED_PHONE
    assert one_stop.service("CapNhatTienDoHoSoMC", STEPS).json()["error_code"] == 0
    assert one_stop.service("CapNhatTienDoHoSoMC", STEPS).json()["error_code"] == 0  # the full history again
    drain(until_seconds=60)
    texts = ours(zalo_sandbox, created, phone)
    # received (to the follower, not by phone), processing, supplement requested: once each
    assert len(texts) == 3, texts
    assert [sum(word in t for t in texts) for word in ("đã tiếp nhận hồ sơ", "Đang xử lý", "cần bổ sung")] == [1, 1, 1]
    assert [m for m in zalo_sandbox.messages(phone=PHONE) if payloads.CODE in str(m)] == []


def test_a_dossier_synced_first_is_linked_once_the_follower_confirms_the_phone_with_the_code(
    zalo_sandbox, oa, one_stop
):
    _channel, created = oa
    item = payloads.dossier(TrangThaiHoSo="2", SoDienThoai="", Fax="0900000000")  # OpenCPS: the phone in Fax
    assert one_stop.array("ThemMoi", [item]).json()["error_code"] == "0"
    phone = Phone(zalo_sandbox, created["oa_id"], "Nguyễn Văn A", PHONE)
    phone.follow()
    offer = phone.submit_info("Nguyễn Văn A", "0900 000 000")
    assert "tìm thấy hồ sơ" in "".join(m["text"] or "" for m in offer) and payloads.CODE not in str(offer)
    assert not DossierLink.objects.exists()
    phone.say(code_sent(zalo_sandbox, created))
    assert DossierLink.objects.get().method == LinkMethod.VERIFIED_PHONE
    assert one_stop.array("DongBoTienTrinh", STEPS[:2]).json()["error_code"] == "0"
    drain(until_seconds=60)
    texts = ours(zalo_sandbox, created, phone)
    assert sum("Đã tiếp nhận" in t for t in texts) == 1 and sum("Đang xử lý" in t for t in texts) == 1


def test_a_follower_who_only_typed_the_phone_hears_nothing_of_a_synced_dossier(zalo_sandbox, oa, one_stop):
    """sync's dossier_link_by_phone links proven phones only: the notices go to the phone by template."""
    _channel, created = oa
    stranger = Phone(zalo_sandbox, created["oa_id"], "Người lạ", "84987000111")
    stranger.follow()
    stranger.submit_info("Nguyễn Văn A", "0900 000 000")
    answer = one_stop.service("DongBoHoSoMC", [payloads.dossier(TrangThaiHoSo="2")], isUpdating="False")
    assert answer.json()["error_code"] == 0, answer.text
    assert one_stop.service("CapNhatTienDoHoSoMC", STEPS).json()["error_code"] == 0
    drain(until_seconds=60)
    assert not DossierLink.objects.exists()
    assert ours(zalo_sandbox, created, stranger) == []
    shown = str(zalo_sandbox.messages(oa_id=created["oa_id"], user=stranger.uid))
    assert payloads.CODE not in shown and "/tra-cuu/" not in shown
    by_phone = [
        m for m in zalo_sandbox.messages(phone=PHONE) if (m.get("payload") or {}).get("template_id") == "tpl-dossier"
    ]
    assert len(by_phone) == 3
