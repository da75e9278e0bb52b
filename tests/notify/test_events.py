"""ketnoi's own events for other systems: a service subscribed to dossier events gets each new event of its unit's
dossiers as a signed callback, once, with codes and states and no citizen's name or phone; another commune's
dossiers and services that did not subscribe get nothing."""

import json

import pytest

from ketnoi.notify.callbacks import send_due, verify_signature
from ketnoi.notify.events import events_relay
from ketnoi.notify.models import Callback
from ketnoi.notify.services import service_save

from .receiver import CallbackReceiver


@pytest.fixture
def receiver():
    server = CallbackReceiver()
    yield server
    server.close()


def test_a_subscribed_service_hears_of_its_units_dossier_events_once(world, receive, receiver):
    agency = world.agency("H90.90001")
    subscribed = service_save(actor=world.admin, agency=agency, name="Một cửa liên thông", channels=[],
                              callback_url=receiver.url, subscribed_events=["dossier"])  # fmt: skip
    service_save(actor=world.admin, agency=agency, name="Không đăng ký", channels=[], callback_url=receiver.url)
    assert events_relay() == 0  # the first run starts the feed at the present
    dossier = receive()
    written = events_relay()
    assert written == dossier.events.count() >= 1
    assert events_relay() == 0  # told once
    assert set(Callback.objects.values_list("service_id", flat=True)) == {subscribed.pk}
    send_due()
    [first, *_] = receiver.received
    body = json.loads(first["body"])
    assert body["event"] == "dossier.event"
    assert body["data"]["receipt_code"] == dossier.receipt_code and body["data"]["to_state"] == "received"
    text = first["body"].decode()
    assert "Nguyễn Thị Mai" not in text and "912345678" not in text, text  # neither the name nor the phone
    assert verify_signature(secret=subscribed.callback_secret, body=first["body"],
                            timestamp=first["headers"]["X-Ketnoi-Timestamp"],
                            signature=first["headers"]["X-Ketnoi-Signature"])  # fmt: skip
