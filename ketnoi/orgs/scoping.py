"""Who may see what: an official's scope is the union of their memberships' unit subtrees (or agency subtrees).

Every selector of tenant data filters through an OfficialScope, so scoping lives here and nowhere else.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from ketnoi.core.actor import ActorLike, as_actor

from .models import Agency, Membership
from .roles import Role, roles_with


@dataclass(frozen=True)
class Grant:
    role: str
    unit_path: str
    agency_ids: frozenset[int] | None  # the agency and its sub-agencies, when the membership is narrowed to one


@dataclass(frozen=True)
class OfficialScope:
    user_id: int | None
    everything: bool  # a superuser with no membership: the installation's own operator
    grants: tuple[Grant, ...]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def can(self, capability: str) -> bool:
        return self.everything or bool(self.roles & roles_with(capability))

    def narrowed(self, capability: str) -> "OfficialScope":
        """Only the memberships whose role carries the capability."""
        allowed = roles_with(capability)
        return OfficialScope(self.user_id, self.everything, tuple(g for g in self.grants if g.role in allowed))

    def q(self, unit_path_field: str, agency_field: str | None = None) -> Q:
        """A filter matching rows owned by a unit in scope (or, for agency memberships, by an agency in scope)."""
        if self.everything:
            return Q()
        parts = []
        for grant in self.grants:
            if grant.agency_ids is not None and agency_field:
                parts.append(Q(**{f"{agency_field}__in": grant.agency_ids}))
            else:
                parts.append(Q(**{f"{unit_path_field}__startswith": grant.unit_path}))
        return reduce(or_, parts) if parts else Q(pk__in=[])

    def filter(self, queryset: QuerySet, unit_path_field: str, agency_field: str | None = None) -> QuerySet:
        return queryset.filter(self.q(unit_path_field, agency_field))

    def covers_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(g.unit_path) for g in self.grants)

    @property
    def is_system_admin(self) -> bool:
        return self.everything or Role.SYSTEM_ADMIN in self.roles


NO_SCOPE = OfficialScope(None, False, ())


def _agency_subtree(agency_id: int) -> frozenset[int]:
    ids, frontier = {agency_id}, [agency_id]
    while frontier:
        frontier = list(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        ids.update(frontier)
    return frozenset(ids)


def scope_of(actor: ActorLike) -> OfficialScope:
    """The units and agencies an actor may act on: an official's memberships (cached on the user for the length of
    one request), an API client's unit, nothing for the system (services let the system through before asking)."""
    who = as_actor(actor)
    if who.is_api_client:
        return who.client.as_scope()
    user = who.user
    if user is None or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_ketnoi_scope", None)
    if cached is not None:
        return cached
    memberships = Membership.objects.filter(user=user, is_active=True, unit__valid_to__isnull=True)
    grants = tuple(
        Grant(m.role, m.unit.path, _agency_subtree(m.agency_id) if m.agency_id else None)
        for m in memberships.select_related("unit")
    )
    scope = OfficialScope(user.pk, user.is_superuser and not grants, grants)
    user._ketnoi_scope = scope
    return scope
