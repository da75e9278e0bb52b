"""Reading a registry file (CSV or XLSX) into validated rows, with an error for every bad cell.

File reading and the report are the procedure import's (ketnoi.procedures.importing): same row numbers (the
spreadsheet row, header = row 1), same column folding, same all-or-nothing rule in the service.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ketnoi.core.tabular import date_cell
from ketnoi.core.text import fold
from ketnoi.procedures.importing import ImportReport, _text, read_records

from .models import EntryStatus, RegistryEntry

__all__ = ["COLUMNS", "ImportReport", "ParsedEntry", "read_registry_records", "validate_entry"]

# Column name (folded) -> field: English names and the usual Vietnamese headings.
COLUMNS = {
    "name": "name", "ten": "name", "ten co so": "name", "co so": "name",
    "address": "address", "dia chi": "address", "dia chi co so": "address",
    "commune": "commune", "commune code": "commune", "xa": "commune", "xa phuong": "commune",
    "xa/phuong": "commune", "ma xa": "commune", "don vi": "commune", "phuong xa": "commune",
    "certificate number": "certificate_number", "certificate": "certificate_number", "so giay chung nhan": "certificate_number",
    "so gcn": "certificate_number", "so chung nhan": "certificate_number", "giay chung nhan": "certificate_number",
    "issuing agency": "issuing_agency", "co quan cap": "issuing_agency", "noi cap": "issuing_agency",
    "valid from": "valid_from", "ngay cap": "valid_from", "hieu luc tu": "valid_from", "tu ngay": "valid_from",
    "valid to": "valid_to", "ngay het han": "valid_to", "hieu luc den": "valid_to", "den ngay": "valid_to",
    "het han": "valid_to",
    "status": "status", "trang thai": "status",
}  # fmt: skip
STATUSES = {
    "": EntryStatus.ACTIVE, "active": EntryStatus.ACTIVE, "con hieu luc": EntryStatus.ACTIVE, "hieu luc": EntryStatus.ACTIVE,
    "suspended": EntryStatus.SUSPENDED, "tam dinh chi": EntryStatus.SUSPENDED, "dinh chi": EntryStatus.SUSPENDED,
    "revoked": EntryStatus.REVOKED, "thu hoi": EntryStatus.REVOKED, "da thu hoi": EntryStatus.REVOKED,
}  # fmt: skip


@dataclass
class ParsedEntry:
    row: int
    values: dict[str, Any]
    commune: str


def read_registry_records(file_name: str, content: bytes, report: ImportReport) -> list[tuple[int, dict]]:
    if file_name.lower().endswith(".json"):
        report.error(0, "file", _("Unsupported file type; use .csv or .xlsx."))
        return []
    return read_records(file_name, content, report)


_date = date_cell


def _columns(record: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    values = {}
    for column, value in record.items():
        key = COLUMNS.get(fold(str(column)).replace("_", " "))
        if key is None:
            warning = _("Column “%(column)s” is not used.") % {"column": column}
            if warning not in report.warnings:
                report.warnings.append(warning)
            continue
        values[key] = value
    return values


def validate_entry(number: int, record: dict[str, Any], report: ImportReport) -> ParsedEntry:
    """The model values of one row, every problem of the row recorded in the report."""
    raw = _columns(record, report)
    values: dict[str, Any] = {}
    for name, label, required in (
        ("name", _("The establishment's name is missing."), True),
        ("certificate_number", _("The certificate number is missing."), True),
        ("address", "", False),
        ("issuing_agency", "", False),
    ):
        text = _text(raw.get(name))
        limit = RegistryEntry._meta.get_field(name).max_length
        if required and not text:
            report.error(number, name, label)
        elif len(text) > limit:
            report.error(number, name, _("Longer than %(n)s characters.") % {"n": limit})
        values[name] = text
    for name in ("valid_from", "valid_to"):
        try:
            values[name] = _date(raw.get(name))
        except ValueError:
            message = _("“%(v)s” is not a date; write dd/mm/yyyy.") % {"v": raw.get(name)}
            report.error(number, name, message)
            values[name] = None
    if values["valid_from"] and values["valid_to"] and values["valid_to"] < values["valid_from"]:
        report.error(number, "valid_to", _("The certificate ends before it starts."))
    status = STATUSES.get(fold(_text(raw.get("status"))))
    if status is None:
        message = _("Status must be active, suspended or revoked, not “%(v)s”.") % {"v": raw.get("status")}
        report.error(number, "status", message)
    values["status"] = status or EntryStatus.ACTIVE
    commune = _text(raw.get("commune"))
    if not commune:
        report.error(number, "commune", _("The commune is missing."))
    return ParsedEntry(number, values, commune)
