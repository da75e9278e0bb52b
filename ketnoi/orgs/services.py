"""Writes to organisation data: keyword-only, one transaction, one audit row each."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext

from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError, NotPermitted

from .models import COMMUNE_KINDS, AdministrativeUnit, Agency, Desk, Membership, UnitKind
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
    password: str,
    unit: AdministrativeUnit,
    role: str,
    agency: Agency | None = None,
    desk: Desk | None = None,
    email: str = "",
):
    """An official's login together with their first membership, so nobody exists without a place."""
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
