"""Importing the procedure catalog from CSV, XLSX and JSON: all rows or none, with every problem reported."""

import io
import json

import openpyxl
import pytest

from ketnoi.core.errors import NotPermitted
from ketnoi.core.models import AuditEntry
from ketnoi.procedures.demo import seed as seed_demo_procedures
from ketnoi.procedures.models import Procedure
from ketnoi.procedures.services import procedure_import

HEADER = ["code", "name", "field", "agency_code", "level", "online_level", "processing_days", "fee_text", "fee_amount"]
HEADER += ["documents", "allows_postal_return"]
ROWS = [
    ["1.001193", "Đăng ký khai sinh", "Hộ tịch", "", "commune", "full", "0", "Miễn lệ phí", "0",
     "Tờ khai đăng ký khai sinh\nGiấy chứng sinh | 1 | Bản chính", "có"],
    ["2.000488", "Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp", "H90.12", "province", "toàn trình", "10",
     "200.000 đồng/lần", "200.000 đ", '[{"name": "Tờ khai", "copies": 1, "note": ""}]', "x"],
]  # fmt: skip


def csv_bytes(rows, header=HEADER, delimiter=",") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        # Spreadsheets hold numbers as numbers.
        sheet.append([int(c) if isinstance(c, str) and c.isdigit() else c for c in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def json_bytes(rows, header=HEADER) -> bytes:
    return json.dumps({"procedures": [dict(zip(header, row, strict=True)) for row in rows]}).encode()


def check_imported() -> None:
    birth = Procedure.objects.get(code="1.001193")
    assert birth.name_folded == "dang ky khai sinh" and birth.agency is None and birth.processing_days == 0
    assert birth.documents == [
        {"name": "Tờ khai đăng ký khai sinh", "copies": 1, "note": ""},
        {"name": "Giấy chứng sinh", "copies": 1, "note": "Bản chính"},
    ]
    record = Procedure.objects.get(code="2.000488")
    assert record.agency.code == "H90.12" and record.online_level == "full" and record.level == "province"
    assert record.fee_amount == 200000 and record.processing_days == 10 and record.allows_postal_return


@pytest.mark.parametrize(
    "file_name, make",
    [("catalog.csv", csv_bytes), ("catalog.xlsx", xlsx_bytes), ("catalog.json", json_bytes)],
)
def test_import_each_format(world, file_name, make):
    report = procedure_import(actor=world.admin, file_name=file_name, content=make(ROWS))
    assert report.errors == [] and report.imported
    assert sorted(report.created) == ["1.001193", "2.000488"]
    check_imported()
    assert AuditEntry.objects.filter(action="procedure.create").count() == 2


def test_semicolon_csv(world):
    report = procedure_import(actor=world.admin, file_name="a.csv", content=csv_bytes(ROWS, delimiter=";"))
    assert report.ok
    check_imported()


def test_every_problem_is_reported_and_nothing_is_imported(world):
    bad = [
        ROWS[0],
        ["", "Không có mã", "", "", "commune", "full", "1", "", "0", "", ""],
        ["1.000894", "Đăng ký kết hôn", "", "", "commune", "full", "ba", "", "1,5", "", "có"],
        ["1.000656", "Đăng ký khai tử", "", "H90.99", "tỉnh", "full", "0", "", "0", "", "maybe"],
        ["1.001193", "Trùng mã", "", "", "commune", "full", "0", "", "0", "", ""],
        ["1.000657", "Cấp độ lạ", "", "", "huyện", "5", "-2", "", "0", "", ""],
    ]
    for file_name, make in (("a.csv", csv_bytes), ("a.xlsx", xlsx_bytes), ("a.json", json_bytes)):
        report = procedure_import(actor=world.admin, file_name=file_name, content=make(bad))
        assert not report.imported
        found = {(e.row if file_name != "a.json" else e.row + 1, e.field) for e in report.errors}
        assert found == {
            (3, "code"),
            (4, "processing_days"),
            (4, "fee_amount"),
            (5, "agency_code"),
            (5, "allows_postal_return"),
            (6, "code"),
            (7, "level"),
            (7, "online_level"),
            (7, "processing_days"),
        }, file_name
        duplicate = next(e for e in report.errors if e.field == "code" and e.row in (5, 6))
        assert "1.001193" in duplicate.message
    assert not Procedure.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="procedure.").exists()


def test_reimport_updates_by_code_and_skips_unchanged(world):
    procedure_import(actor=world.admin, file_name="a.csv", content=csv_bytes(ROWS))
    changed = [list(ROWS[0]), list(ROWS[1])]
    changed[1][6] = "12"
    report = procedure_import(actor=world.admin, file_name="b.csv", content=csv_bytes(changed))
    assert report.updated == ["2.000488"] and report.unchanged == ["1.001193"] and report.created == []
    assert Procedure.objects.get(code="2.000488").processing_days == 12
    assert Procedure.objects.count() == 2
    entry = AuditEntry.objects.get(action="procedure.update")
    assert entry.changes == [("processing_days", 10, 12)]


def test_unreadable_files(world):
    for name, content in (("a.pdf", b"%PDF"), ("a.json", b"{not json"), ("a.xlsx", b"not a zip")):
        report = procedure_import(actor=world.admin, file_name=name, content=content)
        assert not report.ok and report.errors[0].row == 0
    report = procedure_import(actor=world.admin, file_name="a.csv", content=csv_bytes(ROWS, [*HEADER[:-1], "màu"]))
    assert report.ok and any("màu" in w for w in report.warnings)


def test_permissions(world):
    with pytest.raises(NotPermitted):
        procedure_import(actor=world.desk_a, file_name="a.csv", content=csv_bytes(ROWS))
    # A commune administrator may import only procedures of agencies in the commune.
    report = procedure_import(actor=world.unit_admin_a, file_name="a.csv", content=csv_bytes(ROWS))
    assert {(e.row, e.field) for e in report.errors} == {(2, "agency_code"), (3, "agency_code")}
    own = [["9.000001", "Thủ tục của phường", "", "UB.90001", "commune", "none", "1", "", "0", "", ""]]
    assert procedure_import(actor=world.unit_admin_a, file_name="a.csv", content=csv_bytes(own)).imported


def test_demo_catalog(world):
    seed_demo_procedures()
    assert Procedure.objects.count() >= 20
    assert Procedure.objects.filter(agency__code="H90.12").exists()
    seed_demo_procedures()  # idempotent
    assert Procedure.objects.count() >= 20
