"""In Chromium: a citizen asks the Zalo assistant for an official from the sandbox phone, an official takes the
handed-off conversation, replies from the console, and the reply reaches the phone (real HTTP both ways: signed
webhooks in, the dispatcher out to the sandbox's OpenAPI). The list and the thread update live."""

import re

import pytest
from playwright.sync_api import expect

from django.db import transaction
from django.utils import timezone

from ketnoi.contacts import services as contacts
from ketnoi.contacts.models import ChannelContact
from ketnoi.inbox.models import Handoff
from ketnoi.inbox.services import handoff_citizen_wrote, handoff_open
from ketnoi.outbox.dispatcher import dispatch_once
from tests.browser import sign_in as browser_sign_in
from tests.channels.conftest import run_inbound_queue
from tests.guide import shot
from tests.inbox.conftest import citizen_message
from tests.sandbox_oa import connect_sandbox_oa

pytestmark = pytest.mark.browser


def sign_in(page, base, username, password):
    browser_sign_in(page, base, username, password)


def _follower(channel, user_id: str, name: str):
    """The person as the contacts handler records a follow (the inbound path has its own tests)."""
    with transaction.atomic():
        person, _ = contacts.channel_contact_for(channel=channel, user_id=user_id)
        person.display_name, person.is_follower = name, True
        contacts.note_interaction(person, timezone.now())
        person.save()
    return person


def test_an_official_takes_a_handed_off_conversation_and_the_reply_reaches_the_phone(
    zalo_sandbox, live_server, transactional_world, page
):
    world = transactional_world
    channel, created = connect_sandbox_oa(zalo_sandbox, unit=world.commune_a, live_server_url=live_server.url)
    phone_owner = zalo_sandbox.create_user("Phạm Thị Mai")
    followed = zalo_sandbox.follow(phone_owner["uid"], created["oa_id"])
    zalo_sandbox.wait_deliveries(created["oa_id"], "follow")
    # the citizen asks the assistant for an official (the conversation engine hands over to the inbox)
    zalo_sandbox.send_text(phone_owner["uid"], created["oa_id"], "gap can bo")
    zalo_sandbox.wait_deliveries(created["oa_id"], "user_send_text")  # in order: the sandbox delivers in threads
    zalo_sandbox.send_text(phone_owner["uid"], created["oa_id"], "Tôi muốn hỏi về chứng thực hợp đồng")
    zalo_sandbox.wait_deliveries(created["oa_id"], "user_send_text", count=2)
    run_inbound_queue()
    dispatch_once(rounds=3)
    citizen = ChannelContact.objects.get(channel=channel, user_id=followed["user_id"])
    handoff = Handoff.objects.filter(channel_contact=citizen).first()
    assert handoff is not None, [m["text"][:80] for m in zalo_sandbox.messages(oa_id=created["oa_id"])]
    assert handoff.requested_by_citizen and handoff.state == "open"

    base = live_server.url
    sign_in(page, base, "xuly.donghoa", world.password)
    page.goto(f"{base}/console/inbox/")
    expect(page.locator(".sidenav")).to_contain_text("(1)")  # one conversation waiting
    # a second citizen is handed over while the list is open: it appears without reloading
    newcomer = _follower(channel, "sandbox-less-citizen", "Vũ Đình Khang")
    handoff_open(channel_contact=newcomer, reason="Hỏi giờ làm việc", requested_by_citizen=True)
    expect(page.locator("#inbox-rows")).to_contain_text("Vũ Đình Khang", timeout=15000)
    expect(page.locator("[data-folder-count=waiting]")).to_have_text("2")
    page.get_by_role("link", name="Phạm Thị Mai").click()
    expect(page).to_have_url(re.compile(rf"/console/inbox/{handoff.uuid}/$"))
    expect(page.locator("#window")).to_have_attribute("data-window", "free")
    expect(page.locator("#thread .msg.in")).to_contain_text("chứng thực hợp đồng")

    page.click("#take")
    expect(page.locator("#assignee")).to_contain_text(world.processor_a.get_full_name())

    answer = "Chào chị Mai, chị mang CCCD đến bộ phận một cửa phường vào sáng thứ Hai nhé."
    since = timezone.now().isoformat()
    page.fill("#id_text", answer)
    page.click("#send-reply")
    expect(page.locator("#thread .msg.out")).to_contain_text(answer)
    shot(page, "inbox-conversation")

    dispatch_once(rounds=3)
    on_phone = zalo_sandbox.messages(oa_id=created["oa_id"], user_id=followed["user_id"], since=since)
    assert [m["text"] for m in on_phone] == [answer]
    assert on_phone[0]["endpoint"] == "cs"
    # the delivery status and a new message from the citizen appear without reloading
    expect(page.locator("#thread .msg.out .delivery")).to_have_attribute("data-status", "sent", timeout=15000)
    handoff_citizen_wrote(message=citizen_message(citizen, "Dạ cảm ơn anh, sáng thứ Hai tôi đến."))
    expect(page.locator("#thread .msg.in").last).to_contain_text("sáng thứ Hai tôi đến", timeout=15000)
    assert Handoff.objects.get(pk=handoff.pk).state == "assigned"
