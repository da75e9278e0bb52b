"""In Chromium: an official takes a handed-off Zalo conversation, replies from the console, and the reply reaches
the citizen's phone in the sandbox (real HTTP: the dispatcher sends to the sandbox's OpenAPI). The thread updates
live while the page stays open."""

import re

import pytest
from playwright.sync_api import expect

from django.db import transaction
from django.utils import timezone

from ketnoi.contacts import services as contacts
from ketnoi.inbox.models import Handoff
from ketnoi.inbox.services import handoff_citizen_wrote, handoff_open
from ketnoi.outbox.dispatcher import dispatch_once
from tests.inbox.conftest import citizen_message
from tests.sandbox_oa import connect_sandbox_oa

pytestmark = pytest.mark.browser


def sign_in(page, base, username, password):
    page.goto(f"{base}/console/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


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
    citizen = _follower(channel, followed["user_id"], "Phạm Thị Mai")
    handoff = handoff_open(channel_contact=citizen, reason="Muốn gặp cán bộ tư pháp", requested_by_citizen=True)

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

    page.click("#take")
    expect(page.locator("#assignee")).to_contain_text(world.processor_a.get_full_name())

    answer = "Chào chị Mai, chị mang CCCD đến bộ phận một cửa phường vào sáng thứ Hai nhé."
    page.fill("#id_text", answer)
    page.click("#send-reply")
    expect(page.locator("#thread .msg.out")).to_contain_text(answer)

    dispatch_once(rounds=3)
    on_phone = zalo_sandbox.messages(oa_id=created["oa_id"], user_id=followed["user_id"])
    assert [m["text"] for m in on_phone] == [answer]
    assert on_phone[0]["endpoint"] == "cs"
    # the delivery status and a new message from the citizen appear without reloading
    expect(page.locator("#thread .msg.out .delivery")).to_have_attribute("data-status", "sent", timeout=15000)
    handoff_citizen_wrote(message=citizen_message(citizen, "Dạ cảm ơn anh, sáng thứ Hai tôi đến."))
    expect(page.locator("#thread .msg.in")).to_contain_text("sáng thứ Hai tôi đến", timeout=15000)
    assert Handoff.objects.get(pk=handoff.pk).state == "assigned"
