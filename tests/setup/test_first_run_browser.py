"""In Chromium, from an empty database to a working province through the console alone: first run, two-step sign-in,
the official unit list, an agency and its desk, an invited desk officer who sets a password and two-step sign-in,
an OA connected through Zalo's permission page (the sandbox's), the webhook checked with a test event and with the
citizen's follow; then the desk officer takes a dossier and the citizen's phone is told.

Screenshots for docs/guides/ are taken along the way (tests/setup/guide.py)."""

import base64
import re

import pytest
from playwright.sync_api import expect

from ketnoi.channels.models import Channel, ChannelEvent
from ketnoi.dossiers.models import Dossier
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.outbox.dispatcher import dispatch_once
from tests.browser import sign_in
from tests.guide import shot
from tests.otp import code_for_key

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "Lam-Vien-2026!"
OFFICER_PASSWORD = "Quay-mot-Tam-2026"
UNITS = """Mã,Tên,Loại,Mã cấp trên,Hiệu lực từ,Mã đơn vị cũ,Nghị quyết
68001,Phường Xuân Hương,Phường,,01/07/2025,,NQ 1671/NQ-UBTVQH15
68002,Xã Đạ Sar,Xã,,01/07/2025,,NQ 1671/NQ-UBTVQH15
68003,Đặc khu Hồ Xanh,Đặc khu,,01/07/2025,,NQ 1671/NQ-UBTVQH15
6800101,Tổ dân phố 1,Tổ dân phố,68001,01/07/2025,,
"""
PROCEDURES = "code,name,level,processing_days\n1.004884,Cấp lại giấy khai sinh,commune,3\n"


def key_from_page(page) -> str:
    """The authenticator key the set-up page shows for typing, as hex (what the phone app would store)."""
    typed = page.locator("#totp-secret").inner_text().replace(" ", "")
    return base64.b32decode(typed + "=" * (-len(typed) % 8)).hex()


