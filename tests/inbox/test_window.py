"""Replies and the channel's window, against the Zalo sandbox over HTTP: within 48 h a free consultation message,
then paid (warned), then refused with the template by phone offered; the template reaches the phone through ZBS.
Closing and returning to the bot tells the citizen only when a message can still reach them."""

import datetime as dt

import pytest

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketnoi.channels.types.base import WindowState
from ketnoi.channels.types.zalo import assumptions
from ketnoi.contacts import services as contacts
from ketnoi.core.errors import ApplicationError
from ketnoi.inbox.services import handoff_close, handoff_open, handoff_reply
from ketnoi.inbox.window import reply_window
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.outbox.models import OutboundMessage
from tests.sandbox_oa import connect_sandbox_oa

TEMPLATE = "inbox-answer-tpl"


@pytest.fixture
def zalo_citizen(zalo_sandbox, live_server, transactional_world):
    channel, created = connect_sandbox_oa(
        zalo_sandbox,
        unit=transactional_world.commune_a,
        live_server_url=live_server.url,
        config={"inbox_template_id": TEMPLATE},
    )
    person = zalo_sandbox.create_user("Đỗ Văn Nam", phone="0987654321")
    followed = zalo_sandbox.follow(person["uid"], created["oa_id"])
    with transaction.atomic():
        citizen, _ = contacts.channel_contact_for(channel=channel, user_id=followed["user_id"])
        citizen.display_name, citizen.is_follower, citizen.shared_phone = "Đỗ Văn Nam", True, "+84987654321"
        contacts.note_interaction(citizen, timezone.now())
        citizen.save()
    return citizen, created["oa_id"], followed["user_id"], person


def _age(zalo_sandbox, citizen, oa_id, user_id, hours):
    zalo_sandbox.set_last_interaction(user_id, oa_id, hours_ago=hours)
    citizen.last_interaction_at = timezone.now() - dt.timedelta(hours=hours)
    citizen.save(update_fields=["last_interaction_at"])


def _page(client, world, handoff) -> str:
    client.force_login(world.processor_a)
    client.cookies["django_language"] = "en"
    return client.get(reverse("console:inbox_detail", kwargs={"uuid": handoff.uuid})).content.decode()


def test_free_then_paid_then_template_by_phone(zalo_sandbox, zalo_citizen, transactional_world, client):
    world = transactional_world
    citizen, oa_id, user_id, _ = zalo_citizen
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)

    window = reply_window(citizen)
    assert window.state == WindowState.FREE
    free_until = citizen.last_interaction_at + assumptions.FREE_WINDOW
    assert abs(window.changes_at - free_until) <= dt.timedelta(seconds=1)
    assert 'data-window="free"' in _page(client, world, handoff)
    handoff_reply(actor=world.processor_a, handoff=handoff, text="Trả lời miễn phí", token="1")
    dispatch_once(rounds=2)

    _age(zalo_sandbox, citizen, oa_id, user_id, hours=72)
    page = _page(client, world, handoff)
    assert 'data-window="paid"' in page and "the channel charges for this reply" in page
    handoff_reply(actor=world.processor_a, handoff=handoff, text="Trả lời có phí", token="2")
    dispatch_once(rounds=2)

    _age(zalo_sandbox, citizen, oa_id, user_id, hours=8 * 24)
    page = _page(client, world, handoff)
    assert 'data-window="closed"' in page and "A free reply is no longer possible" in page
    assert 'id="send-template"' in page and 'id="send-reply"' not in page and "098****321" in page
    with pytest.raises(ApplicationError) as refused:
        handoff_reply(actor=world.processor_a, handoff=handoff, text="Không gửi được", token="3")
    assert refused.value.code == "window_closed" and refused.value.extra["template_possible"]
    handoff_reply(
        actor=world.processor_a, handoff=handoff, text="Mời anh đến phường nhận kết quả", token="4", as_template=True
    )

    dispatch_once(rounds=3)
    sent = zalo_sandbox.messages(oa_id=oa_id, user_id=user_id)
    cs = [(m["text"], m["window"]) for m in sent if m["endpoint"] == "cs"]
    assert cs == [("Trả lời miễn phí", "free"), ("Trả lời có phí", "paid")]
    by_phone = [m for m in sent if m["endpoint"] == "zbs"]
    assert len(by_phone) == 1
    assert by_phone[0]["payload"]["template_id"] == TEMPLATE
    assert by_phone[0]["payload"]["template_data"]["noi_dung"] == "Mời anh đến phường nhận kết quả"


