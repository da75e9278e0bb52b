"""The tables of a report as XLSX (one sheet per table, numbers as numbers) and CSV (one table per file).

Both write `Report.tables()`, the very rows the dashboard shows, so a spreadsheet and the screen cannot disagree."""

import csv
import io

from django.utils.text import slugify

from ketnoi.reports.selectors import Report, Table

PERCENT_FORMAT = '0.0"%"'


def _cell(value):
    return "" if value is None else value


def report_title(report: Report) -> str:
    where = report.where
    parts = [where.unit.name]
    if where.agency is not None:
        parts.append(where.agency.short_name or where.agency.name)
    if where.desk is not None:
        parts.append(where.desk.name)
    if where.official is not None:
        parts.append(where.official.get_full_name() or where.official.get_username())
    return " · ".join(parts) + f" · {report.period.label}"


def report_xlsx(report: Report) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for table in report.tables():
        sheet = workbook.create_sheet(table.slug)
        sheet.append([f"{table.title} · {report_title(report)}"])
        sheet["A1"].font = Font(bold=True)
        sheet.append(table.headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
        for column, unit in enumerate(table.units, start=1):
            if unit == "percent":
                for (cell,) in sheet.iter_rows(min_row=3, min_col=column, max_col=column):
                    cell.number_format = PERCENT_FORMAT
        sheet.column_dimensions["A"].width = 34
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def file_stem(report: Report) -> str:
    return slugify(f"bao-cao {report.where.unit.name} {report.period.label}") or "bao-cao"
