"""Reading the official list of administrative units (CSV or XLSX) into checked rows.

The statistics office publishes the list after each reorganisation (after 1 July 2025: communes, wards and special
zones of each province, with 5-digit codes; a new commune often reuses a predecessor's code). One row per unit:

    code, name, kind, parent_code, valid_from, predecessors, source

`kind` takes the English values or the Vietnamese words (xã, phường, đặc khu, thôn, tổ dân phố, khu phố…);
`parent_code` is empty for communes of the province (a `province_code` column, as in the statistics office's
national list, keeps only this province's rows); `predecessors` lists the codes of the units it replaces
(separated by ',' or ';'), which end the day before `valid_from` and hand their villages over. Reading and the
per-row report are the shared ones (ketnoi.core.tabular), like the procedure and registry imports.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from ketnoi.core.tabular import ImportReport, date_cell, read_records, text_cell
from ketnoi.core.text import fold

from .models import UnitKind

__all__ = ["ImportReport", "UnitRow", "read_unit_rows"]

COLUMNS = {
    "code": "code", "ma": "code", "ma dvhc": "code", "ma don vi": "code", "ma xa": "code",
    "name": "name", "ten": "name", "ten dvhc": "name", "ten don vi": "name", "ten xa": "name",
    "kind": "kind", "loai": "kind", "cap": "kind", "loai don vi": "kind",
    "parent code": "parent_code", "parent": "parent_code", "ma cap tren": "parent_code",
    "province code": "province_code", "ma tinh": "province_code", "ma tp": "province_code",
    "ma tinh/tp": "province_code", "ma tinh / thanh pho": "province_code",
    "valid from": "valid_from", "hieu luc tu": "valid_from", "ngay hieu luc": "valid_from", "tu ngay": "valid_from",
    "predecessors": "predecessors", "sap nhap tu": "predecessors", "don vi cu": "predecessors",
    "ma cu": "predecessors", "ma don vi cu": "predecessors",
    "source": "source", "can cu": "source", "nghi quyet": "source", "van ban": "source",
}  # fmt: skip
KINDS = {
    "ward": UnitKind.WARD, "phuong": UnitKind.WARD,
    "commune": UnitKind.COMMUNE, "xa": UnitKind.COMMUNE,
    "special zone": UnitKind.SPECIAL_ZONE, "special_zone": UnitKind.SPECIAL_ZONE, "dac khu": UnitKind.SPECIAL_ZONE,
    "village": UnitKind.VILLAGE, "thon": UnitKind.VILLAGE, "ban": UnitKind.VILLAGE, "ap": UnitKind.VILLAGE,
    "buon": UnitKind.VILLAGE, "lang": UnitKind.VILLAGE, "xom": UnitKind.VILLAGE, "soc": UnitKind.VILLAGE,
    "residential group": UnitKind.RESIDENTIAL_GROUP, "residential_group": UnitKind.RESIDENTIAL_GROUP,
    "to dan pho": UnitKind.RESIDENTIAL_GROUP, "khu pho": UnitKind.RESIDENTIAL_GROUP, "khu dan cu": UnitKind.RESIDENTIAL_GROUP,
}  # fmt: skip


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    kind: str
    parent_code: str
    valid_from: dt.date | None
    predecessors: list[str]
    source: str


def _kind(value: str) -> str | None:
    """'Xã', 'Phường', 'Đặc khu'... or the kind's own value; a name's first word also tells ('Thôn Đông')."""
    folded = fold(value).strip()
    return KINDS.get(folded) or (folded if folded in UnitKind.values else None)


def _code(value: Any) -> str:
    """Codes as text, with the leading zeros a spreadsheet may have dropped from a 5-digit commune code."""
    text = text_cell(value)
    return text.zfill(5) if text.isdigit() and 3 <= len(text) < 5 else text


def read_unit_rows(file_name: str, content: bytes, report: ImportReport, *, province_code: str = "") -> list[UnitRow]:
    """The rows of this province: a national list (with a province code column, as the statistics office's
    export has) can be imported as it is; other provinces' rows are left out and counted in a warning."""
    rows = []
    skipped = 0
    for number, record in read_records(file_name, content, report):
        values = {}
        for column, value in record.items():
            key = COLUMNS.get(fold(str(column)).replace("_", " "))
            if key is None:
                warning = _("Column “%(column)s” is not used.") % {"column": column}
                if warning not in report.warnings:
                    report.warnings.append(warning)
                continue
            values[key] = value
        row_province = text_cell(values.get("province_code"))
        if province_code and row_province and row_province.zfill(2) != province_code:
            skipped += 1
            continue
        code, name = _code(values.get("code")), text_cell(values.get("name"))
        if not code:
            report.error(number, "code", _("The unit code is missing."))
        elif len(code) > 20:
            report.error(number, "code", _("The code is longer than 20 characters."))
        if not name:
            report.error(number, "name", _("The unit name is missing."))
        kind_text = text_cell(values.get("kind")) or name.split(" ")[0]
        kind = _kind(kind_text)
        if kind is None or kind in (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.DISTRICT):
            report.error(
                number,
                "kind",
                _("“%(v)s” is not a commune, ward, special zone, village or residential group.") % {"v": kind_text},
            )
        try:
            valid_from = date_cell(values.get("valid_from"))
        except ValueError:
            valid_from = None
            report.error(
                number, "valid_from", _("“%(v)s” is not a date (dd/mm/yyyy).") % {"v": values.get("valid_from")}
            )
        predecessors = [_code(p) for p in re.split(r"[,;\s]+", text_cell(values.get("predecessors"))) if p]
        if predecessors and valid_from is None:
            report.error(number, "valid_from", _("A unit that replaces others needs the date it takes over."))
        rows.append(
            UnitRow(
                row=number,
                code=code,
                name=name[:150],
                kind=kind or "",
                parent_code=_code(values.get("parent_code")),
                valid_from=valid_from,
                predecessors=predecessors,
                source=text_cell(values.get("source"))[:200],
            )
        )
    if skipped:
        report.warnings.append(_("%(n)s rows of other provinces were left out.") % {"n": skipped})
    return rows
