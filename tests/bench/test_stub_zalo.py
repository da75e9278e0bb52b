"""The fast stub provider (bench/stub_zalo.py) speaks what ketnoi's Zalo channel type calls: consultation messages,
template by phone, token refresh after -216, conversation history for find_sent; and it counts what arrived."""

import datetime as dt

import pytest

from django.db import transaction
from django.utils import timezone

from bench.stub_zalo import StubZalo, cs_key, lost_and_duplicated
from ketnoi.channels.services import zalo_channel_create
from ketnoi.channels.types import get_channel_type
from ketnoi.channels.types.base import Button, OutboundPayload, Recipient
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.outbox.models import OutboundMessage, Status
from ketnoi.outbox.services import outbox_enqueue
from tests.outbox.helpers import drain

OA = "4000000000000000777"


@pytest.fixture
def stub(settings):
    with StubZalo() as provider:
        for name, url in provider.env().items():
            setattr(settings, name, url)
        yield provider


@pytest.fixture
def follower(transactional_world, stub):
    channel = zalo_channel_create(
        actor=None,
        unit=transactional_world.commune_a,
        name="OA trên stub",
        oa_id=OA,
        app_id="1234567890",
        app_secret="app-secret",
        oa_secret_key="oa-secret",
        access_token=f"{OA}.first",
        refresh_token=f"{OA}.refresh",
    )
    contact = Contact.objects.create(name="Người dân")
    return ChannelContact.objects.create(
        channel=channel, contact=contact, user_id="u-1", is_follower=True, last_interaction_at=timezone.now()
    )


def _queue(follower, key, text, **kwargs):
    with transaction.atomic():
        return outbox_enqueue(
            channel=follower.channel,
            channel_contact=follower,
            idempotency_key=key,
            payload=kwargs.pop("payload", None) or OutboundPayload(kind="text", text=text),
            **kwargs,
        )


def test_messages_reach_the_stub_once_and_a_revoked_token_is_refreshed(follower, stub):
    buttons = OutboundPayload(
        kind="buttons",
        text="Hồ sơ A: Đang xử lý.",
        buttons=(Button(title="Tra cứu", action="url", value="https://x/"),),
    )
    _queue(follower, "k1", "", payload=buttons)
    _queue(follower, "k2", "Hồ sơ B: Đã có kết quả.")
    drain()
    assert stub.stats()["refreshes"] == 0
    assert stub.expire_tokens() >= 1
    _queue(follower, "k3", "Hồ sơ C: Cần bổ sung.")
    drain()

    stats = stub.stats()
    assert stats["refreshes"] == 1  # -216 on the revoked token, one refresh grant, one retry
    expected = {
        cs_key(OA, "u-1", t) for t in ("Hồ sơ A: Đang xử lý.", "Hồ sơ B: Đã có kết quả.", "Hồ sơ C: Cần bổ sung.")
    }
    assert lost_and_duplicated(stub.arrivals(), expected) == {
        "expected": 3,
        "arrived": 3,
        "lost": 0,
        "duplicated": 0,
        "unexpected": 0,
    }
    sent = {m.idempotency_key: m for m in OutboundMessage.objects.all()}
    assert {m.status for m in sent.values()} == {Status.SENT}
    ids = {row[5] for row in stub.arrivals()}
    assert {m.provider_message_id for m in sent.values()} == ids


def test_template_by_phone_and_find_sent(follower, stub):
    zalo = get_channel_type("zalo")
    channel = follower.channel
    result = zalo.send(
        channel,
        Recipient(phone="+84912000111"),
        OutboundPayload(kind="template", template_id="999", template_data={"ma_ho_so": "A"}),
        idempotency_key="dossier:x:1:phone",
    )
    assert result.provider_message_id.startswith("stub")
    since = timezone.now() - dt.timedelta(seconds=5)
    payload = OutboundPayload(kind="text", text="Hồ sơ D: Đang xử lý.")
    recipient = Recipient(user_id="u-2", last_interaction_at=timezone.now())
    sent = zalo.send(channel, recipient, payload, idempotency_key="k4")
    assert zalo.find_sent(channel, recipient, payload, idempotency_key="k4", since=since) == sent.provider_message_id
    other = OutboundPayload(kind="text", text="Chưa gửi")
    assert zalo.find_sent(channel, recipient, other, idempotency_key="k5", since=since) is None
    kinds = stub.stats()["by_kind"]
    assert kinds == {"zbs": 1, "cs": 1}
