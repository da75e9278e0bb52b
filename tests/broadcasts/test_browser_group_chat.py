"""In Chromium: a ward leader creates a residential group's community, creates its Zalo group chat at the OA (the
sandbox, over HTTP), prints the join QR for the noticeboard, a household joins by opening the link on the simulated
phone, and the leader posts to the group: the post reaches the household's phone inside the group."""

import pytest
from playwright.sync_api import expect

from ketnoi.broadcasts.models import ChatGroup
from ketnoi.channels.types.zalo import tokens
from tests.browser import sign_in
from tests.channels.conftest import run_inbound_queue
from tests.outbox.helpers import drain
from tests.sandbox_oa import connect_sandbox_oa

pytestmark = pytest.mark.browser


def test_an_official_creates_a_group_chat_prints_its_qr_and_posts_to_it(
    zalo_sandbox, live_server, transactional_world, page, browser
):
    world = transactional_world
    channel, created = connect_sandbox_oa(zalo_sandbox, unit=world.commune_a, live_server_url=live_server.url)
    try:
        sign_in(page, live_server.url, "lanhdao.donghoa", world.password)
        page.goto(f"{live_server.url}/console/broadcasts/groups/")
        page.select_option("#id_residential_group", label="Tổ dân phố 1, Phường Đông Hòa")
        page.locator("#new-group button").click()
        expect(page.locator("h1")).to_have_text("Cộng đồng Tổ dân phố 1")

        page.get_by_role("button", name="Tạo nhóm Zalo").click()
        expect(page.locator(".messages")).to_contain_text("Đã tạo nhóm Zalo")
        link = page.locator("#chat-link")
        expect(link).to_be_visible()
        expect(page.locator("#chat-qr svg")).to_be_visible()
        chat = ChatGroup.objects.get(community_group__name="Cộng đồng Tổ dân phố 1")
        assert link.inner_text() == chat.invite_link

        with page.expect_popup() as opened:
            page.get_by_role("link", name="In mã QR dán bảng tin").click()
        poster = opened.value
        expect(poster.locator("#poster h1")).to_have_text("Cộng đồng Tổ dân phố 1")
        expect(poster.locator("#poster-qr svg")).to_be_visible()
        expect(poster.locator("#poster")).to_contain_text(chat.invite_link)
        poster.emulate_media(media="print")
        expect(poster.locator("#print-poster")).to_be_hidden()  # what prints is the QR, not the buttons
        assert poster.pdf(format="A4").startswith(b"%PDF")

        # a household scans it: the simulated phone opens the link and joins the group
        phone = browser.new_context(locale="vi-VN").new_page()
        phone.goto(chat.invite_link)
        phone.fill("input[name=name]", "Hoàng Văn Mười")
        phone.locator("button[name=create]").click()
        phone.locator("#join-group").click()
        expect(phone.get_by_text("Cộng đồng Tổ dân phố 1").first).to_be_visible()
        zalo_sandbox.wait_deliveries(created["oa_id"], "user_join_group")
        run_inbound_queue()

        page.reload()
        expect(page.locator("#chat-members")).to_have_text("1")
        page.fill("#id_chat_text", "Tối nay 19h họp tổ tại nhà văn hóa.")
        page.get_by_role("button", name="Đăng", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("Đã đăng vào nhóm")
        expect(page.locator("#chat-messages")).to_contain_text("Tối nay 19h họp tổ tại nhà văn hóa.")
        drain()
        phone.reload()
        expect(phone.locator("#group-thread")).to_contain_text("Tối nay 19h họp tổ tại nhà văn hóa.")
        phone.context.close()
    finally:
        tokens.forget(channel.pk)
