"""The teams that answer conversations: a unit's officials (inbox.services.common.answerers_of), named to the citizen
by the unit's public administration service centre where it has one ("Trung tâm Phục vụ hành chính công tỉnh …"),
and where a conversation may be passed on to: the units above the channel's unit (a ward hands a question up to the
province's centre) and below it, back down again, wherever someone answers."""

from django.db.models import Q

from ketnoi.orgs.models import AdministrativeUnit, Agency, AgencyKind, Membership
from ketnoi.orgs.roles import roles_with

from .models import Handoff

ANSWER = "inbox.answer"
CENTRE_KINDS = (AgencyKind.PROVINCIAL_SERVICE_CENTRE, AgencyKind.COMMUNE_SERVICE_CENTRE)


def team_name(unit: AdministrativeUnit) -> str:
    """What the citizen is told answers them: the unit's service centre, else the unit itself."""
    centre = Agency.objects.filter(unit=unit, kind__in=CENTRE_KINDS, is_active=True).order_by("pk").first()
    return centre.name if centre is not None else unit.name


def transfer_targets(handoff: Handoff) -> list[AdministrativeUnit]:
    """The units this conversation may be passed to: above or below its channel's unit (the channel's own unit
    included), current, with at least one active official who answers conversations; not the team it is with."""
    home = handoff.channel.unit
    above = [int(part) for part in home.path.strip("/").split("/") if part]
    answering = Membership.objects.filter(role__in=roles_with(ANSWER), is_active=True, user__is_active=True).values(
        "unit_id"
    )
    return list(
        AdministrativeUnit.objects.filter(Q(pk__in=above) | Q(path__startswith=home.path), valid_to__isnull=True)
        .filter(pk__in=answering)
        .exclude(pk=handoff.unit_id)
        .order_by("path")
    )
