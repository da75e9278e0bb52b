"""Writes to the procedure catalog.

Import is all or nothing: every row is validated first, and the file is written (upsert by code, one transaction)
only when no row has an error. A catalog is published to citizens, so a half-imported file would show some
procedures new and others old with no way to tell; the report lists every problem at once, the administrator
fixes the file and uploads it again, and re-importing the same file changes nothing.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import NotPermitted
from ketnoi.orgs.models import AdministrativeUnit, Agency
from ketnoi.orgs.scoping import scope_of

from .importing import MAX_ROWS, ImportReport, ParsedRow, read_records, validate
from .models import Procedure

AUDIT_FIELDS = (
    "code", "name", "field", "agency", "level", "online_level", "processing_days", "fee_text", "fee_amount",
    "legal_basis", "allows_postal_return", "allows_authorization", "issues_electronic_result", "is_active",
)  # fmt: skip


def _province_path() -> str:
    root = AdministrativeUnit.objects.filter(parent=None, valid_to__isnull=True).order_by("path").first()
    return root.path if root else "/"


def _check_rows(rows: list[ParsedRow], report: ImportReport, actor) -> dict[str, Agency]:
    """Cross-row checks: duplicate codes, agencies that exist, and (for unit administrators) agencies in scope."""
    seen: dict[str, int] = {}
    for row in rows:
        if not row.values["code"]:
            continue
        first = seen.setdefault(row.values["code"], row.row)
        if first != row.row:
            message = _("Code %(code)s is already used on row %(first)s.") % {
                "code": row.values["code"],
                "first": first,
            }
            report.error(row.row, "code", message)
    codes = {row.agency_code for row in rows if row.agency_code}
    agencies = {a.code: a for a in Agency.objects.filter(code__in=codes).select_related("unit")}
    scope = scope_of(actor) if actor is not None else None
    limited = scope is not None and not scope.is_system_admin
    existing = {}
    if limited:
        existing = {
            p.code: p
            for p in Procedure.objects.filter(code__in=seen).select_related("agency__unit")
            if p.agency is None or not scope.covers_path(p.agency.unit.path)
        }
    for row in rows:
        agency = agencies.get(row.agency_code)
        if row.agency_code and agency is None:
            message = _("No agency has the code “%(code)s”.") % {"code": row.agency_code}
            report.error(row.row, "agency_code", message)
        elif limited and (agency is None or not scope.covers_path(agency.unit.path)):
            report.error(row.row, "agency_code", _("Only a system administrator may import procedures of this agency."))
        elif limited and row.values["code"] in existing:
            report.error(row.row, "code", _("This procedure belongs to an agency outside your units."))
    return agencies


@transaction.atomic
def procedure_import(*, actor, file_name: str, content: bytes) -> ImportReport:
    """Validate the whole file, then create or update procedures by code only if no row has an error."""
    if actor is not None and not scope_of(actor).can("procedures.manage"):
        raise NotPermitted()
    report = ImportReport(file_name=file_name)
    records = read_records(file_name, content, report)
    if len(records) > MAX_ROWS:
        report.error(0, "file", _("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
        return report
    report.rows = len(records)
    rows = [validate(number, record, report) for number, record in records]
    agencies = _check_rows(rows, report, actor)
    if not report.ok:
        report.errors.sort(key=lambda e: (e.row, e.field))
        return report
    current = {
        p.code: p for p in Procedure.objects.select_for_update().filter(code__in=[r.values["code"] for r in rows])
    }
    for row in rows:
        values = {**row.values, "agency": agencies.get(row.agency_code)}
        procedure = current.get(values["code"])
        before = snapshot(procedure, AUDIT_FIELDS) if procedure else None
        if procedure is not None and all(getattr(procedure, k) == v for k, v in values.items()):
            report.unchanged.append(procedure.code)
            continue
        procedure = procedure or Procedure()
        for key, value in values.items():
            setattr(procedure, key, value)
        procedure.save()
        (report.updated if before else report.created).append(procedure.code)
        audit_record(
            actor=actor,
            action="procedure.update" if before else "procedure.create",
            target=procedure,
            unit_path=procedure.agency.unit.path if procedure.agency else _province_path(),
            before=before,
            after=snapshot(procedure, AUDIT_FIELDS),
        )
    return report
