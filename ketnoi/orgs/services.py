"""Writes to organisation data: keyword-only, one transaction, one audit row each."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext

from ketnoi.core.actor import ActorLike, as_actor
from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.models import CalendarDay, CalendarDayKind
from ketnoi.core.workdays import invalidate_calendar_cache_on_commit

from .calendar import FIELDS as CALENDAR_FIELDS
from .calendar import OFFICIAL_DAYS, package_days
from .models import COMMUNE_KINDS, PROVINCE_KINDS, AdministrativeUnit, Agency, Desk, Membership, UnitKind
from .roles import Role
from .scoping import scope_of

UNIT_FIELDS = ("code", "kind", "name", "parent", "valid_from", "valid_to", "source")
AGENCY_FIELDS = ("code", "name", "short_name", "kind", "unit", "parent", "address", "hotline", "is_active")
MEMBERSHIP_FIELDS = ("user", "unit", "agency", "desk", "role", "is_active")

ALLOWED_PARENT_KINDS = {
    UnitKind.PROVINCE: (None,),
    UnitKind.CITY: (None,),
    UnitKind.DISTRICT: (UnitKind.PROVINCE, UnitKind.CITY),
    UnitKind.WARD: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.DISTRICT),
    UnitKind.COMMUNE: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.DISTRICT),
    UnitKind.SPECIAL_ZONE: (UnitKind.PROVINCE, UnitKind.CITY),
    UnitKind.VILLAGE: COMMUNE_KINDS,
    UnitKind.RESIDENTIAL_GROUP: COMMUNE_KINDS,
}


def _require(actor, capability: str, path: str) -> None:
    """System jobs (actor None) may write anything; officials only inside a subtree where their role allows it."""
    if actor is None:
        return
    if not scope_of(actor).narrowed(capability).covers_path(path):
        raise NotPermitted()


@transaction.atomic
def unit_create(
    *,
    actor,
    kind: str,
    name: str,
    code: str = "",
    parent: AdministrativeUnit | None = None,
    valid_from: dt.date | None = None,
    source: str = "",
) -> AdministrativeUnit:
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENT_KINDS[UnitKind(kind)]:
        raise ApplicationError(
            gettext("A %(kind)s cannot sit under a %(parent)s.") % {"kind": kind, "parent": parent_kind or "—"},
            code="invalid_parent",
        )
    if parent is not None and not parent.is_current:
        raise ApplicationError(gettext("The parent unit no longer exists."), code="invalid_parent")
    if actor is not None:
        _require(actor, "orgs.manage_officials", parent.path if parent else "/")
    unit = AdministrativeUnit.objects.create(
        kind=kind, name=name.strip(), code=code.strip(), parent=parent, valid_from=valid_from, source=source
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    audit_record(actor=actor, action="unit.create", target=unit, unit_path=unit.path, after=snapshot(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_reorganize(
    *,
    actor,
    predecessors: list[AdministrativeUnit],
    kind: str,
    name: str,
    code: str,
    effective: dt.date,
    source: str,
) -> AdministrativeUnit:
    """Merge or rename: the predecessors end the day before `effective`; a new unit takes over their children.

    The old units keep their rows, so dossiers and statistics recorded against them stay intact.
    """
    if not predecessors:
        raise ApplicationError(gettext("Name at least one unit to reorganise."), code="invalid")
    parents = {u.parent_id for u in predecessors}
    if len(parents) != 1:
        raise ApplicationError(gettext("Units to merge must share a parent."), code="invalid_parent")
    for unit in predecessors:
        if not unit.is_current:
            raise ApplicationError(
                gettext("%(unit)s has already been reorganised.") % {"unit": unit.name}, code="not_current"
            )
        _require(actor, "orgs.manage_officials", unit.path)
    last_day = effective - dt.timedelta(days=1)
    for unit in predecessors:
        before = snapshot(unit, UNIT_FIELDS)
        unit.valid_to = last_day
        unit.save(update_fields=["valid_to"])
        audit_record(
            actor=actor,
            action="unit.retire",
            target=unit,
            unit_path=unit.path,
            before=before,
            after=snapshot(unit, UNIT_FIELDS),
        )
    successor = unit_create(
        actor=None, kind=kind, name=name, code=code, parent=predecessors[0].parent, valid_from=effective, source=source
    )
    successor.predecessors.set(predecessors)
    for child in AdministrativeUnit.objects.filter(parent__in=predecessors, valid_to__isnull=True):
        _move_subtree(child, successor)
    return successor


def _move_subtree(unit: AdministrativeUnit, new_parent: AdministrativeUnit) -> None:
    old_path, new_path = unit.path, f"{new_parent.path}{unit.pk}/"
    for row in AdministrativeUnit.objects.filter(path__startswith=old_path):
        row.path = new_path + row.path[len(old_path) :]
        row.save(update_fields=["path"])
    AdministrativeUnit.objects.filter(pk=unit.pk).update(parent=new_parent)


@transaction.atomic
def agency_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    unit: AdministrativeUnit,
    short_name: str = "",
    parent: Agency | None = None,
    address: str = "",
    hotline: str = "",
) -> Agency:
    _require(actor, "orgs.manage_officials", unit.path)
    if Agency.objects.filter(code=code).exists():
        raise ApplicationError(
            gettext("An agency with code %(code)s already exists.") % {"code": code}, code="duplicate"
        )
    agency = Agency.objects.create(
        code=code,
        name=name,
        kind=kind,
        unit=unit,
        short_name=short_name,
        parent=parent,
        address=address,
        hotline=hotline,
    )
    audit_record(
        actor=actor, action="agency.create", target=agency, unit_path=unit.path, after=snapshot(agency, AGENCY_FIELDS)
    )
    return agency


@transaction.atomic
def desk_create(*, actor, agency: Agency, code: str, name: str) -> Desk:
    _require(actor, "orgs.manage_officials", agency.unit.path)
    desk = Desk.objects.create(agency=agency, code=code, name=name)
    audit_record(
        actor=actor,
        action="desk.create",
        target=desk,
        unit_path=agency.unit.path,
        after={"agency": str(agency), "code": code, "name": name},
    )
    return desk


@transaction.atomic
def official_create(
    *,
    actor,
    username: str,
    full_name: str,
    password: str | None,
    unit: AdministrativeUnit,
    role: str,
    agency: Agency | None = None,
    desk: Desk | None = None,
    email: str = "",
):
    """An official's login together with their first membership, so nobody exists without a place.

    `password` None: the official sets it through an invitation link (ketnoi.accounts.services.official_invite).
    """
    User = get_user_model()
    username = username.strip().lower()
    if not username:
        raise ApplicationError(gettext("A username is required."), code="invalid")
    if User.objects.filter(username=username).exists():
        raise ApplicationError(
            gettext("The username %(username)s is taken.") % {"username": username}, code="duplicate"
        )
    _require(actor, "orgs.manage_officials", unit.path)
    first, _, last = full_name.strip().rpartition(" ")
    user = User(username=username, first_name=first or last, last_name=last if first else "", email=email)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="official.create",
        target=user,
        unit_path=unit.path,
        after={"username": username, "full_name": full_name.strip(), "email": email},
    )
    membership_grant(actor=actor, user=user, unit=unit, role=role, agency=agency, desk=desk)
    return user


@transaction.atomic
def membership_grant(
    *,
    actor,
    user,
    unit: AdministrativeUnit,
    role: str,
    agency: Agency | None = None,
    desk: Desk | None = None,
) -> Membership:
    _require(actor, "orgs.manage_officials", unit.path)
    if role == Role.SYSTEM_ADMIN and actor is not None and not scope_of(actor).is_system_admin:
        raise NotPermitted(gettext("Only a system administrator can grant that role."))
    if agency is not None and not agency.unit.path.startswith(unit.path):
        raise ApplicationError(gettext("The agency must belong to the unit."), code="invalid")
    if desk is not None and desk.agency_id != getattr(agency, "id", None):
        raise ApplicationError(gettext("The desk must belong to the agency."), code="invalid")
    membership, created = Membership.objects.get_or_create(
        user=user, unit=unit, agency=agency, role=role, defaults={"desk": desk}
    )
    if not created and membership.is_active and membership.desk_id == getattr(desk, "id", None):
        return membership
    before = {} if created else snapshot(membership, MEMBERSHIP_FIELDS)
    membership.is_active, membership.desk = True, desk
    membership.save(update_fields=["is_active", "desk"])
    if role == Role.SYSTEM_ADMIN and not user.is_staff:
        user.is_staff = user.is_superuser = True  # Django admin stays for system administrators only.
        user.save(update_fields=["is_staff", "is_superuser"])
    audit_record(
        actor=actor,
        action="membership.grant",
        target=membership,
        unit_path=unit.path,
        before=before,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership: Membership) -> Membership:
    _require(actor, "orgs.manage_officials", membership.unit.path)
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="membership.revoke",
        target=membership,
        unit_path=membership.unit.path,
        before=before,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


def setup_needed() -> bool:
    """True while the installation has no system administrator: the first-run set-up is open only then."""
    User = get_user_model()
    has_admin = Membership.objects.filter(role=Role.SYSTEM_ADMIN, is_active=True, user__is_active=True).exists()
    return not has_admin and not User.objects.filter(is_superuser=True, is_active=True).exists()


@transaction.atomic
def province_setup(
    *,
    province_name: str,
    province_code: str,
    kind: str = UnitKind.PROVINCE,
    username: str,
    full_name: str,
    email: str = "",
    password: str,
    valid_from: dt.date | None = None,
) -> tuple[AdministrativeUnit, object]:
    """First run: the province unit and its first system administrator, on an installation that has neither.

    Everything else (communes, agencies, desks, officials, channels) is then done from the console.
    """
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    if not setup_needed():
        raise NotPermitted(gettext("This installation already has an administrator."))
    if kind not in (UnitKind.PROVINCE, UnitKind.CITY):
        raise ApplicationError(gettext("Choose a province or a centrally-run city."), code="invalid")
    code = province_code.strip()
    if not (code.isdigit() and len(code) == 2):
        raise ApplicationError(gettext("The province code has two digits (statistics office list)."), code="invalid")
    if not province_name.strip():
        raise ApplicationError(gettext("The province name is required."), code="invalid")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="invalid") from exc
    province = AdministrativeUnit.objects.filter(parent=None, valid_to__isnull=True, kind__in=PROVINCE_KINDS).first()
    if province is None:
        province = unit_create(actor=None, kind=kind, name=province_name, code=code, valid_from=valid_from)
    user = official_create(
        actor=None,
        username=username,
        full_name=full_name,
        password=password,
        unit=province,
        role=Role.SYSTEM_ADMIN,
        email=email,
    )
    audit_record(
        actor=None,
        action="province.setup",
        target=province,
        unit_path=province.path,
        after={"province": province.name, "code": province.code, "administrator": user.get_username()},
    )
    return province, user


@transaction.atomic
def unit_update(
    *,
    actor,
    unit: AdministrativeUnit,
    name: str,
    code: str = "",
    source: str = "",
    valid_from: dt.date | None = None,
) -> AdministrativeUnit:
    """Correct a unit's name, code, source or start date. A real renaming by a resolution is a reorganisation
    (unit_reorganize), so that the old name stays on the records made under it."""
    _require(actor, "orgs.manage_officials", unit.path)
    if not unit.is_current:
        raise ApplicationError(gettext("A former unit cannot be changed."), code="not_current")
    code = code.strip()
    if code and AdministrativeUnit.objects.filter(code=code, valid_to__isnull=True).exclude(pk=unit.pk).exists():
        raise ApplicationError(
            gettext("Another current unit has the code %(code)s.") % {"code": code}, code="duplicate"
        )
    if not name.strip():
        raise ApplicationError(gettext("The name is required."), code="invalid")
    before = snapshot(unit, UNIT_FIELDS)
    unit.name, unit.code, unit.source, unit.valid_from = name.strip(), code, source.strip(), valid_from
    unit.save(update_fields=["name", "code", "source", "valid_from"])
    audit_record(
        actor=actor,
        action="unit.update",
        target=unit,
        unit_path=unit.path,
        before=before,
        after=snapshot(unit, UNIT_FIELDS),
    )
    return unit


@transaction.atomic
def unit_import(*, actor, file_name: str, content: bytes):
    """The official list of units (CSV/XLSX): create, update or reorganise by code; all or nothing, with a report.

    Each written row goes through unit_create / unit_update / unit_reorganize, so paths, history and audit rows are
    the same as when the units are made one by one in the console.
    """
    from ketnoi.core.tabular import MAX_ROWS

    from .importing import ImportReport, read_unit_rows

    report = ImportReport(file_name=file_name)
    province = AdministrativeUnit.objects.filter(parent=None, valid_to__isnull=True, kind__in=PROVINCE_KINDS).first()
    if province is None:
        report.error(0, "file", gettext("Set up the province first."))
        return report
    rows = read_unit_rows(file_name, content, report, province_code=province.code)
    if len(rows) > MAX_ROWS:
        report.error(0, "file", gettext("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
        return report
    report.rows = len(rows)
    current = {u.code: u for u in AdministrativeUnit.objects.filter(valid_to__isnull=True).exclude(code="")}
    known = set(AdministrativeUnit.objects.exclude(code="").values_list("code", flat=True))
    in_file: dict[str, object] = {}
    for row in rows:
        if row.code and row.code in in_file:
            report.error(row.row, "code", gettext("The code %(code)s appears twice in the file.") % {"code": row.code})
        in_file[row.code] = row
    scope = scope_of(actor).narrowed("orgs.manage_officials") if actor is not None else None
    for row in rows:
        parent_code = row.parent_code if row.parent_code not in ("", province.code) else province.code
        parent_kind = (
            current[parent_code].kind if parent_code in current else getattr(in_file.get(parent_code), "kind", None)
        )
        if parent_kind is None:
            report.error(row.row, "parent_code", gettext("No unit has the code %(code)s.") % {"code": parent_code})
        elif row.kind and parent_kind not in ALLOWED_PARENT_KINDS[UnitKind(row.kind)]:
            report.error(
                row.row,
                "kind",
                gettext("A %(kind)s cannot sit under a %(parent)s.")
                % {"kind": UnitKind(row.kind).label, "parent": UnitKind(parent_kind).label},
            )
        for old in row.predecessors:
            if old not in known:
                report.error(row.row, "predecessors", gettext("No unit has the code %(code)s.") % {"code": old})
        if scope is not None and parent_code in current and not scope.covers_path(current[parent_code].path):
            report.error(row.row, "parent_code", gettext("That unit is not in your charge."))
    if not report.ok:
        report.errors.sort(key=lambda e: (e.row, e.field))
        return report
    pending = list(rows)  # parents first: a village's commune may be a row of the same file
    while pending:
        ready = [r for r in pending if r.parent_code in ("", province.code) or r.parent_code in current]
        if not ready:
            break
        for row in ready:
            pending.remove(row)
            _import_unit_row(actor=actor, row=row, province=province, current=current, report=report)
    return report


def _import_unit_row(*, actor, row, province, current, report) -> None:
    parent = current.get(row.parent_code) if row.parent_code not in ("", province.code) else province
    live_predecessors = [current[c] for c in row.predecessors if c in current and current[c].parent_id == parent.pk]
    if live_predecessors and row.valid_from is not None:
        unit = unit_reorganize(
            actor=actor,
            predecessors=live_predecessors,
            kind=row.kind,
            name=row.name,
            code=row.code,
            effective=row.valid_from,
            source=row.source,
        )
        for old in live_predecessors:
            current.pop(old.code, None)
        current[row.code] = unit
        report.created.append(row.code)
        return
    existing = current.get(row.code)
    if existing is None:
        current[row.code] = unit_create(
            actor=actor,
            kind=row.kind,
            name=row.name,
            code=row.code,
            parent=parent,
            valid_from=row.valid_from,
            source=row.source,
        )
        report.created.append(row.code)
        return
    if existing.parent_id != parent.pk or existing.kind != row.kind:
        report.warnings.append(
            gettext("Row %(row)s: %(code)s keeps its place and kind; change them by reorganising the unit.")
            % {"row": row.row, "code": row.code}
        )
    same = existing.name == row.name and (not row.source or existing.source == row.source)
    same = same and (row.valid_from is None or existing.valid_from == row.valid_from)
    if same:
        report.unchanged.append(row.code)
        return
    unit_update(
        actor=actor,
        unit=existing,
        name=row.name,
        code=row.code,
        source=row.source or existing.source,
        valid_from=row.valid_from or existing.valid_from,
    )
    report.updated.append(row.code)


@transaction.atomic
def agency_update(
    *,
    actor,
    agency: Agency,
    name: str,
    short_name: str = "",
    kind: str,
    parent: Agency | None = None,
    address: str = "",
    hotline: str = "",
    is_active: bool = True,
) -> Agency:
    """Everything but the code (it is printed in receipt codes already issued) and the unit."""
    _require(actor, "orgs.manage_officials", agency.unit.path)
    if parent is not None and (parent.pk == agency.pk or not agency.unit.path.startswith(parent.unit.path)):
        raise ApplicationError(gettext("The parent agency must serve the same unit or one above it."), code="invalid")
    if not name.strip():
        raise ApplicationError(gettext("The name is required."), code="invalid")
    before = snapshot(agency, AGENCY_FIELDS)
    agency.name, agency.short_name, agency.kind, agency.parent = name.strip(), short_name.strip(), kind, parent
    agency.address, agency.hotline, agency.is_active = address.strip(), hotline.strip(), is_active
    agency.save()
    audit_record(
        actor=actor,
        action="agency.update",
        target=agency,
        unit_path=agency.unit.path,
        before=before,
        after=snapshot(agency, AGENCY_FIELDS),
    )
    return agency


DESK_FIELDS = ("agency", "code", "name", "is_active")


@transaction.atomic
def desk_update(*, actor, desk: Desk, name: str, is_active: bool = True) -> Desk:
    _require(actor, "orgs.manage_officials", desk.agency.unit.path)
    if not name.strip():
        raise ApplicationError(gettext("The name is required."), code="invalid")
    before = snapshot(desk, DESK_FIELDS)
    desk.name, desk.is_active = name.strip(), is_active
    desk.save(update_fields=["name", "is_active"])
    audit_record(
        actor=actor,
        action="desk.update",
        target=desk,
        unit_path=desk.agency.unit.path,
        before=before,
        after=snapshot(desk, DESK_FIELDS),
    )
    return desk


# -- the working-day calendar (its days: ketnoi/orgs/calendar.py) --------------------------------------------------


def _require_system_admin(actor: ActorLike) -> None:
    if actor is not None and not scope_of(actor).is_system_admin:
        raise NotPermitted(gettext("Only system administrators manage the working-day calendar."))


def _province_path() -> str:
    root = AdministrativeUnit.objects.filter(parent=None, valid_to__isnull=True).order_by("path").first()
    return root.path if root else "/"


@transaction.atomic
def seed_calendar_year(*, year: int, actor: ActorLike = None) -> list[CalendarDay]:
    """Insert the year's holidays, official days off and swapped working days not already present. Idempotent."""
    _require_system_admin(actor)
    if not 1990 <= year <= 2100:
        raise ApplicationError(gettext("Choose a year between 1990 and 2100."), code="invalid_year")
    existing = set(CalendarDay.objects.filter(date__year=year).values_list("date", flat=True))
    created = []
    for day, kind, name, source in [*OFFICIAL_DAYS.get(year, []), *package_days(year)]:
        if day in existing:
            continue
        existing.add(day)
        created.append(CalendarDay(date=day, kind=kind, name=name[:200], source_document=source[:300]))
    CalendarDay.objects.bulk_create(created)
    if created:
        target = CalendarDay.objects.get(date=created[0].date)
        audit_record(
            actor=actor,
            action="calendar.seed",
            target=target,
            unit_path=_province_path(),
            after={"year": year, "dates": [d.date.isoformat() for d in created]},
        )
        invalidate_calendar_cache_on_commit()
    return created