def test_without_template_or_phone_the_official_is_told_why(zalo_sandbox, zalo_citizen, transactional_world, client):
    world = transactional_world
    citizen, oa_id, user_id, _ = zalo_citizen
    citizen.shared_phone = ""
    citizen.save(update_fields=["shared_phone"])
    _age(zalo_sandbox, citizen, oa_id, user_id, hours=8 * 24)
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    page = _page(client, world, handoff)
    assert "phone number is not known" in page and 'id="send-template"' not in page
    with pytest.raises(ApplicationError) as refused:
        handoff_reply(actor=world.processor_a, handoff=handoff, text="x", token="5", as_template=True)
    assert refused.value.code == "no_phone"


def test_close_and_return_to_the_bot_tells_the_citizen(zalo_sandbox, zalo_citizen, transactional_world):
    world = transactional_world
    citizen, oa_id, user_id, _ = zalo_citizen
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_close(actor=world.processor_a, handoff=handoff, return_to_bot=True)
    dispatch_once(rounds=2)
    on_phone = zalo_sandbox.messages(oa_id=oa_id, user_id=user_id)
    assert (
        len(on_phone) == 1 and on_phone[0]["text"] == OutboundMessage.objects.get(source_type="handoff").payload["text"]
    )
    # outside every window nothing is queued: the assistant simply answers the next message
    _age(zalo_sandbox, citizen, oa_id, user_id, hours=8 * 24)
    second = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_close(actor=world.processor_a, handoff=second, return_to_bot=True)
    assert OutboundMessage.objects.filter(source_type="handoff").count() == 1


def test_a_reply_the_window_closes_on_goes_to_the_phone_by_template(zalo_sandbox, zalo_citizen, transactional_world):
    world = transactional_world
    citizen, oa_id, user_id, _ = zalo_citizen
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    handoff_reply(actor=world.processor_a, handoff=handoff, text="Kết quả đã có", token="6")
    zalo_sandbox.set_last_interaction(user_id, oa_id, hours_ago=8 * 24)  # the provider refuses it now (-230)
    dispatch_once(rounds=3)
    sent = zalo_sandbox.messages(oa_id=oa_id, user_id=user_id)
    assert [m["endpoint"] for m in sent] == ["zbs"]
    assert sent[0]["payload"]["template_data"]["noi_dung"] == "Kết quả đã có"


def test_a_citizen_writing_during_a_handoff_reaches_the_thread_and_the_bot_stays_quiet(
    zalo_sandbox, zalo_citizen, transactional_world, live_server
):
    """The real inbound path: sandbox phone → signed webhook → inbound queue → contacts (10) stores the message,
    the inbox (40) attaches it, the engine (50) sees the open hand-off and says nothing."""
    from tests.channels.conftest import run_inbound_queue

    citizen, oa_id, user_id, person = zalo_citizen
    zalo_sandbox.wait_deliveries(oa_id, "follow")
    run_inbound_queue()
    dispatch_once(rounds=2)  # the welcome of the follow, before the hand-off
    handoff = handoff_open(channel_contact=citizen, reason="", requested_by_citizen=True)
    since = timezone.now().isoformat()
    zalo_sandbox.send_text(person["uid"], oa_id, "Cho tôi hỏi lệ phí chứng thực bao nhiêu?")
    zalo_sandbox.wait_deliveries(oa_id, "user_send_text")
    run_inbound_queue()
    dispatch_once(rounds=2)
    entries = handoff.entries.filter(kind="citizen_message")
    assert [e.text for e in entries] == ["Cho tôi hỏi lệ phí chứng thực bao nhiêu?"]
    sent = zalo_sandbox.messages(oa_id=oa_id, user_id=user_id, since=since)
    assert sent == [], [m["text"] for m in sent]  # no bot answer during the hand-off
