"""In Chromium: a ward leader sees what waits for their approval on the home page, with live counts that lead to
the items, finds the notices in "My notices", opens the emergency alert from its notice and approves it."""

import pytest
from playwright.sync_api import expect

from ketnoi.broadcasts.services import broadcast_submit
from ketnoi.petitions.services import answer_submit, petition_accept
from tests.broadcasts.conftest import new_channel, residential_groups
from tests.broadcasts.helpers import draft
from tests.browser import sign_in
from tests.petitions.conftest import build_petition_world, file_petition

pytestmark = pytest.mark.browser


def test_a_leader_sees_and_opens_what_waits_for_approval(live_server, transactional_db, page):
    pw = build_petition_world()
    channel = new_channel(pw.commune_a)
    area = residential_groups(pw.commune_a)[2]
    alert = draft(pw.editor, pw.commune_a, [channel], title="Cảnh báo sạt lở", topic="emergency", area=area)
    broadcast_submit(actor=pw.editor, broadcast=alert)
    petition = petition_accept(actor=pw.processor_a, petition=file_petition(pw))
    answer_submit(actor=pw.processor_a, petition=petition, text="Đã thay bóng đèn đường.")

    sign_in(page, live_server.url, "lanhdao.donghoa", pw.password)
    expect(page.locator("#answers-waiting .stat")).to_have_text("1")
    expect(page.locator("#broadcasts-waiting .stat")).to_have_text("1")
    expect(page.locator("#alerts-waiting")).to_contain_text("1")
    page.locator("#answers-waiting a").click()
    expect(page.locator("table")).to_contain_text(petition.tracking_code)
    page.go_back()
    page.locator("#broadcasts-waiting a").click()
    expect(page.locator("table")).to_contain_text("Cảnh báo sạt lở")

    page.locator("nav.sidenav").get_by_role("link", name="Thông báo của tôi").click()
    rows = page.locator("#notice-list tbody tr")
    expect(rows).to_have_count(2)
    alert_notice = rows.filter(has_text="Cảnh báo sạt lở")
    expect(alert_notice).to_contain_text("Tổ dân phố 3, Phường Đông Hòa")
    alert_notice.get_by_role("button").click()
    expect(page.locator("h1")).to_contain_text("Cảnh báo sạt lở")
    page.click("#approve-broadcast")
    expect(page.locator("#broadcast-state")).to_contain_text("Đang gửi")
    page.goto(f"{live_server.url}/console/")
    expect(page.locator("#broadcasts-waiting .stat")).to_have_text("0")
    expect(page.locator("#alerts-waiting")).to_have_count(0)
