"""Reading a procedure file (CSV, XLSX or JSON) into validated rows, with an error for every bad cell.

Parsing and validation write nothing; ketnoi.procedures.services.procedure_import writes when the whole file is
clean. Row numbers are what the person who made the file sees: the spreadsheet row (the header is row 1) for CSV
and XLSX, the item number (from 1) for JSON.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ketnoi.core.tabular import MAX_BYTES, MAX_ROWS, ImportReport, RowError, text_cell
from ketnoi.core.tabular import read_records as read_table
from ketnoi.core.text import fold
from ketnoi.core.urls import is_http_url, is_site_path

from .models import Procedure

# Column name (folded) -> field. English names as in the JSON format, plus the usual Vietnamese headings.
COLUMNS = {
    "code": "code", "ma": "code", "ma thu tuc": "code", "ma tthc": "code",
    "name": "name", "ten": "name", "ten thu tuc": "name",
    "name_en": "name_en", "english name": "name_en", "ten tieng anh": "name_en",
    "field": "field", "linh vuc": "field",
    "agency_code": "agency_code", "agency": "agency_code", "co quan": "agency_code", "ma co quan": "agency_code",
    "level": "level", "cap": "level", "cap thuc hien": "level",
    "online_level": "online_level", "muc do": "online_level", "muc do dvc": "online_level",
    "processing_days": "processing_days", "thoi han": "processing_days", "so ngay": "processing_days",
    "thoi han giai quyet": "processing_days",
    "fee_text": "fee_text", "phi": "fee_text", "phi, le phi": "fee_text", "le phi": "fee_text",
    "fee_amount": "fee_amount", "muc phi": "fee_amount", "so tien": "fee_amount",
    "documents": "documents", "thanh phan ho so": "documents",
    "forms": "forms", "bieu mau": "forms", "mau don": "forms",
    "legal_basis": "legal_basis", "can cu phap ly": "legal_basis",
    "allows_postal_return": "allows_postal_return", "tra qua buu chinh": "allows_postal_return",
    "allows_authorization": "allows_authorization", "uy quyen": "allows_authorization",
    "issues_electronic_result": "issues_electronic_result", "ket qua dien tu": "issues_electronic_result",
    "is_active": "is_active", "hieu luc": "is_active",
}  # fmt: skip
LEVELS = {"province": "province", "tinh": "province", "cap tinh": "province", "commune": "commune"}
LEVELS |= {"xa": "commune", "cap xa": "commune"}
# Decree 42/2022 levels, and the legacy codes existing systems still send (mucDo 4 / 3 / 2).
ONLINE_LEVELS = {"full": "full", "toan trinh": "full", "4": "full", "partial": "partial", "mot phan": "partial"}
ONLINE_LEVELS |= {"3": "partial", "none": "none", "khong": "none", "2": "none", "1": "none"}
TRUE = {"1", "true", "yes", "y", "x", "co", "c"}
FALSE = {"0", "false", "no", "n", "khong", "k", ""}
BOOLEAN_DEFAULTS = {"allows_postal_return": True, "allows_authorization": True, "issues_electronic_result": False}
BOOLEAN_DEFAULTS["is_active"] = True
_CURRENCY = re.compile(r"\s*(dong|vnd|d)$")
_MONEY = re.compile(r"\d+|\d{1,3}(?:[.,\s]\d{3})+")  # 50000, 50.000, 50,000 or 50 000 (never decimals)


__all__ = ["MAX_BYTES", "MAX_ROWS", "ImportReport", "ParsedRow", "RowError", "read_records", "validate"]
_text = text_cell


def read_records(file_name: str, content: bytes, report: ImportReport) -> list[tuple[int, dict[str, Any]]]:
    """Procedure files may also be JSON: a list of objects, or {"procedures": [...]}."""
    return read_table(file_name, content, report, json_key="procedures")


@dataclass
class ParsedRow:
    row: int
    values: dict[str, Any]
    agency_code: str


def normalise_columns(record: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    values = {}
    for column, value in record.items():
        key = COLUMNS.get(fold(str(column)).replace("_", " ")) or COLUMNS.get(fold(str(column)))
        if key is None:
            warning = _("Column “%(column)s” is not used.") % {"column": column}
            if warning not in report.warnings:
                report.warnings.append(warning)
            continue
        values[key] = value
    return values


def _whole_number(value: Any, *, money: bool = False) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        number = int(value)
    else:
        text = fold(_text(value))
        if money:
            text = _CURRENCY.sub("", text)
            if not _MONEY.fullmatch(text):
                raise ValueError
            text = re.sub(r"\D", "", text)
        if not text.isdigit():
            raise ValueError
        number = int(text)
    if number < 0:
        raise ValueError
    return number


def _boolean(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = fold(_text(value))
    if text == "":
        return default
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError


def _documents(value: Any) -> list[dict]:
    """A JSON list, or one document per line (or per ';'): 'name | copies | note'."""
    if value in (None, ""):
        return []
    items = value
    if isinstance(value, str):
        text = value.strip()
        items = json.loads(text) if text.startswith("[") else [p for p in re.split(r"[\n;]", text) if p.strip()]
    if not isinstance(items, list):
        raise ValueError
    documents = []
    for item in items:
        if isinstance(item, str):
            parts = [p.strip() for p in item.split("|")]
            item = {"name": parts[0], "copies": parts[1] if len(parts) > 1 else 1, "note": "|".join(parts[2:])}
        if not isinstance(item, dict) or not _text(item.get("name")):
            raise ValueError
        copies = _whole_number(item.get("copies") or 1)
        documents.append({"name": _text(item["name"]), "copies": copies, "note": _text(item.get("note"))})
    return documents


def _forms(value: Any) -> list[dict]:
    """A JSON list, or one form per line: 'name | url'."""
    if value in (None, ""):
        return []
    items = value
    if isinstance(value, str):
        text = value.strip()
        items = json.loads(text) if text.startswith("[") else [p for p in text.splitlines() if p.strip()]
    if not isinstance(items, list):
        raise ValueError
    forms = []
    for item in items:
        if isinstance(item, str):
            name, _sep, url = item.partition("|")
            item = {"name": name, "url": url}
        if not isinstance(item, dict) or not _text(item.get("name")):
            raise ValueError
        url = _text(item.get("url"))
        if url and not (is_http_url(url) or is_site_path(url)):
            raise ValueError
        forms.append({"name": _text(item["name"]), "url": url})
    return forms


def validate(number: int, record: dict[str, Any], report: ImportReport) -> ParsedRow:
    """The model values of one row, with every problem of the row recorded in the report."""
    raw = normalise_columns(record, report)
    values: dict[str, Any] = {}
    code = _text(raw.get("code"))
    if not code:
        report.error(number, "code", _("The procedure code is missing."))
    elif len(code) > Procedure._meta.get_field("code").max_length:
        report.error(number, "code", _("The code is longer than 40 characters."))
    values["code"] = code
    name = _text(raw.get("name"))
    if not name:
        report.error(number, "name", _("The procedure name is missing."))
    elif len(name) > 500:
        report.error(number, "name", _("The name is longer than 500 characters."))
    values["name"] = name
    values["name_en"] = _text(raw.get("name_en"))
    if len(values["name_en"]) > 500:
        report.error(number, "name_en", _("The English name is longer than 500 characters."))
    values["field"] = _text(raw.get("field"))[:200]
    values["fee_text"] = _text(raw.get("fee_text"))[:500]
    values["legal_basis"] = _text(raw.get("legal_basis"))
    level = fold(_text(raw.get("level"))) or "commune"
    values["level"] = LEVELS.get(level)
    if values["level"] is None:
        report.error(number, "level", _("Level must be province or commune, not “%(v)s”.") % {"v": raw.get("level")})
    online = fold(_text(raw.get("online_level"))) or "partial"
    values["online_level"] = ONLINE_LEVELS.get(online)
    if values["online_level"] is None:
        message = _("Online level must be full, partial or none, not “%(v)s”.") % {"v": raw.get("online_level")}
        report.error(number, "online_level", message)
    for name_, money in (("processing_days", False), ("fee_amount", True)):
        value = raw.get(name_)
        try:
            values[name_] = 0 if value in (None, "") else _whole_number(value, money=money)
        except ValueError:
            report.error(number, name_, _("“%(v)s” is not a whole number of zero or more.") % {"v": value})
    for name_, default in BOOLEAN_DEFAULTS.items():
        try:
            values[name_] = _boolean(raw.get(name_), default)
        except ValueError:
            report.error(number, name_, _("“%(v)s” is not yes or no.") % {"v": raw.get(name_)})
    for name_, parse, shape in (("documents", _documents, "name | copies | note"), ("forms", _forms, "name | url")):
        try:
            values[name_] = parse(raw.get(name_))
        except (ValueError, TypeError, json.JSONDecodeError):
            message = _("Cannot read the list; give a JSON list or one item per line as “%(shape)s”.")
            report.error(number, name_, message % {"shape": shape})
    return ParsedRow(number, values, _text(raw.get("agency_code")))
