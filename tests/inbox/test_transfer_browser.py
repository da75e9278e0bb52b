"""In Chromium (issue 15.13): a ward official passes a citizen's question to the province's public administration
service centre; the citizen's phone is told who answers now; an official of the centre finds it in their inbox with
its history, answers (the answer reaches the phone), and passes it back; the ward has it again, and the
conversation report counts each team's turn. Real HTTP both ways with the Zalo sandbox."""

import re

import pytest
from playwright.sync_api import expect

from django.utils import timezone

from ketnoi.contacts.models import ChannelContact
from ketnoi.inbox.models import Handoff
from ketnoi.outbox.dispatcher import dispatch_once
from tests.browser import sign_in
from tests.channels.conftest import run_inbound_queue
from tests.guide import shot
from tests.sandbox_oa import connect_sandbox_oa

pytestmark = pytest.mark.browser

CENTRE = "Trung tâm Phục vụ hành chính công tỉnh Bình Sơn"
WARD_CENTRE = "Trung tâm Phục vụ hành chính công phường Đông Hòa"
QUESTION = "Tôi muốn hỏi cấp phiếu lý lịch tư pháp số 2 nộp ở đâu?"


def phone_texts(sandbox, oa_id: str, user_id: str, since: str) -> list[str]:
    dispatch_once(rounds=3)
    return [m["text"] or "" for m in sandbox.messages(oa_id=oa_id, user_id=user_id, since=since)]


def test_a_ward_passes_a_question_up_to_the_province_centre_and_back(
    zalo_sandbox, live_server, transactional_world, page, browser
):
    world = transactional_world
    channel, created = connect_sandbox_oa(
        zalo_sandbox, unit=world.commune_a, live_server_url=live_server.url, name="Phường Đông Hòa"
    )
    oa_id = created["oa_id"]
    person = zalo_sandbox.create_user("Lý Thị Thu")
    followed = zalo_sandbox.follow(person["uid"], oa_id)
    zalo_sandbox.send_text(person["uid"], oa_id, "gap can bo")
    zalo_sandbox.wait_deliveries(oa_id, "user_send_text")
    zalo_sandbox.send_text(person["uid"], oa_id, QUESTION)
    zalo_sandbox.wait_deliveries(oa_id, "user_send_text", count=2)
    run_inbound_queue()
    dispatch_once(rounds=3)
    citizen = ChannelContact.objects.get(channel=channel, user_id=followed["user_id"])
    handoff = Handoff.objects.get(channel_contact=citizen)
    base = live_server.url

    # the ward's official passes it up, with a note for the centre
    sign_in(page, base, "xuly.donghoa", world.password)
    page.goto(f"{base}/console/inbox/{handoff.uuid}/")
    expect(page.locator("#team")).to_have_text(WARD_CENTRE)
    page.select_option("#id_to", label=CENTRE)
    page.fill("#id_note", "Phiếu lý lịch tư pháp số 2 do Sở Tư pháp cấp")
    since = timezone.now().isoformat()
    page.click("#transfer")
    expect(page).to_have_url(re.compile(r"/console/inbox/$"))  # no longer the ward's
    expect(page.locator("body")).to_contain_text(CENTRE)  # "passed to …"
    told = phone_texts(zalo_sandbox, oa_id, followed["user_id"], since)
    assert any(CENTRE in text for text in told), told

    # an official of the centre finds it, with its history, answers, and it reaches the phone
    centre = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    province = centre.new_page()
    province.set_default_timeout(15000)
    sign_in(province, base, "tiepnhan.tinh", world.password)
    province.goto(f"{base}/console/inbox/?folder=unassigned")
    province.get_by_role("link", name="Lý Thị Thu").click()
    expect(province.locator("#team")).to_have_text(CENTRE)
    expect(province.locator("#thread .msg.in")).to_contain_text("lý lịch tư pháp số 2")
    expect(province.locator("#thread .transfer")).to_contain_text("do Sở Tư pháp cấp")
    shot(province, "inbox-transferred")
    answer = "Chị nộp tại quầy Sở Tư pháp, Trung tâm Phục vụ hành chính công tỉnh, sáng thứ Hai đến thứ Sáu."
    since = timezone.now().isoformat()
    province.fill("#id_text", answer)
    province.click("#send-reply")
    expect(province.locator("#thread .msg.out").last).to_contain_text(answer)
    assert phone_texts(zalo_sandbox, oa_id, followed["user_id"], since) == [answer]

    # and passes it back to the ward, which has it again with everything that was said
    province.select_option("#id_to", label=WARD_CENTRE)
    since = timezone.now().isoformat()
    province.click("#transfer")
    expect(province).to_have_url(re.compile(rf"/console/inbox/{handoff.uuid}/$"))  # the province still sees it
    expect(province.locator("#team")).to_have_text(WARD_CENTRE)
    assert any(WARD_CENTRE in t for t in phone_texts(zalo_sandbox, oa_id, followed["user_id"], since))
    page.goto(f"{base}/console/inbox/?folder=unassigned")
    page.get_by_role("link", name="Lý Thị Thu").click()
    expect(page.locator("#thread .msg.out").filter(has_text=answer)).to_have_count(1)
    expect(page.locator("#take")).to_be_visible()

    # the report counts each turn for the team that had it
    province.goto(f"{base}/console/inbox/report/")
    row = province.locator("#conversation-report tr[data-unit='90']")
    expect(row.locator("td").nth(1)).to_have_text("1")  # handed over to the centre
    expect(row.locator("td").nth(4)).to_have_text("1")  # answered by it
    page.goto(f"{base}/console/inbox/")
    page.click("#conversation-report-link")
    ward = page.locator("#conversation-report tr[data-unit='90001']")
    expect(ward.locator("td").nth(1)).to_have_text("2")  # opened there, and passed back
    expect(ward.locator("td").nth(3)).to_have_text("1")  # passed on once
    expect(page.locator("#conversation-report tr[data-unit='90']")).to_have_count(0)  # not the ward's to see
    centre.close()