@transaction.atomic
def calendar_day_set(
    *, actor: ActorLike, date: dt.date, kind: str, name: str, source_document: str = ""
) -> CalendarDay:
    """Create or replace the entry for one date; an administrator's row overrides a seeded one.

    A working_day row on a weekday is allowed: it cancels a holiday that seeding would otherwise add back.
    """
    _require_system_admin(actor)
    if kind not in CalendarDayKind.values:
        raise ApplicationError(f"Unknown kind {kind!r}.", code="invalid_kind")
    name = name.strip()
    if not name:
        raise ApplicationError(gettext("Give the day a name."), code="name_required")
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = snapshot(row, CALENDAR_FIELDS) if row else None
    if row is None:
        row = CalendarDay(date=date)
    row.kind, row.name, row.source_document = kind, name[:200], source_document.strip()[:300]
    row.created_by = as_actor(actor).user
    row.save()
    audit_record(
        actor=actor,
        action="calendar.update" if before else "calendar.create",
        target=row,
        unit_path=_province_path(),
        before=before,
        after=snapshot(row, CALENDAR_FIELDS),
    )
    invalidate_calendar_cache_on_commit()
    return row


@transaction.atomic
def calendar_day_remove(*, actor: ActorLike, date: dt.date) -> None:
    """Delete the entry for one date: the day goes back to the plain Monday-Friday rule."""
    _require_system_admin(actor)
    row = CalendarDay.objects.select_for_update().filter(date=date).first()
    if row is None:
        raise ApplicationError(gettext("There is no calendar entry for this date."), code="not_found")
    audit_record(
        actor=actor,
        action="calendar.delete",
        target=row,
        unit_path=_province_path(),
        before=snapshot(row, CALENDAR_FIELDS),
    )
    row.delete()
    invalidate_calendar_cache_on_commit()
