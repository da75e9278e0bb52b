"""Writes to public registries.

Import is all or nothing, as for the procedure catalog: every row is validated first and the file is written
(upsert by kind + certificate number, one transaction) only when no row has an error. A registry is published to
citizens; half a file would show some certificates renewed and others not with no way to tell.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import NotPermitted
from ketnoi.core.text import fold
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of
from ketnoi.procedures.importing import MAX_ROWS

from .importing import ImportReport, ParsedEntry, read_registry_records, validate_entry
from .models import RegistryEntry, RegistryKind

AUDIT_FIELDS = (
    "kind", "name", "address", "unit", "certificate_number", "issuing_agency", "valid_from", "valid_to", "status",
)  # fmt: skip


def _communes() -> tuple[dict[str, AdministrativeUnit], dict[str, list[AdministrativeUnit]]]:
    """Current units by statistics code and by folded name (with and without the 'xa'/'phuong' prefix)."""
    by_code: dict[str, AdministrativeUnit] = {}
    by_name: dict[str, list[AdministrativeUnit]] = {}
    for unit in AdministrativeUnit.objects.filter(valid_to__isnull=True).exclude(parent=None):
        if unit.code:
            by_code[unit.code] = unit
        by_name.setdefault(fold(unit.name), []).append(unit)
    return by_code, by_name


def _check_rows(rows: list[ParsedEntry], report: ImportReport, actor, kind: str) -> dict[int, AdministrativeUnit]:
    """Cross-row checks: duplicate certificates, communes that exist and are in the importer's scope."""
    seen: dict[str, int] = {}
    for row in rows:
        number = row.values["certificate_number"]
        if number:
            first = seen.setdefault(number, row.row)
            if first != row.row:
                message = _("Certificate %(n)s is already on row %(first)s.") % {"n": number, "first": first}
                report.error(row.row, "certificate_number", message)
    by_code, by_name = _communes()
    scope = scope_of(actor) if actor is not None else None
    units: dict[int, AdministrativeUnit] = {}
    for row in rows:
        if not row.commune:
            continue
        unit = by_code.get(row.commune)
        if unit is None:
            candidates = by_name.get(fold(row.commune), [])
            unit = candidates[0] if len(candidates) == 1 else None
        if unit is None:
            report.error(row.row, "commune", _("No current commune is called “%(c)s”.") % {"c": row.commune})
        elif scope is not None and not scope.covers_path(unit.path):
            report.error(row.row, "commune", _("%(c)s is outside your units.") % {"c": unit.name})
        else:
            units[row.row] = unit
    if scope is not None and not scope.is_system_admin:
        outside = RegistryEntry.objects.filter(kind=kind, certificate_number__in=seen).select_related("unit")
        for entry in outside:
            if not scope.covers_path(entry.unit.path):
                message = _("Certificate %(n)s belongs to a commune outside your units.") % {
                    "n": entry.certificate_number
                }
                report.error(seen[entry.certificate_number], "certificate_number", message)
    return units


@transaction.atomic
def registry_import(*, actor, kind: str, file_name: str, content: bytes) -> ImportReport:
    """Validate the whole file, then create or update entries by certificate number only if no row has an error."""
    if actor is not None and not scope_of(actor).can("registries.manage"):
        raise NotPermitted()
    report = ImportReport(file_name=file_name)
    if kind not in RegistryKind.values:
        report.error(0, "kind", _("Unknown registry."))
        return report
    records = read_registry_records(file_name, content, report)
    if len(records) > MAX_ROWS:
        report.error(0, "file", _("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
        return report
    report.rows = len(records)
    rows = [validate_entry(number, record, report) for number, record in records]
    units = _check_rows(rows, report, actor, kind)
    if not report.ok:
        report.errors.sort(key=lambda e: (e.row, e.field))
        return report
    numbers = [r.values["certificate_number"] for r in rows]
    current = {
        e.certificate_number: e
        for e in RegistryEntry.objects.select_for_update().filter(kind=kind, certificate_number__in=numbers)
    }
    for row in rows:
        values = {**row.values, "kind": kind, "unit": units[row.row]}
        entry = current.get(values["certificate_number"])
        before = snapshot(entry, AUDIT_FIELDS) if entry else None
        if entry is not None and all(getattr(entry, k) == v for k, v in values.items()):
            report.unchanged.append(entry.certificate_number)
            continue
        entry = entry or RegistryEntry()
        for key, value in values.items():
            setattr(entry, key, value)
        entry.save()
        (report.updated if before else report.created).append(entry.certificate_number)
        audit_record(
            actor=actor,
            action="registry_entry.update" if before else "registry_entry.create",
            target=entry,
            unit_path=entry.unit.path,
            before=before,
            after=snapshot(entry, AUDIT_FIELDS),
        )
    return report
