"""In Chromium: a petition is given to an official picked from the owner agency's officials who handle petitions,
not typed by login name; officials of other agencies are not offered."""

import pytest
from playwright.sync_api import expect

from ketnoi.petitions.selectors import assignee_choices

from .conftest import build_petition_world, file_petition
from .test_browser import sign_in

pytestmark = pytest.mark.browser


def test_an_officer_assigns_a_petition_by_picking_from_the_agencys_officials(live_server, transactional_db, page):
    pw = build_petition_world()
    petition = file_petition(pw)
    choices = {u.username for u in assignee_choices(petition)}
    assert "xuly.donghoa" in choices and "lanhdao.donghoa" in choices
    assert "xuly.tuphap" not in choices and "tiepnhan.donghoa" not in choices  # another agency; a desk officer

    sign_in(page, live_server.url, "lanhdao.donghoa", pw.password)
    page.goto(f"{live_server.url}/console/petitions/{petition.uuid}/")
    options = page.locator("#id_assignee option")
    expect(options).to_have_count(len(choices) + 1)  # and the "choose" prompt
    expect(options.filter(has_text="xuly.tuphap")).to_have_count(0)
    page.select_option("#id_assignee", label=f"{pw.processor_a.get_full_name()} (xuly.donghoa)")
    page.locator("#act-assign button").click()
    expect(page.locator(".messages")).to_contain_text(petition.tracking_code)
    petition.refresh_from_db()
    assert petition.assignee == pw.processor_a
    expect(page.locator("#id_assignee")).to_have_value(str(pw.processor_a.pk))
