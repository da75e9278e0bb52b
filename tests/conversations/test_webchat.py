"""The same engine on web chat (/chat/): a visitor types and taps buttons, replies come back as the transcript the
page polls, with the bot's buttons rendered as buttons. Lookup by code, linking, procedures, English."""

import re
from html import unescape

import pytest

from django.test import Client
from django.urls import reverse

from ketnoi.channels.services import webchat_channel_create
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.procedures.demo import seed as seed_procedures
from tests.channels.conftest import receive_url, run_inbound_queue


class Visitor:
    def __init__(self, channel):
        self.channel = channel
        self.client = Client()
        self.client.get(reverse("portal:webchat"))
        self.sent = 0

    def say(self, text: str, label: str = "") -> str:
        self.sent += 1
        response = self.client.post(
            receive_url(self.channel), {"text": text, "client_id": f"m{self.sent}", "label": label}
        )
        assert response.status_code == 200
        run_inbound_queue()
        dispatch_once(rounds=3)
        return self.transcript()

    def transcript(self) -> str:
        return unescape(
            self.client.get(reverse("portal:webchat_messages") + f"?c={self.channel.uuid}").content.decode()
        )

    def last_reply(self) -> str:
        lines = re.findall(r'<div class="webchat-line theirs">(.*?)</div>', self.transcript(), re.S)
        return lines[-1] if lines else ""


@pytest.fixture
def webchat(transactional_world):
    return webchat_channel_create(actor=None, unit=transactional_world.commune_a, name="Hỏi đáp trực tuyến")


def test_web_chat_menu_lookup_and_procedures(webchat, dossiers_for_webchat):
    visitor = Visitor(webchat)
    visitor.say("xin chao")
    reply = visitor.last_reply()
    assert "Danh mục chính" in reply and 'data-webchat-say="#lookup"' in reply
    assert "<button" in reply  # buttons rendered as buttons

    visitor.say("#lookup", label="Tra cứu hồ sơ")
    assert "Tra cứu hồ sơ" in visitor.transcript()  # the title, not the payload, in the visitor's line
    assert "Hãy gõ mã hồ sơ" in visitor.last_reply()
    code = dossiers_for_webchat.waiting.receipt_code
    visitor.say(code.lower().replace("-", " "))
    assert "Yêu cầu bổ sung giấy tờ" in visitor.last_reply()
    transcript = visitor.say("5678")  # the dossier's "you are linked" notice comes too, in any order
    assert "Đã xong" in transcript and "#dossier.supplement:" in transcript

    visitor.say("lam giay khai sinh can gi")
    assert "Tờ khai đăng ký khai sinh" in visitor.last_reply()
    visitor.say("english")
    visitor.say("procedure ket hon")
    assert "Documents:" in visitor.last_reply()


@pytest.fixture
def dossiers_for_webchat(webchat, transactional_world):
    from types import SimpleNamespace

    from ketnoi.dossiers.services import dossier_receive, dossier_request_supplement, dossier_transition
    from ketnoi.orgs.models import Agency, Desk
    from tests.dossiers.conftest import make_procedures

    seed_procedures()
    procedures = make_procedures()
    agency = Agency.objects.get(code="H90.90001")
    dossier = dossier_receive(
        actor=transactional_world.desk_a,
        procedure=procedures.birth,
        receiving_agency=agency,
        desk=Desk.objects.get(agency=agency, code="Q01"),
        applicant_name="Trần Văn Hùng",
        applicant_phone="0912 345 678",
        applicant_id_number="001203004567",
        applicant_address="12 Lê Lợi, Phường Đông Hòa",
    )
    dossier = dossier_transition(actor=transactional_world.processor_a, dossier=dossier, to_state="processing")
    dossier = dossier_request_supplement(
        actor=transactional_world.processor_a, dossier=dossier, missing=["Giấy chứng sinh"]
    )
    return SimpleNamespace(waiting=dossier)


def test_web_chat_my_dossiers_by_one_time_code_and_documents_upload(
    zalo_sandbox, live_server, webchat, dossiers_for_webchat, transactional_world
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ketnoi.dossiers.models import DossierAttachment
    from tests.sandbox_oa import connect_sandbox_oa

    # The codes go out as template messages by phone through the unit's Zalo OA (the sandbox here).
    _channel, created = connect_sandbox_oa(
        zalo_sandbox,
        unit=transactional_world.commune_a,
        live_server_url=live_server.url,
        config={"otp_template_id": "tpl-otp"},
    )
    zalo_sandbox.create_user("Trần Văn Hùng", phone="84912345678")
    visitor = Visitor(webchat)
    visitor.say("ho so cua toi")
    assert "gõ số điện thoại" in visitor.last_reply()
    visitor.say("0912 345 678")
    assert "091****678" in visitor.last_reply()
    sent = zalo_sandbox.messages(oa_id=created["oa_id"], phone="84912345678")
    code = sent[-1]["payload"]["template_data"]["otp"]
    visitor.say(code)
    dossier = dossiers_for_webchat.waiting
    assert dossier.receipt_code in visitor.transcript()

    visitor.say(f"#dossier.supplement:{dossier.uuid.hex}", label="Gửi giấy tờ bổ sung")
    assert "Giấy chứng sinh" in visitor.last_reply()
    visitor.sent += 1
    photo = SimpleUploadedFile("giay-chung-sinh.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = visitor.client.post(receive_url(webchat), {"client_id": "upload-1", "file": photo})
    assert response.status_code == 200
    run_inbound_queue()
    dispatch_once(rounds=3)
    assert "Đã nhận 1 tệp" in visitor.last_reply() and "📎 giay-chung-sinh.pdf" in visitor.transcript()
    attachment = DossierAttachment.objects.get(dossier=dossier)
    assert attachment.content_type == "application/pdf" and attachment.name == "giay-chung-sinh.pdf"
