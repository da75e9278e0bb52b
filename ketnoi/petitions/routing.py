"""Which agency is competent for a petition: rules of category and area (FixMyStreet's category x body routing).

Rules match when their category is the petition's (or empty: any category) and their area is the petition's
area or one of its ancestors (or empty: anywhere). The most specific rule wins: a category beats no category,
then the deepest area beats a shallower one. With no rule, the public service centre of the area's commune (else
of the province) takes the petition in: someone always owns it.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import COMMUNE_KINDS, PROVINCE_KINDS, AdministrativeUnit, Agency, AgencyKind

from .models import PetitionCategory, RoutingRule


def _ancestors(unit: AdministrativeUnit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def matching_rule(*, category: PetitionCategory, area: AdministrativeUnit) -> RoutingRule | None:
    ids = _ancestors(area)
    rules = RoutingRule.objects.filter(is_active=True, agency__is_active=True).select_related("area", "agency")
    candidates = list(
        rules.filter(Q(category=category) | Q(category__isnull=True), Q(area_id__in=ids) | Q(area__isnull=True))
    )
    if not candidates:
        return None

    def specificity(rule: RoutingRule) -> tuple[int, int, int]:
        depth = ids.index(rule.area_id) + 1 if rule.area_id else 0
        return (1 if rule.category_id else 0, depth, -rule.pk)

    return max(candidates, key=specificity)


def default_agency(area: AdministrativeUnit) -> Agency:
    chain = AdministrativeUnit.objects.in_bulk(_ancestors(area))
    for unit_id in reversed(_ancestors(area)):
        unit = chain[unit_id]
        kinds = (
            [AgencyKind.COMMUNE_SERVICE_CENTRE, AgencyKind.PEOPLES_COMMITTEE]
            if unit.kind in COMMUNE_KINDS
            else [AgencyKind.PROVINCIAL_SERVICE_CENTRE]
            if unit.kind in PROVINCE_KINDS
            else []
        )
        for kind in kinds:
            agency = Agency.objects.filter(unit=unit, kind=kind, is_active=True).order_by("pk").first()
            if agency is not None:
                return agency
    raise ApplicationError(
        _("No agency takes petitions about %(area)s: add a routing rule or a public service centre.")
        % {"area": area.name},
        code="no_competent_agency",
    )


def route(*, category: PetitionCategory, area: AdministrativeUnit) -> tuple[Agency, RoutingRule | None]:
    """The competent agency, and the rule that chose it (None: the default)."""
    rule = matching_rule(category=category, area=area)
    if rule is not None:
        return rule.agency, rule
    return default_agency(area), None
