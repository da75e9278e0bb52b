"""A citizen's phone for conversation tests: the Zalo sandbox over HTTP, the real webhook, inbound worker and
dispatcher. `phone.say("...")` returns what the phone shows afterwards (the OA's new messages)."""

from types import SimpleNamespace

import pytest

from ketnoi.channels.types.zalo import tokens
from ketnoi.outbox.dispatcher import dispatch_once
from tests.channels.conftest import run_inbound_queue
from tests.sandbox_oa import connect_sandbox_oa


class Phone:
    def __init__(self, sandbox, oa_id: str, name: str = "Nguyễn Thị Hoa", phone: str | None = None):
        self.sandbox = sandbox
        self.oa_id = oa_id
        self.person = sandbox.create_user(name, phone=phone)
        self.uid = self.person["uid"]
        self.user_id = ""
        self.seen = 0

    def _act(self, event_name: str, action) -> list[dict]:
        """Do something on the phone, wait for its webhook, run the inbound worker and the dispatcher."""
        before = len(self.sandbox.deliveries(self.oa_id, event_name))
        action()
        self.sandbox.wait_deliveries(self.oa_id, event_name, count=before + 1)
        run_inbound_queue()
        dispatch_once(rounds=4)
        run_inbound_queue()  # tasks the turn queued (attachments), then their replies
        dispatch_once(rounds=2)
        return self.new_messages()

    def new_messages(self) -> list[dict]:
        messages = self.sandbox.messages(oa_id=self.oa_id, user_id=self.uid)
        fresh, self.seen = messages[self.seen :], len(messages)
        return fresh

    def follow(self, token: str = "") -> list[dict]:
        def act():
            self.user_id = self.sandbox.follow(self.uid, self.oa_id, source="qr" if token else "", token=token)[
                "user_id"
            ]

        return self._act("follow", act)

    def unfollow(self) -> list[dict]:
        return self._act("unfollow", lambda: self.sandbox.unfollow(self.uid, self.oa_id))

    def say(self, text: str) -> list[dict]:
        return self._act("user_send_text", lambda: self.sandbox.send_text(self.uid, self.oa_id, text))

    def tap(self, payload: str) -> list[dict]:
        return self._act("user_send_text", lambda: self.sandbox.tap(self.uid, self.oa_id, payload, hidden=True))

    def send_image(self, url: str = "", text: str = "") -> list[dict]:
        return self._act("user_send_image", lambda: self.sandbox.send_image(self.uid, self.oa_id, url=url, text=text))

    def send_file(self, url: str = "", filename: str = "") -> list[dict]:
        return self._act(
            "user_send_file", lambda: self.sandbox.send_file(self.uid, self.oa_id, url=url, filename=filename)
        )

    def send_sticker(self) -> list[dict]:
        return self._act("user_send_sticker", lambda: self.sandbox.send_sticker(self.uid, self.oa_id))

    def send_location(self, latitude: float, longitude: float) -> list[dict]:
        return self._act(
            "user_send_location", lambda: self.sandbox.send_location(self.uid, self.oa_id, latitude, longitude)
        )

    def submit_info(self, name: str, phone: str) -> list[dict]:
        return self._act(
            "user_submit_info", lambda: self.sandbox.submit_info(self.uid, self.oa_id, name=name, phone=phone)
        )


def texts(messages: list[dict]) -> str:
    """Everything the phone shows, texts and button titles, in one string."""
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        payload = m.get("payload") or {}
        for b in payload.get("buttons") or []:
            parts.append(f"[{b.get('title')}]")
        form = payload.get("form") or {}
        if form:
            parts.append(f"<form {form.get('title', '')}>")
    return "\n".join(parts)


def buttons(messages: list[dict]) -> dict[str, str]:
    """title -> payload (or URL) of every button shown."""
    found = {}
    for m in messages:
        for b in (m.get("payload") or {}).get("buttons") or []:
            value = b.get("payload")
            found[b.get("title")] = value.get("url") if isinstance(value, dict) else value
    return found


@pytest.fixture
def oa(zalo_sandbox, transactional_world, live_server, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 0.05
    settings.OUTBOX_RETRY_MAX_SECONDS = 0.5
    channel, created = connect_sandbox_oa(
        zalo_sandbox,
        unit=transactional_world.commune_a,
        live_server_url=live_server.url,
        name="Phường Đông Hòa",
        config={"dossier_template_id": "tpl-dossier", "otp_template_id": "tpl-otp"},
    )
    yield SimpleNamespace(channel=channel, oa_id=created["oa_id"], world=transactional_world, sandbox=zalo_sandbox)
    tokens.forget(channel.pk)


@pytest.fixture
def new_phone(oa):
    def make(name: str = "Nguyễn Thị Hoa", phone: str | None = None) -> Phone:
        return Phone(oa.sandbox, oa.oa_id, name, phone)

    return make


APPLICANT_PHONE = "0912 345 678"


@pytest.fixture
def dossiers(oa):
    """A dossier awaiting supplement and one whose result was returned, both filed with APPLICANT_PHONE."""
    from ketnoi.dossiers.services import (
        dossier_receive,
        dossier_request_supplement,
        dossier_result_ready,
        dossier_return_result,
        dossier_transition,
    )
    from ketnoi.orgs.models import Agency, Desk
    from tests.dossiers.conftest import make_procedures

    world = oa.world
    procedures = make_procedures()
    agency = Agency.objects.get(code="H90.90001")
    desk = Desk.objects.get(agency=agency, code="Q01")

    def receive(procedure):
        return dossier_receive(
            actor=world.desk_a,
            procedure=procedure,
            receiving_agency=agency,
            desk=desk,
            applicant_name="Nguyễn Thị Mai",
            applicant_phone=APPLICANT_PHONE,
            applicant_id_number="001203004567",
            applicant_address="12 Lê Lợi, Tổ dân phố 1, Phường Đông Hòa",
        )

    waiting = receive(procedures.birth)
    waiting = dossier_transition(actor=world.processor_a, dossier=waiting, to_state="processing")
    waiting = dossier_request_supplement(
        actor=world.processor_a, dossier=waiting, missing=["Giấy chứng sinh (bản chính)"]
    )
    ready = receive(procedures.birth)
    ready = dossier_transition(actor=world.processor_a, dossier=ready, to_state="processing")
    ready = dossier_result_ready(actor=world.processor_a, dossier=ready)
    returned = receive(procedures.birth)
    returned = dossier_transition(actor=world.processor_a, dossier=returned, to_state="processing")
    returned = dossier_result_ready(actor=world.processor_a, dossier=returned)
    returned = dossier_return_result(actor=world.desk_a, dossier=returned)
    return SimpleNamespace(waiting=waiting, ready=ready, returned=returned, procedures=procedures)
