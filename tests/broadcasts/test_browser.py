"""In Chromium: an editor composes an alert for commune A, a leader approves it, the progress bar reaches 100%,
and the alert is on the sandbox phone of a follower in commune A and not on the phone of one in commune B."""

import pytest
from playwright.sync_api import expect

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from ketnoi.broadcasts.models import Broadcast
from ketnoi.broadcasts.services import subscription_set
from ketnoi.contacts import services as contacts
from ketnoi.outbox.dispatcher import dispatch_once
from tests.browser import sign_in as browser_sign_in
from tests.guide import shot
from tests.sandbox_oa import connect_sandbox_oa

from .conftest import residential_groups

pytestmark = pytest.mark.browser

ALERT = "Cảnh báo: nước sông dâng cao, người dân phường Đông Hòa chuẩn bị sơ tán."


def sign_in(page, base, username, password):
    page.context.clear_cookies()
    browser_sign_in(page, base, username, password)


def follower_in(zalo_sandbox, channel, oa_id, name, area):
    phone_owner = zalo_sandbox.create_user(name)
    followed = zalo_sandbox.follow(phone_owner["uid"], oa_id)
    with transaction.atomic():
        person, _ = contacts.channel_contact_for(channel=channel, user_id=followed["user_id"])
        person.display_name, person.is_follower = name, True
        contacts.note_interaction(person, timezone.now())
        person.save()
    subscription_set(channel_contact=person, topics={"emergency"}, group=area)
    return followed["user_id"]


def test_an_editor_composes_an_area_alert_a_leader_approves_and_only_that_area_gets_it(
    zalo_sandbox, live_server, transactional_world, page
):
    world = transactional_world
    channel, created = connect_sandbox_oa(
        zalo_sandbox, unit=world.province, live_server_url=live_server.url, name="Tỉnh Bình Sơn"
    )
    oa_id = created["oa_id"]
    inside = follower_in(zalo_sandbox, channel, oa_id, "Người ở Đông Hòa", residential_groups(world.commune_a)[0])
    outside = follower_in(zalo_sandbox, channel, oa_id, "Người ở Bình An", residential_groups(world.commune_b)[0])
    base = live_server.url

    sign_in(page, base, "bientap.tinh", world.password)
    page.goto(f"{base}/console/broadcasts/new/")
    page.select_option("#id_unit", label="Phường Đông Hòa")
    page.fill("#id_title", "Cảnh báo lũ")
    page.select_option("#id_topic", "emergency")
    page.fill("#id_text", ALERT)
    page.get_by_label(channel.name).check()
    page.select_option("#id_area", label="Phường Đông Hòa (toàn xã, phường)")
    expect(page.locator("#preview")).to_contain_text(ALERT)  # the phone preview, as typed
    expect(page.locator("#preview-count")).to_contain_text("1")
    shot(page, "editor-compose")
    page.click("#save-draft")
    page.click("#submit-broadcast")
    broadcast = Broadcast.objects.get(title="Cảnh báo lũ")
    assert broadcast.state == "submitted"

    sign_in(page, base, "lanhdao.donghoa", world.password)
    page.goto(f"{base}/console/broadcasts/{broadcast.uuid}/")
    page.click("#approve-broadcast")
    expect(page.locator("#broadcast-state")).to_contain_text("Đang gửi")
    # the background worker fans it out, the dispatcher sends it; the open page follows by itself
    call_command("db_worker", queue_name="bulk", batch=True, startup_delay=False, reload=False, verbosity=0)
    dispatch_once(rounds=3)
    expect(page.locator("#progress-percent")).to_have_text("100%", timeout=20000)
    shot(page, "leader-broadcast-sent")

    assert [m["text"] for m in zalo_sandbox.messages(oa_id=oa_id, user_id=inside)] == [ALERT]
    assert zalo_sandbox.messages(oa_id=oa_id, user_id=outside) == []
