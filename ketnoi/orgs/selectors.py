"""Reads of organisation data. Each takes the acting official; scoping happens through OfficialScope only."""

from collections.abc import Iterable
from uuid import UUID

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from ketnoi.core.models import AuditEntry
from ketnoi.core.text import fold

from .models import PROVINCE_KINDS, AdministrativeUnit, Agency, Desk, Membership
from .roles import roles_with
from .scoping import scope_of


def province_name() -> str:
    province = AdministrativeUnit.objects.filter(kind__in=PROVINCE_KINDS, parent=None, valid_to=None).first()
    return province.name if province else ""


def unit_list(*, official, kind: str = "", query: str = "", include_past: bool = False) -> QuerySet[AdministrativeUnit]:
    units = scope_of(official).filter(AdministrativeUnit.objects.all(), "path")
    if not include_past:
        units = units.filter(valid_to__isnull=True)
    if kind:
        units = units.filter(kind=kind)
    if query:
        folded = fold(query)
        matching = [u.pk for u in units.only("pk", "name", "code") if folded in fold(u.name) or query in u.code]
        units = units.filter(pk__in=matching)
    return units.select_related("parent")


def unit_get(*, official, uuid: UUID) -> AdministrativeUnit:
    units = scope_of(official).filter(AdministrativeUnit.objects.all(), "path")
    return get_object_or_404(units.select_related("parent"), uuid=uuid)


def agency_list(*, official, unit: AdministrativeUnit | None = None) -> QuerySet[Agency]:
    agencies = scope_of(official).filter(Agency.objects.all(), "unit__path", "id")
    if unit is not None:
        agencies = agencies.filter(unit=unit)
    return agencies.select_related("unit", "parent")


def agency_get(*, official, uuid: UUID) -> Agency:
    return get_object_or_404(agency_list(official=official), uuid=uuid)


def desk_list(*, official, agency: Agency | None = None) -> QuerySet[Desk]:
    desks = scope_of(official).filter(Desk.objects.all(), "agency__unit__path", "agency_id")
    if agency is not None:
        desks = desks.filter(agency=agency)
    return desks.select_related("agency")


def membership_list(*, official, query: str = "") -> QuerySet[Membership]:
    scope = scope_of(official).narrowed("orgs.view")
    memberships = scope.filter(Membership.objects.all(), "unit__path", "agency_id")
    if query:
        memberships = memberships.filter(
            Q(user__username__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
        )
    return memberships.select_related("user", "unit", "agency", "desk")


def membership_get(*, official, uuid: UUID) -> Membership:
    return get_object_or_404(membership_list(official=official), uuid=uuid)


def audit_list(*, official, action: str = "", actor: str = "", target: str = "") -> QuerySet[AuditEntry]:
    scope = scope_of(official)
    if not scope.can("audit.view"):
        return AuditEntry.objects.none()
    entries = scope.narrowed("audit.view").filter(AuditEntry.objects.all(), "unit_path")
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if target:
        entries = entries.filter(Q(target_label__icontains=target) | Q(target_id=target))
    return entries


def audit_get(*, official, entry_id: int) -> AuditEntry:
    return get_object_or_404(audit_list(official=official), pk=entry_id)


def home_units(*, official) -> QuerySet[AdministrativeUnit]:
    """The units an official's memberships are anchored at (the top of each subtree they cover)."""
    return AdministrativeUnit.objects.filter(memberships__user=official, memberships__is_active=True).distinct()


def scope_in_words(
    *, role: str, unit: AdministrativeUnit, agency: Agency | None = None, desk: Desk | None = None
) -> str:
    """One sentence saying where a membership reaches: the unit's whole subtree, or one agency (and its units)."""
    from django.utils.translation import gettext as _

    from .roles import Role

    label = Role(role).label
    if desk is not None:
        return _("%(role)s at %(desk)s of %(agency)s: what that agency handles in %(unit)s and below.") % {
            "role": label, "desk": desk.name, "agency": desk.agency.name, "unit": unit.name,
        }  # fmt: skip
    if agency is not None:
        return _("%(role)s in %(agency)s and its units only: what that agency handles, not the rest of %(unit)s.") % {
            "role": label, "agency": agency.name, "unit": unit.name,
        }  # fmt: skip
    below = unit.children.filter(valid_to__isnull=True).count()
    return _("%(role)s of %(unit)s and everything under it (%(n)s units below).") % {
        "role": label, "unit": unit.name, "n": below,
    }  # fmt: skip


def nearest_holders(
    *, capability: str, unit: AdministrativeUnit, agency: Agency | None = None, exclude: Iterable[int] = ()
) -> list:
    """The officials who hold `capability` over `unit` (and, when given, `agency`), the nearest level only: whom to
    ask first, so an approval request goes to the ward's leader rather than to every leader of the province.

    Without `agency`, any membership on the unit or above it counts, nearest unit first (the broadcasts' rule:
    covers_path). With `agency`, memberships narrowed to that agency or a parent agency come first, nearest agency
    first, then unit-wide memberships on the unit or above it (the petitions' rule: scope by agency or unit).
    `exclude`: user ids left out (the author: four eyes); the next level answers when the nearest has no one else.
    """
    paths = [unit.path[: end + 1] for end in range(1, len(unit.path)) if unit.path[end] == "/"]
    chain: list[int] = []
    current = agency
    while current is not None:
        chain.append(current.pk)
        current = current.parent
    memberships = Membership.objects.filter(is_active=True, user__is_active=True, role__in=roles_with(capability))
    if agency is None:
        memberships = memberships.filter(unit__path__in=paths)
    else:
        memberships = memberships.filter(Q(agency__isnull=True, unit__path__in=paths) | Q(agency_id__in=chain))
    ranked: dict[int, list] = {}
    for membership in memberships.exclude(user_id__in=list(exclude)).select_related("user", "unit"):
        if agency is not None and membership.agency_id is not None:
            rank = chain.index(membership.agency_id)
        else:
            rank = len(chain) + unit.path.count("/") - membership.unit.path.count("/")
        ranked.setdefault(rank, [])
        if membership.user not in ranked[rank]:
            ranked[rank].append(membership.user)
    return ranked[min(ranked)] if ranked else []
