"""Notifications API fixtures: a sending service of Phường Đông Hòa's centre with an OA and the SMS gateway
stand-in (tests/channels/test_sms.Gateway, a real local HTTP server), a template, and keys of each kind."""

import pytest

from ketnoi.channels.services import sms_channel_create
from ketnoi.notify.auth import forget_all
from ketnoi.notify.services import api_key_create, service_save, template_save
from tests.channels.test_sms import Gateway
from tests.dossiers.conftest import desk_a, procedures, receive  # noqa: F401  (fixtures for test_events)

MEMBER = "+84912000001"
TEXT = "Kính gửi ((ten)), hóa đơn tiền nước tháng ((thang)) là ((so_tien)) đồng."
SMS = "Kinh gui ((ten)): hoa don tien nuoc thang ((thang)) la ((so_tien)) dong."
VALUES = {"ten": "Nguyễn Văn An", "thang": "11/2026", "so_tien": "125.000"}


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.server.shutdown()


def make_service(world, *, channels, gateway_url, callback_url="", **kwargs):
    forget_all()
    sms = sms_channel_create(actor=None, unit=world.commune_a, name="SMS Đông Hòa", url=gateway_url,
                             api_key="sms-key", cost_per_message=450)  # fmt: skip
    service = service_save(
        actor=world.admin,
        agency=world.agency("H90.90001"),
        name="Nước sạch Đông Hòa",
        channels=channels,
        sms_channel=sms,
        member_phones=[MEMBER],
        callback_url=callback_url,
        **kwargs,
    )
    template = template_save(
        actor=world.admin,
        service=service,
        name="Hóa đơn tiền nước",
        text=TEXT,
        zbs_template_id="tpl-bill",
        zbs_params={"ten_khach_hang": "((ten))", "thang": "((thang))", "so_tien": "((so_tien))"},
        sms_text=SMS,
    )
    keys = {kind: api_key_create(actor=world.admin, service=service, name=kind, kind=kind)[1]
            for kind in ("test", "team", "live")}  # fmt: skip
    return service, template, keys


def auth(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
