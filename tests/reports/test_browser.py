"""In Chromium: a leader opens the reports dashboard, filters a commune and a quarter, and downloads the XLSX,
which holds the figures the page shows."""

import openpyxl
import pytest
from playwright.sync_api import expect

from ketnoi.accounts.demo import seed as seed_second_factors
from ketnoi.orgs.roles import Role
from ketnoi.orgs.services import official_create
from ketnoi.reports.aggregation import reports_rebuild
from tests.browser import sign_in
from tests.guide import shot
from tests.reports import dataset

pytestmark = pytest.mark.browser


def test_leader_filters_a_commune_and_a_quarter_and_downloads_the_xlsx(
    live_server, transactional_world, page, tmp_path
):
    world = transactional_world
    dataset.build(world)
    reports_rebuild(now=dataset.at("2026-04-05"))
    official_create(actor=None, username="lanhdao.tinh", full_name="Lãnh Đạo Tỉnh", password="Leader-pass-123",
                    unit=world.province, role=Role.LEADER)  # fmt: skip
    seed_second_factors()  # the new leader's authenticator app
    base = live_server.url
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    sign_in(page, base, "lanhdao.tinh", "Leader-pass-123")
    page.get_by_role("link", name="Reports").click()
    expect(page.locator("h1")).to_have_text("Reports")

    page.select_option("#filter-unit", label="Phường Đông Hòa")
    page.select_option("#filter-year", "2026")
    page.select_option("#filter-quarter", "1")
    page.locator("#report-filters button[type=submit]").click()
    expect(page.locator(".breadcrumbs")).to_contain_text("Phường Đông Hòa")
    expect(page.locator(".breadcrumbs")).to_contain_text("Q1/2026")
    shot(page, "leader-reports")
    received = page.locator('[data-indicator="received"] .value')
    expect(received).to_have_attribute("data-value", "4")
    rows = page.locator('table[data-table="breakdown"] tbody tr')
    expect(rows.first).to_contain_text("TTPVHCC Phường Đông Hòa")
    shown = rows.first.locator("td").all_inner_texts()

    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    workbook = openpyxl.load_workbook(path)
    first = next(workbook["breakdown"].iter_rows(min_row=3, values_only=True))
    assert first[0] == shown[0] == "TTPVHCC Phường Đông Hòa"
    assert first[1] == 4 and shown[1] == "4"  # received
    assert "Phường Đông Hòa" in workbook["breakdown"]["A1"].value and "Q1/2026" in workbook["breakdown"]["A1"].value
    indicators = {row[0]: row[1] for row in workbook["indicators"].iter_rows(min_row=3, values_only=True)}
    assert indicators["Dossiers received"] == 4 and indicators["On-time rate"] == 66.7
