"""The console's main paths in real Chromium: sign in per role, switch language, add an official, find it in the audit log."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import sign_in as browser_sign_in

pytestmark = pytest.mark.browser


def sign_in(page, base, username, password):
    browser_sign_in(page, base, username, password)


def test_desk_officer_signs_in_and_switches_to_english(live_server, transactional_world, page):
    sign_in(page, live_server.url, "tiepnhan.donghoa", transactional_world.password)
    expect(page.locator("#home-desk")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#home-desk")).to_be_visible()
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)


def test_unit_admin_adds_an_official_and_finds_it_in_the_audit_log(live_server, transactional_world, page):
    sign_in(page, live_server.url, "quantri.donghoa", transactional_world.password)
    page.click("button[name=language][value=en]")
    page.locator("nav.sidenav").get_by_role("link", name="Officials").click()
    page.get_by_role("link", name="New official").click()
    page.fill("#id_full_name", "Mai Thị Thu")
    page.fill("#id_username", "mai.thu")
    page.fill("#id_password", "Mat-khau-2026!")
    page.select_option("#id_role", "processing_officer")
    page.select_option("#id_unit", label="Phường Đông Hòa")
    page.click("button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("mai.thu")
    expect(page.locator("table")).to_contain_text("Mai Thị Thu")

    page.locator("nav.sidenav").get_by_role("link", name="Audit log").click()
    page.fill("input[name=target]", "mai.thu")
    # htmx swaps the rows without a page load.
    expect(page.locator("#audit-rows tbody tr")).to_have_count(2)
    expect(page.locator("#audit-rows")).to_contain_text("official.create")
    expect(page).to_have_url(re.compile(r"target=mai.thu"))


def test_unit_search_ignores_accents_and_stays_inside_the_commune(live_server, transactional_world, page):
    sign_in(page, live_server.url, "quantri.donghoa", transactional_world.password)
    page.locator("nav.sidenav").get_by_role("link", name=re.compile("Units|Đơn vị")).click()
    page.fill("input[name=q]", "dong hoa")
    expect(page.locator("#unit-rows tbody a")).to_have_count(1)
    expect(page.locator("#unit-rows tbody a")).to_have_text("Phường Đông Hòa")
    page.fill("input[name=q]", "binh an")
    expect(page.locator("#unit-rows tbody a")).to_have_count(0)
