"""The dashboard, its exports and the printable report: the XLSX and CSV hold the numbers the screen shows, a
commune leader sees only their commune, and the PDF renders."""

import csv
import io
import re

import openpyxl
import pytest

from django.urls import reverse

from ketnoi.accounts.demo import seed as seed_second_factors
from ketnoi.orgs.roles import Role
from ketnoi.orgs.services import official_create
from ketnoi.reports.aggregation import reports_rebuild
from tests.reports import dataset

Q1 = {"year": "2026", "quarter": "1"}


@pytest.fixture
def built(world):
    dataset.build(world)
    reports_rebuild(now=dataset.at("2026-04-05"))
    return world


@pytest.fixture
def province_leader(world):
    leader = official_create(
        actor=None, username="lanhdao.tinh", full_name="Lãnh Đạo Tỉnh", password="Leader-pass-123",
        unit=world.province, role=Role.LEADER,
    )  # fmt: skip
    seed_second_factors()  # a leader signs in with a second factor
    return leader


def screen_tables(html: str) -> dict[str, list[list[str]]]:
    """data-table -> rows of cell values (data-value for numbers, the text for labels) as the page shows them."""
    tables = {}
    for slug, body in re.findall(r'<table data-table="([a-z]+)">(.*?)</table>', html, re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], re.S):
            cells = []
            for attrs, text in re.findall(r"<td([^>]*)>(.*?)</td>", row, re.S):
                value = re.search(r'data-value="([^"]*)"', attrs)
                cells.append(value.group(1) if value else re.sub(r"<[^>]+>", "", text).strip())
            rows.append(cells)
        tables[slug] = rows
    return tables


def same(value):
    """A cell compared by value: numbers as numbers (a spreadsheet stores 3.0 as 3), the rest as text."""
    text = "" if value is None else str(value)
    try:
        return float(text)
    except ValueError:
        return text


def normal(rows) -> list[list]:
    return [[same(c) for c in row] for row in rows]


def test_dashboard_shows_indicators_with_definitions_and_drills_down(built, client, province_leader):
    client.cookies["django_language"] = "en"
    client.force_login(province_leader)
    page = client.get(reverse("console:report_dashboard"), Q1).content.decode()
    assert "Q1/2026" in page and "<svg" in page and "polyline" in page
    assert 'data-indicator="on_time_rate"' in page and "resolved on time / resolved x 100" in page
    assert re.search(r'data-indicator="processing_days_p90".*?data-value="51"', page, re.S)
    # the commune's row links one level down, to its agencies
    link = re.search(r'<a href="(\?[^"]*unit=[^"]*)">Phường Đông Hòa</a>', page).group(1).replace("&amp;", "&")
    agencies = client.get(reverse("console:report_dashboard") + link).content.decode()
    assert "TTPVHCC Phường Đông Hòa" in agencies and "Xã Bình An" not in screen_tables(agencies)["breakdown"][0]


def test_exports_hold_the_numbers_on_the_screen(built, client, province_leader):
    client.force_login(province_leader)
    page = client.get(reverse("console:report_dashboard"), Q1).content.decode()
    shown = screen_tables(page)
    xlsx = client.get(reverse("console:report_export_xlsx", args=[built.province.uuid]), Q1)
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].startswith("attachment")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert set(workbook.sheetnames) == {"indicators", "breakdown", "ranking", "trend", "messages"}
    for slug in ("breakdown", "ranking", "trend", "messages"):
        sheet_rows = normal(workbook[slug].iter_rows(min_row=3, values_only=True))
        assert sheet_rows == normal(shown[slug]), slug
        response = client.get(reverse("console:report_export_csv", args=[built.province.uuid]), {**Q1, "table": slug})
        csv_rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
        assert normal(csv_rows) == normal(shown[slug]), slug
    assert [row[0] for row in shown["breakdown"]] == ["Phường Đông Hòa", "Xã Bình An"]
    # the indicator sheet: each value beside its definition, equal to the panel on the screen
    panel = dict(re.findall(r'data-indicator="([a-z_0-9]+)">.*?data-value="([^"]*)"', page, re.S))
    sheet = list(workbook["indicators"].iter_rows(min_row=3, values_only=True))
    assert len(sheet) == len(panel) and all(row[2] and row[3] for row in sheet)
    assert [same(row[1]) for row in sheet] == [same(v) for v in panel.values()]
    assert same(panel["on_time_rate"]) == 50.0 and same(panel["cost"]) == 450


def test_a_commune_leader_sees_only_their_commune(built, client):
    client.force_login(built.leader_a)
    page = client.get(reverse("console:report_dashboard"), Q1).content.decode()
    assert "Phường Đông Hòa" in page and "Xã Bình An" not in page
    assert client.get(reverse("console:report_dashboard"), {**Q1, "unit": built.commune_b.uuid}).status_code == 404
    assert client.get(reverse("console:report_dashboard"), {**Q1, "unit": built.province.uuid}).status_code == 404
    assert client.get(reverse("console:report_export_xlsx", args=[built.commune_b.uuid]), Q1).status_code == 404
    other_official = {**Q1, "official": built.desk_b.pk}
    assert client.get(reverse("console:report_dashboard"), other_official).status_code == 404
    own_official = client.get(reverse("console:report_dashboard"), {**Q1, "official": built.desk_a.pk})
    assert own_official.status_code == 200
    client.force_login(built.desk_a)
    assert client.get(reverse("console:report_dashboard"), Q1).status_code == 403


def test_printable_report_per_unit_and_period(built, client):
    client.force_login(built.leader_a)
    response = client.get(reverse("console:report_pdf", args=[built.commune_a.uuid]), Q1)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 5000
