"""In Chromium: a petition sent from the sandbox phone is answered by the officer in the console, approved by a
leader; the answer reaches the phone and the citizen rates it on the page the answer links to."""

import pytest
from playwright.sync_api import expect

from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.petitions.models import Petition
from tests.browser import sign_in as browser_sign_in
from tests.conversations.conftest import buttons
from tests.guide import shot

from .test_sandbox_e2e import oa, send_petition_from_the_phone  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
ANSWER = "Đã thay bóng đèn đường trước nhà văn hóa Tổ dân phố 2 sáng nay. Cảm ơn ông đã phản ánh."


def sign_in(page, base, username, password):
    browser_sign_in(page, base, username, password)


def test_officer_answers_leader_approves_citizen_receives_and_rates(oa, live_server, page):  # noqa: F811
    phone, petition = send_petition_from_the_phone(oa)
    base, password = live_server.url, oa.world.password

    sign_in(page, base, "xuly.donghoa", password)
    page.goto(f"{base}/console/petitions/")
    page.get_by_role("link", name=petition.tracking_code).click()
    page.locator("#act-accept button").click()
    page.fill("#id_answer_text", ANSWER)
    page.locator("#act-answer button").click()
    expect(page.locator("#answer-waiting")).to_contain_text(ANSWER)
    expect(page.locator("#act-approve")).to_have_count(0)  # officers do not approve
    shot(page, "petition-answer")

    page.context.clear_cookies()
    sign_in(page, base, "lanhdao.donghoa", password)
    page.goto(f"{base}/console/petitions/{petition.uuid}/")
    page.locator("#act-approve button").click()
    expect(page.locator("#answer-waiting")).to_have_count(0)
    petition.refresh_from_db()
    assert petition.state == "answered"

    dispatch_once(rounds=4)
    arrived = phone.new_messages()
    answer = next(m for m in arrived if ANSWER in (m["text"] or ""))
    link = next(url for url in buttons([answer]).values() if str(url).startswith("http"))

    page.context.clear_cookies()
    page.goto(link)  # the citizen opens the answer's link
    expect(page.locator("#petition-answer")).to_contain_text(ANSWER)
    page.locator("#rate-form input[name=rating][value='4']").check()
    page.fill("#id_comment", "Xử lý nhanh")
    page.locator("#rate-form button").click()
    expect(page.locator("#current-rating")).to_contain_text("4/5")
    petition = Petition.objects.get(pk=petition.pk)
    assert petition.rating == 4 and petition.rating_comment == "Xử lý nhanh"
