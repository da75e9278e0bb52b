"""The tables of a report as XLSX (one sheet per table, numbers as numbers) and CSV (one table per file).

Both write `Report.tables()`, the very rows the dashboard shows, so a spreadsheet and the screen cannot disagree."""

import csv
import io

from django.utils.text import slugify

from ketnoi.reports.selectors import Report, Table
from ketnoi.reports.xlsx import tables_xlsx


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
    return tables_xlsx(report.tables(), subtitle=report_title(report))


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def file_stem(report: Report) -> str:
    return slugify(f"bao-cao {report.where.unit.name} {report.period.label}") or "bao-cao"