def set_up_two_step(page, who: str) -> None:
    expect(page.locator("#totp-qr svg")).to_be_visible()
    page.fill("#id_code", code_for_key(key_from_page(page)))
    shot(page, f"two-step-setup-{who}")
    page.click("#totp-form button[type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    shot(page, f"recovery-codes-{who}")
    page.click("#recovery-done")


def upload(page, selector: str, tmp_path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.set_input_files(selector, str(path))


@pytest.mark.django_db(transaction=True)
def test_an_empty_province_goes_live_through_the_console(live_server, zalo_sandbox, page, browser, tmp_path):
    base = live_server.url
    assert not AdministrativeUnit.objects.exists()

    # 1. First run: the province and its first administrator, then two-step sign-in before anything else
    page.goto(f"{base}/console/login/")
    page.click("#first-run-link")
    page.fill("#id_province_name", "Tỉnh Lâm Viên")
    page.fill("#id_province_code", "68")
    page.fill("#id_full_name", "Nguyễn Thị Hoa")
    page.fill("#id_username", "quantri")
    page.fill("#id_email", "quantri@lamvien.gov.vn")
    page.fill("#id_password", ADMIN_PASSWORD)
    shot(page, "first-run")
    page.click("#first-run-form button[type=submit]")
    page.fill("#id_username", "quantri")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/account/two-step/"))
    set_up_two_step(page, "admin")
    expect(page.locator("#main")).to_be_visible()

    # 2. The official unit list
    page.goto(f"{base}/console/units/")
    page.click("#unit-import")
    upload(page, "#id_file", tmp_path, "don-vi-hanh-chinh.csv", UNITS)
    page.click("#unit-import-form button[type=submit]")
    expect(page.locator("#import-done")).to_contain_text("4")
    shot(page, "unit-import")
    ward = AdministrativeUnit.objects.get(code="68001")

    # 3. An agency serving the ward, and its desk
    page.goto(f"{base}/console/agencies/")
    page.click("#agency-create")
    page.fill("#id_name", "Trung tâm Phục vụ hành chính công phường Xuân Hương")
    page.fill("#id_short_name", "TTPVHCC Xuân Hương")
    page.fill("#id_code", "H68.68001")
    page.select_option("#id_kind", "commune_centre")
    page.select_option("#id_unit", label="Phường Xuân Hương")
    page.click("#agency-form button[type=submit]")
    page.click("#desk-create")
    page.fill("#id_code", "Q01")
    page.fill("#id_name", "Quầy 1")
    page.click("#desk-form button[type=submit]")
    expect(page.locator("main")).to_contain_text("Quầy 1")
    shot(page, "agency")

    # 4. The procedure the desk will take (the catalog import already existed)
    page.goto(f"{base}/console/procedures/import/")
    upload(page, "input[type=file]", tmp_path, "thu-tuc.csv", PROCEDURES)
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("#import-done")).to_be_visible()

    # 5. Invite the desk officer: a one-time link shown once
    page.goto(f"{base}/console/officials/")
    page.click("#invite-official")
    page.fill("#id_full_name", "Lê Minh Tâm")
    page.fill("#id_username", "tam.xuanhuong")
    page.select_option("#id_role", "desk_officer")
    page.select_option("#id_unit", label="Phường Xuân Hương")
    page.select_option("#id_agency", label="Trung tâm Phục vụ hành chính công phường Xuân Hương")
    page.select_option("#id_desk", index=1)
    page.click("#invite-form button[type=submit]")
    expect(page.locator("#invite-done")).to_contain_text("Quầy 1")
    shot(page, "invite")
    invite_link = page.locator("#invite-link").input_value()

    # 6. Connect the OA through Zalo's permission page
    created = zalo_sandbox.create_oa("UBND Phường Xuân Hương")
    page.goto(f"{base}/console/channels/")
    page.click("#connect-oa")
    page.select_option("#id_unit", label="Phường Xuân Hương")
    page.fill("#id_app_id", created["app_id"])
    page.fill("#id_app_secret", created["app_secret"])
    page.fill("#id_oa_secret_key", created["oa_secret_key"])
    shot(page, "connect-oa")
    page.click("#zalo-connect-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/sandbox/zalo/oauth/v4/oa/permission\?"))
    shot(page, "zalo-permission")
    page.click("#permission-allow")
    expect(page.locator("#webhook-url")).to_be_visible()
    channel = Channel.objects.get(external_id=created["oa_id"])
    assert channel.unit == ward and channel.secrets["refresh_token"]
    webhook = page.locator("#webhook-url").input_value()
    assert webhook == f"{base}/c/zalo/{channel.uuid}/receive"
    zalo_sandbox.set_webhook(created["oa_id"], webhook)  # pasted into the app's webhook settings on Zalo
    page.fill("#id_dossier_template_id", "ketnoi-ho-so-01")
    page.click("#templates-form button[type=submit]")
    page.click("#send-test-event")
    expect(page.locator(".messages .success")).to_be_visible()
    assert ChannelEvent.objects.filter(channel=channel, provider_event="ketnoi_webhook_test").exists()
    shot(page, "channel-webhook")

    # the citizen follows the OA on the sandbox phone: Zalo's own webhook reaches the province
    citizen = zalo_sandbox.create_user("Võ Thị Thanh Tâm", phone="0935222333")
    zalo_sandbox.follow(citizen["uid"], created["oa_id"])
    assert zalo_sandbox.wait_deliveries(created["oa_id"], "follow")
    assert ChannelEvent.objects.filter(channel=channel, provider_event="follow").exists()

    # 7. The invited officer sets a password and, by choice, two-step sign-in
    officer = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 800})
    desk = officer.new_page()
    desk.set_default_timeout(15000)
    desk.goto(invite_link)
    desk.fill("#id_password1", OFFICER_PASSWORD)
    desk.fill("#id_password2", OFFICER_PASSWORD)
    shot(desk, "invitation-password")
    desk.click("#link-form button[type=submit]")
    desk.fill("#id_username", "tam.xuanhuong")
    desk.fill("#id_password", OFFICER_PASSWORD)
    desk.click("button[type=submit]")
    desk.click("#my-account")
    desk.click("#two-factor-start")
    set_up_two_step(desk, "officer")
    officer.clear_cookies()
    sign_in(desk, base, "tam.xuanhuong", OFFICER_PASSWORD)  # now with the code from the app

    # 8. The desk officer takes a dossier; the citizen's phone is told
    desk.goto(f"{base}/console/dossiers/new/")
    desk.keyboard.type("cap lai giay khai sinh")
    expect(desk.locator("#picker input[type=radio]:checked")).to_have_count(1)
    desk.fill("#id_applicant_name", "Võ Thị Thanh Tâm")
    desk.fill("#id_applicant_phone", "0935 222 333")
    desk.fill("#id_applicant_address", "12 Trần Phú, Tổ dân phố 1")
    shot(desk, "desk-intake")
    desk.locator("#id_applicant_address").press("Enter")
    expect(desk.locator("#last-intake")).to_be_visible()
    dossier = Dossier.objects.get(applicant_name="Võ Thị Thanh Tâm")
    assert dossier.receipt_code.startswith("H68.68001-")
    officer.close()

    dispatch_once()
    told = zalo_sandbox.messages(oa_id=created["oa_id"], phone="0935222333")
    assert told and told[-1]["payload"]["template_data"]["ma_ho_so"] == dossier.receipt_code
