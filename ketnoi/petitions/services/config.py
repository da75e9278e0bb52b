"""Configuration: petition categories per province (with their deadlines), routing rules, the business policy feed."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.text import nfc
from ketnoi.core.urls import clean_http_url
from ketnoi.orgs.models import AdministrativeUnit, Agency
from ketnoi.orgs.scoping import scope_of

from ..models import BusinessPolicy, PetitionCategory, RoutingRule


def _check(actor, capability: str, unit: AdministrativeUnit) -> None:
    if as_actor(actor).is_system:
        return  # the demo seeder and management commands
    scope = scope_of(actor)
    if not (scope.can(capability) and scope.narrowed(capability).covers_path(unit.path)):
        raise NotPermitted()


@transaction.atomic
def category_save(*, actor, unit: AdministrativeUnit, code: str, name: str, **fields) -> PetitionCategory:
    """Create or update a category of `unit` by code; fields: name_en, audience, *_days, open311_code, position."""
    _check(actor, "petitions.configure", unit)
    name = " ".join(nfc(name).split())
    if not code or not name:
        raise ApplicationError(_("A category needs a code and a name."), code="invalid_category")
    stages = {
        "forward": _("The deadline to forward"),
        "acknowledge": _("The deadline to acknowledge"),
        "answer": _("The deadline to answer"),
        "publish": _("The deadline to publish"),
    }
    for stage, deadline in stages.items():
        days = fields.get(f"{stage}_days")
        if days is not None and not 0 < int(days) <= 120:
            raise ApplicationError(
                _("%(deadline)s must be 1 to 120 working days.") % {"deadline": deadline}, code="invalid_days"
            )
    category = PetitionCategory.objects.filter(unit=unit, code=code).first()
    before = snapshot(category, ["name", "answer_days", "is_active"]) if category else None
    category = category or PetitionCategory(unit=unit, code=code)
    category.name = name
    for key, value in fields.items():
        setattr(category, key, value)
    category.save()
    audit_record(
        actor=actor,
        action="petition_category.save",
        target=category,
        unit_path=unit.path,
        before=before,
        after=snapshot(category, ["name", "answer_days", "is_active"]),
    )
    return category


@transaction.atomic
def routing_rule_save(
    *, actor, unit: AdministrativeUnit, agency: Agency, category: PetitionCategory | None = None, area=None
) -> RoutingRule:
    """One rule: petitions of `category` (any if None) about `area` (anywhere in `unit` if None) go to `agency`."""
    _check(actor, "petitions.configure", unit)
    if area is not None and not area.path.startswith(unit.path):
        raise ApplicationError(
            _("%(area)s is outside %(unit)s.") % {"area": area.name, "unit": unit.name}, code="area_out_of_unit"
        )
    rule = RoutingRule.objects.filter(category=category, area=area, is_active=True).first()
    if rule is not None and rule.agency_id == agency.pk:
        return rule
    if rule is not None:
        rule.is_active = False
        rule.save(update_fields=["is_active"])
    rule = RoutingRule.objects.create(unit=unit, category=category, area=area, agency=agency)
    audit_record(
        actor=actor,
        action="petition_routing.save",
        target=rule,
        unit_path=unit.path,
        after={"category": str(category or "*"), "area": str(area or "*"), "agency": agency.code},
    )
    return rule


@transaction.atomic
def policy_save(
    *,
    actor,
    unit: AdministrativeUnit,
    title: str,
    summary: str = "",
    body: str = "",
    link: str = "",
    publish: bool = False,
    policy: BusinessPolicy | None = None,
) -> BusinessPolicy:
    """The communications editor writes (and publishes) an item of the business policy feed."""
    _check(actor, "petitions.policies", unit)
    title = " ".join(nfc(title).split())
    if not title:
        raise ApplicationError(_("Give the policy a title."), code="title_required")
    before = snapshot(policy, ["title", "is_published"]) if policy else None
    policy = policy or BusinessPolicy(unit=unit, created_by=as_actor(actor).user)
    policy.title = title[:200]
    policy.summary = nfc(summary).strip()
    policy.body = nfc(body).strip()
    policy.link = clean_http_url(link)
    if publish and not policy.is_published:
        policy.is_published = True
        policy.published_at = timezone.now()
    elif not publish:
        policy.is_published = False
    policy.save()
    audit_record(
        actor=actor,
        action="business_policy.save",
        target=policy,
        unit_path=unit.path,
        before=before,
        after=snapshot(policy, ["title", "is_published"]),
    )
    return policy
