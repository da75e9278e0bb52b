"""In Chromium: the desk takes a dossier with the keyboard only, prints its receipt; processing moves it to result ready."""

import re

import pytest
from playwright.sync_api import expect

from ketnoi.dossiers.models import Dossier
from ketnoi.procedures.demo import seed as seed_procedures
from tests.browser import sign_in as browser_sign_in
from tests.guide import shot

pytestmark = pytest.mark.browser


def sign_in(page, base, username, password):
    browser_sign_in(page, base, username, password)


def test_desk_intake_by_keyboard_then_processing_to_result_ready(live_server, transactional_world, page):
    seed_procedures()
    base, password = live_server.url, transactional_world.password
    sign_in(page, base, "tiepnhan.donghoa", password)
    page.goto(f"{base}/console/dossiers/new/")

    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("cap lai giay khai sinh")
    expect(page.locator("#picker input[type=radio]:checked")).to_have_count(1)
    expect(page.locator("#documents input[type=checkbox]:checked").first).to_be_visible()
    page.keyboard.press("Tab")  # the chosen procedure (arrows would pick another)
    page.keyboard.press("Tab")
    expect(page.locator("#id_applicant_name")).to_be_focused()
    page.keyboard.type("Võ Thị Thanh Tâm")
    page.keyboard.press("Tab")
    page.keyboard.type("0935 222 333")
    page.keyboard.press("Tab")
    page.keyboard.type("048190001234")
    page.keyboard.press("Tab")
    page.keyboard.type("23 Bạch Đằng, Tổ dân phố 2")
    page.keyboard.press("Enter")

    expect(page.locator("#last-intake")).to_be_visible()
    dossier = Dossier.objects.get(applicant_name="Võ Thị Thanh Tâm")
    assert dossier.procedure.code == "1.004884" and dossier.desk.code == "Q01"
    expect(page.locator("#last-intake")).to_contain_text(dossier.receipt_code)
    expect(page.locator("#id_q")).to_be_focused()  # ready for the next citizen

    receipt = page.request.get(base + page.locator("#print-receipt").get_attribute("href"))
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF")

    page.context.clear_cookies()
    sign_in(page, base, "xuly.donghoa", password)
    page.goto(f"{base}/console/dossiers/")
    page.get_by_role("link", name=dossier.receipt_code).click()
    expect(page.locator("#timeline li")).to_have_count(2)  # received, documents received
    page.locator("#act-processing button[type=submit]").click()
    expect(page.locator("#act-result_ready")).to_be_visible()
    shot(page, "processing-dossier")
    page.fill("#id_result_ready-collection_place", "Quầy 1, Trung tâm Phục vụ hành chính công phường Đông Hòa")
    page.locator("#act-result_ready button[type=submit]").click()
    expect(page.locator("#timeline li")).to_have_count(4)
    expect(page).to_have_url(re.compile(rf"/console/dossiers/{dossier.uuid}/$"))
    dossier.refresh_from_db()
    assert dossier.state == "result_ready"
    assert dossier.collection_place.startswith("Quầy 1")
