"""In Chromium: a ward leader manages community groups — creates a residential group's community, adds a household,
adds a follower by their proven phone and makes them leader, imports the ward's household list, moves a household
to another group and removes one — every step through the console's pages."""

import pytest
from playwright.sync_api import expect

from ketnoi.broadcasts.models import AudienceTag, GroupMember, Household
from ketnoi.core.models import AuditEntry
from tests.browser import sign_in

from .conftest import new_channel
from .test_groups import proven

pytestmark = pytest.mark.browser

CSV = "Tổ dân phố,Số nhà,Chủ hộ,Số điện thoại\nTổ dân phố 2,Số 8,Đinh Văn Tám,\nTổ dân phố 1,Số 9,Lý Thị Chín,\n"


def test_a_ward_leader_manages_households_members_and_leaders(live_server, transactional_world, page, tmp_path):
    world = transactional_world
    channel = new_channel(world.commune_a)
    person = proven(channel, "chap-13", "+84912000131")
    person.display_name = "Ma Đình Chắp"
    person.save(update_fields=["display_name"])
    sign_in(page, live_server.url, "lanhdao.donghoa", world.password)

    page.goto(f"{live_server.url}/console/broadcasts/groups/")
    page.select_option("#id_residential_group", label="Tổ dân phố 1, Phường Đông Hòa")
    page.locator("#new-group button").click()
    expect(page.locator("h1")).to_have_text("Cộng đồng Tổ dân phố 1")

    page.fill("#id_label", "Số 13 ngõ 2")
    page.fill("#id_head_name", "Ma Đình Chắp")
    page.fill("#id_phone", "0912 000 131")
    page.locator("#add-household button").click()
    row = page.locator("#households tr[data-household='Số 13 ngõ 2']")
    expect(row).to_contain_text("091****131")
    row.get_by_placeholder("SĐT đã xác minh").fill("0912000131")
    row.get_by_role("button", name="Thêm thành viên").click()
    expect(row.locator(".member-name")).to_have_text("Ma Đình Chắp")
    row.get_by_role("button", name="Đặt làm tổ trưởng").click()
    expect(row.locator("[data-role=leader]")).to_be_visible()
    assert AudienceTag.objects.filter(channel_contact=person, name="group_leader").exists()

    page.goto(f"{live_server.url}/console/broadcasts/groups/import/")
    page.select_option("#id_commune", label="Phường Đông Hòa")
    upload = tmp_path / "ho-gia-dinh.csv"
    upload.write_text(CSV, encoding="utf-8")
    page.set_input_files("#id_file", str(upload))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    expect(page.locator("#import-done")).to_contain_text("2")

    page.goto(f"{live_server.url}/console/broadcasts/groups/")
    page.get_by_role("link", name="Cộng đồng Tổ dân phố 1").click()
    row = page.locator("#households tr[data-household='Số 13 ngõ 2']")
    row.get_by_text("Chuyển sang tổ khác").click()
    row.locator("select[name=to]").select_option(label="Cộng đồng Tổ dân phố 2")
    row.get_by_role("button", name="Chuyển", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Cộng đồng Tổ dân phố 2")
    expect(page.locator("#households tr[data-household='Số 13 ngõ 2']")).to_have_count(0)
    assert GroupMember.objects.get(channel_contact=person).group.name == "Cộng đồng Tổ dân phố 2"

    row = page.locator("#households tr[data-household='Số 9']")
    row.locator("details").last.locator("summary").click()  # the confirmation step: open, then remove
    row.get_by_role("button", name="Xóa hộ khỏi tổ").click()
    expect(page.locator("#households tr[data-household='Số 9']")).to_have_count(0)
    assert not Household.objects.filter(label="Số 9").exists()
    assert AuditEntry.objects.filter(action="broadcasts.household_remove", actor=world.leader_a).exists()
