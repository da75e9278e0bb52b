"""An agency officer in real Chromium: registers a sending service, writes a template, previews it on the phone
with sample values, sends a test message, creates a test key and uses it over the API."""

import httpx
import pytest
from playwright.sync_api import expect

from ketnoi.notify.models import Notification
from tests.channels.conftest import make_zalo_channel
from tests.console.test_console_browser import sign_in

pytestmark = pytest.mark.browser


def test_officer_creates_a_service_template_and_key_previews_and_sends_a_test(live_server, transactional_world, page):
    make_zalo_channel(transactional_world.commune_a, name="Zalo Phường Đông Hòa")
    sign_in(page, live_server.url, "quantri.donghoa", transactional_world.password)
    page.click("button[name=language][value=en]")
    page.locator("nav.sidenav").get_by_role("link", name="Notifications API").click()
    page.get_by_role("link", name="Register a sending service").click()
    page.get_by_label("Agency").select_option(index=1)
    page.get_by_label("Service name").fill("Nước sạch Đông Hòa")
    page.get_by_label("Zalo Phường Đông Hòa").check()
    page.get_by_label("Members' phones (team keys send only to these)").fill("0912000001")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Nước sạch Đông Hòa")

    page.get_by_role("link", name="New template").click()
    page.get_by_label("Template name").fill("Hóa đơn tiền nước")
    page.get_by_label("Zalo message (inside the OA's window)").fill("Kính gửi ((ten)), tiền nước: ((so_tien)) đồng.")
    page.get_by_label("SMS text (the last resort)").fill("Tien nuoc cua ((ten)): ((so_tien)) dong")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#phone-preview")).to_contain_text("Kính gửi ((ten)), tiền nước: ((so_tien)) đồng.")
    page.locator("#v-ten").fill("Nguyễn Văn An")
    page.locator("#v-so_tien").fill("125.000")
    page.get_by_role("button", name="Preview with these values").click()
    expect(page.locator("#phone-preview")).to_contain_text("Kính gửi Nguyễn Văn An, tiền nước: 125.000 đồng.")
    expect(page.locator("#phone-preview")).to_contain_text("Tien nuoc cua Nguyễn Văn An: 125.000 dong")
    page.locator("#test-phone").fill("0912000001")
    page.get_by_role("button", name="Send a test message").click()
    expect(page.locator(".messages")).to_contain_text("Kính gửi Nguyễn Văn An, tiền nước: 125.000 đồng.")
    expect(page.locator("#notifications")).to_contain_text("091****001")  # masked

    page.locator("#key-name").fill("Hệ thống hóa đơn")
    page.locator("#key-kind").select_option("test")
    page.get_by_role("button", name="Create a key").click()
    secret = page.locator("#new-key").inner_text()
    assert secret.startswith("kn_notify_test_")
    template_id = str(Notification.objects.get().template_version.template.uuid)
    answer = httpx.post(
        f"{live_server.url}/api/v1/notifications",
        json={"template_id": template_id, "phone": "0987654321",
              "personalisation": {"ten": "Trần Thị Bình", "so_tien": "98.000"}},
        headers={"Authorization": f"Bearer {secret}"},
    )  # fmt: skip
    assert answer.status_code == 201 and answer.json()["status"] == "delivered"
