"""Importing a registry from CSV and XLSX: all rows or none, every problem reported with its row, scope checked."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from ketnoi.core.errors import NotPermitted
from ketnoi.registries.demo import seed as seed_registry
from ketnoi.registries.models import RegistryEntry, RegistryKind, Validity
from ketnoi.registries.services import registry_import

HEADER = [
    "Tên cơ sở",
    "Địa chỉ",
    "Mã xã",
    "Số giấy chứng nhận",
    "Cơ quan cấp",
    "Ngày cấp",
    "Ngày hết hạn",
    "Trạng thái",
]
ROWS = [
    ["Bếp ăn Hòa Bình", "12 Lê Lợi", "90001", "01/2025/ATTP", "Sở Y tế", "01/02/2025", "31/01/2028", "Còn hiệu lực"],
    ["Quán phở Bà Tư", "5 Thôn Đông", "Xã Bình An", "02/2022/ATTP", "Sở Y tế", "2022-03-01", "2025-02-28", ""],
]  # fmt: skip


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        cells = list(row)
        # A spreadsheet holds dates as dates.
        cells[5] = dt.datetime.strptime(cells[5], "%d/%m/%Y") if "/" in cells[5] else cells[5]
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _import(content, name="attp.csv", actor=None):
    return registry_import(actor=actor, kind=RegistryKind.FOOD_SAFETY, file_name=name, content=content)


@pytest.mark.parametrize("maker,name", [(csv_bytes, "attp.csv"), (xlsx_bytes, "attp.xlsx")])
def test_a_clean_file_is_imported_and_reimporting_changes_nothing(world, maker, name):
    report = _import(maker(ROWS), name)
    assert report.ok, report.errors
    assert sorted(report.created) == ["01/2025/ATTP", "02/2022/ATTP"]
    kitchen = RegistryEntry.objects.get(certificate_number="01/2025/ATTP")
    assert kitchen.unit == world.commune_a and kitchen.valid_from == dt.date(2025, 2, 1)
    assert kitchen.valid_to == dt.date(2028, 1, 31) and kitchen.issuing_agency == "Sở Y tế"
    pho = RegistryEntry.objects.get(certificate_number="02/2022/ATTP")
    assert pho.unit == world.commune_b  # by the commune's name, accents and all
    assert pho.validity_on(dt.date(2026, 1, 1)) == Validity.EXPIRED
    assert kitchen.validity_on(dt.date(2026, 1, 1)) == Validity.VALID
    again = _import(maker(ROWS), name)
    assert again.ok and again.created == [] and again.updated == [] and len(again.unchanged) == 2


def test_any_bad_row_imports_nothing_and_every_problem_is_listed(world):
    rows = [
        ROWS[0],
        ["", "x", "99999", "03/ATTP", "", "31/02/2025", "", "maybe"],
        ["Quán cơm", "", "90001", "01/2025/ATTP", "", "01/01/2026", "01/01/2025", ""],
    ]
    report = _import(csv_bytes(rows))
    assert not report.ok and RegistryEntry.objects.count() == 0
    problems = {(e.row, e.field) for e in report.errors}
    assert {(3, "name"), (3, "commune"), (3, "valid_from"), (3, "status")} <= problems
    assert {(4, "certificate_number"), (4, "valid_to")} <= problems  # duplicate number; ends before it starts


def test_rows_outside_the_importers_communes_are_refused(world):
    report = _import(csv_bytes(ROWS), actor=world.unit_admin_a)
    assert not report.ok and RegistryEntry.objects.count() == 0
    assert [(e.row, e.field) for e in report.errors] == [(3, "commune")]
    assert _import(csv_bytes(ROWS[:1]), actor=world.unit_admin_a).ok
    with pytest.raises(NotPermitted):
        _import(csv_bytes(ROWS[:1]), actor=world.desk_a)


def test_the_demo_registry_spans_the_communes_and_has_expired_certificates(world):
    seed_registry()
    seed_registry()  # idempotent
    entries = list(RegistryEntry.objects.select_related("unit"))
    assert len(entries) >= 30
    assert len({e.unit.code for e in entries}) == 5
    today = dt.date(2026, 11, 24)
    validities = [e.validity_on(today) for e in entries]
    assert validities.count(Validity.EXPIRED) >= 3 and validities.count(Validity.VALID) >= 10
