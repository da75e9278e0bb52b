"""In Chromium: composing a flood alert at night. The areas say their ward ("Tổ dân phố 1" exists in two wards), only
the chosen ward's areas and accounts stay on offer, each account's checkbox sits by its name, and the phone preview
is headed with the account's name and says where it goes. A wrong area sent anyway is refused by the service."""

import pytest
from playwright.sync_api import expect

from django.urls import reverse

from ketnoi.broadcasts.models import Broadcast
from ketnoi.orgs.models import AdministrativeUnit

from .conftest import new_channel, residential_groups
from .test_browser import sign_in

pytestmark = pytest.mark.browser


def test_the_alert_composer_offers_only_the_chosen_wards_areas_and_accounts(live_server, transactional_world, page):
    world = transactional_world
    tay_son = AdministrativeUnit.objects.get(code="90004", valid_to__isnull=True)
    dong_hoa_oa, tay_son_oa = new_channel(world.commune_a), new_channel(tay_son)
    province_oa = new_channel(world.province)
    sign_in(page, live_server.url, "bientap.tinh", world.password)
    page.goto(f"{live_server.url}/console/broadcasts/new/")

    area = page.locator("#id_area")
    expect(area.locator("option", has_text="Tổ dân phố 1, Phường Đông Hòa")).to_have_count(1)
    expect(area.locator("option", has_text="Tổ dân phố 1, Phường Tây Sơn")).to_have_count(1)
    expect(area.locator("optgroup[label='Phường Tây Sơn'] option")).to_have_count(4)  # the ward and its 3 groups

    page.select_option("#id_unit", label="Phường Đông Hòa")
    expect(area.locator("option[data-path]:not([hidden])")).to_have_count(4)  # Đông Hòa and its three groups
    expect(area.locator("option", has_text="Phường Tây Sơn").first).to_be_hidden()
    expect(page.get_by_label(tay_son_oa.name)).to_be_hidden()  # another ward's account is not on offer
    expect(page.get_by_label(province_oa.name)).to_be_visible()  # the province's account reaches the ward

    box = page.get_by_label(dong_hoa_oa.name)
    box_area = box.bounding_box()
    label_area = page.locator("label", has_text=dong_hoa_oa.name).bounding_box()
    assert box_area["width"] < 30 and label_area["height"] < 40  # the box by its name, on one line

    page.fill("#id_title", "Cảnh báo lũ")
    expect(page.locator("#id_subscribers_only")).to_be_checked()  # news: its subscribers
    page.select_option("#id_topic", "emergency")
    # an alert goes to everyone in the area, not only to those who once subscribed to alerts (the official may
    # still tick the box)
    expect(page.locator("#id_subscribers_only")).not_to_be_checked()
    page.fill("#id_text", "Nước sông dâng cao, tổ dân phố 2 chuẩn bị sơ tán.")
    box.check()
    page.select_option("#id_area", label="Tổ dân phố 2, Phường Đông Hòa")
    expect(page.locator("#preview .phone .oa")).to_have_text(dong_hoa_oa.name)
    expect(page.locator("#preview-area")).to_contain_text("Tổ dân phố 2, Phường Đông Hòa")

    page.select_option("#id_unit", label="Phường Tây Sơn")  # changing the ward forgets the other ward's area
    expect(area).to_have_value("")
    expect(box).not_to_be_checked()
    page.select_option("#id_unit", label="Phường Đông Hòa")
    box.check()
    page.select_option("#id_area", label="Tổ dân phố 2, Phường Đông Hòa")
    page.click("#save-draft")
    expect(page.locator("#broadcast-area")).to_contain_text("Tổ dân phố 2, Phường Đông Hòa")
    broadcast = Broadcast.objects.get(title="Cảnh báo lũ")
    assert broadcast.area == residential_groups(world.commune_a)[1] and broadcast.unit == world.commune_a
    assert not broadcast.subscribers_only


def test_an_area_of_another_ward_posted_anyway_is_refused(world, client):
    tay_son = AdministrativeUnit.objects.get(code="90004", valid_to__isnull=True)
    channel = new_channel(world.commune_a)
    client.force_login(world.editor)
    client.cookies["django_language"] = "en"
    data = {
        "unit": str(world.commune_a.uuid),
        "title": "Cảnh báo lũ",
        "topic": "emergency",
        "path": "consultation",
        "text": "Nước sông dâng cao.",
        "channels": [str(channel.uuid)],
        "area": str(residential_groups(tay_son)[0].uuid),
    }
    response = client.post(reverse("console:broadcast_new"), data)
    assert "Tổ dân phố 1, Phường Tây Sơn is not in Phường Đông Hòa" in response.content.decode()
    other_oa = new_channel(tay_son)
    data.update(area=str(world.commune_a.uuid), channels=[str(other_oa.uuid)])
    response = client.post(reverse("console:broadcast_new"), data)
    assert f"{other_oa.name} does not serve Phường Đông Hòa" in response.content.decode()
    assert not Broadcast.objects.exists()
