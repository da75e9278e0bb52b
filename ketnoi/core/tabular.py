"""Reading a spreadsheet (CSV, XLSX, or JSON where the caller allows it) into numbered rows, and the per-row
report every import shows. Shared by the procedure, registry and administrative-unit imports.

Row numbers are what the person who made the file sees: the spreadsheet row (the header is row 1) for CSV and
XLSX, the item number (from 1) for JSON. Reading writes nothing; each import's service writes only when the whole
file is clean (all or nothing).
"""

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .text import nfc

MAX_BYTES = 10 * 1024 * 1024
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
MAX_ROWS = 10_000


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    file_name: str
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> bool:
        return self.ok and self.rows > 0

    def error(self, row: int, field_name: str, message: str) -> None:
        self.errors.append(RowError(row, field_name, message))


def read_records(
    file_name: str, content: bytes, report: ImportReport, *, json_key: str | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column: raw value}) for each non-empty row; file-level problems go into the report."""
    if len(content) > MAX_BYTES:
        report.error(0, "file", _("The file is larger than 10 MB."))
        return []
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    try:
        if suffix == "json" and json_key:
            return _read_json(content, report, json_key)
        if suffix in ("xlsx", "xlsm"):
            return _read_xlsx(content)
        if suffix in ("csv", "txt"):
            return _read_csv(content)
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, csv.Error) as exc:
        report.error(0, "file", _("The file cannot be read: %(error)s") % {"error": exc})
        return []
    if json_key:
        report.error(0, "file", _("Unsupported file type; use .csv, .xlsx or .json."))
    else:
        report.error(0, "file", _("Unsupported file type; use .csv or .xlsx."))
    return []


def _read_json(content: bytes, report: ImportReport, key: str) -> list[tuple[int, dict]]:
    data = json.loads(content.decode("utf-8-sig"))
    if isinstance(data, dict):
        data = data.get(key)
    if not isinstance(data, list):
        raise ValueError(_('expected a list of procedures or {"procedures": [...]}'))
    records = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            report.error(number, "item", _("Each procedure must be a JSON object."))
            continue
        records.append((number, item))
    return records


def _read_csv(content: bytes) -> list[tuple[int, dict]]:
    text = content.decode("utf-8-sig")
    header = text.split("\n", 1)[0]
    # The header names the columns, so its separator is the file's: Excel in Vietnamese locale writes ';'.
    delimiter = max((",", ";", "\t"), key=header.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return _records_from_rows(rows)


def _read_xlsx(content: bytes) -> list[tuple[int, dict]]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _records_from_rows(rows)


def _records_from_rows(rows: list[list]) -> list[tuple[int, dict]]:
    if not rows:
        return []
    header = ["" if h is None else str(h) for h in rows[0]]
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        records.append((number, {header[i]: cell for i, cell in enumerate(row) if i < len(header) and header[i]}))
    return records


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


def date_cell(value: Any) -> dt.date | None:
    """A date cell: a spreadsheet date, dd/mm/yyyy (as written in Vietnam) or yyyy-mm-dd; empty is None.
    Raises ValueError for anything else."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = text_cell(value)
    if match := _DMY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YMD.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError
    return dt.date(year, month, day)
