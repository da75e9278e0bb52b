"""Reads of petitions. Officials' selectors take the acting official and filter through OfficialScope: a petition
is visible to the officials of its owner agency's unit (or, for agency memberships, of the owner agency).
Public reads (disclosure page, tracking) give only what publication or the petitioner's token allows."""

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ketnoi.core.text import fold
from ketnoi.core.workdays import working_days_between
from ketnoi.orgs.models import Agency, AgencyKind
from ketnoi.orgs.roles import roles_with
from ketnoi.orgs.scoping import scope_of

from .models import (
    AnswerStatus,
    BusinessPolicy,
    DeadlineAlert,
    Petition,
    PetitionAnswer,
    PetitionAttachment,
    PetitionCategory,
    PetitionerType,
)
from .states import ANSWER_CLOCK_STATES, DECISION_STATES, FINAL_STATES, State


def petition_scope_q(scope, capability: str | None = "petitions.view") -> Q:
    is_api_client = any(g.role == "api_client" for g in scope.grants)
    if capability is not None and not scope.everything and not is_api_client:
        scope = scope.narrowed(capability)
    return scope.q("unit__path", "owner_agency_id")


def overdue_q(today: dt.date | None = None) -> Q:
    """Overdue, derived: the answer (or, before a decision, the acknowledgement) deadline has passed."""
    today = today or timezone.localdate()
    return Q(state__in=ANSWER_CLOCK_STATES, answer_due__lt=today) | Q(
        state__in=DECISION_STATES, acknowledge_due__lt=today
    )


def petition_list(
    *,
    official,
    states: list[str] | None = None,
    query: str = "",
    agency: Agency | None = None,
    overdue: bool | None = None,
    mine: bool = False,
    business_only: bool = False,
    capability: str = "petitions.view",
    today: dt.date | None = None,
) -> QuerySet[Petition]:
    scope = scope_of(official)
    petitions = Petition.objects.filter(petition_scope_q(scope, capability)).select_related(
        "category", "owner_agency", "assignee", "area"
    )
    if states:
        petitions = petitions.filter(state__in=states)
    if agency is not None:
        petitions = petitions.filter(owner_agency=agency)
    if overdue:
        petitions = petitions.filter(overdue_q(today))
    if mine:
        petitions = petitions.filter(assignee_id=official.pk)
    if business_only:
        petitions = petitions.filter(petitioner_type=PetitionerType.BUSINESS)
    query = (query or "").strip()
    if query:
        folded = fold(query)
        petitions = petitions.filter(
            Q(tracking_code__iexact=query)
            | Q(text_folded__contains=folded)
            | Q(petitioner_name_folded__contains=folded)
            | Q(tax_code=query)
        )
    return petitions.order_by("answer_due", "received_at", "id")


def answers_awaiting_approval(*, official) -> QuerySet[Petition]:
    """Petitions whose answer this official may approve now: in their approval scope, drafted by someone else."""
    own_draft = PetitionAnswer.objects.filter(
        petition=OuterRef("pk"), status=AnswerStatus.SUBMITTED, drafted_by_id=official.pk
    )
    waiting = petition_list(official=official, states=[State.AWAITING_APPROVAL], capability="answers.approve")
    return waiting.exclude(Exists(own_draft))


def petition_get(*, official, uuid: UUID | str, capability: str = "petitions.view") -> Petition:
    """One petition in the official's scope, or 404."""
    scope = scope_of(official)
    return get_object_or_404(
        Petition.objects.filter(petition_scope_q(scope, capability)).select_related(
            "category", "owner_agency", "assignee", "area", "unit", "channel_contact", "duplicate_of"
        ),
        uuid=uuid,
    )


def petition_attachment_get(*, official, petition_uuid: UUID | str, uuid: UUID | str) -> PetitionAttachment:
    """A photo or file sent with a petition, for an official who may see the petition; else 404."""
    petition = petition_get(official=official, uuid=petition_uuid)
    return get_object_or_404(PetitionAttachment.objects.exclude(file=""), petition=petition, uuid=uuid)


def petition_in_scope(*, official, petition: Petition, capability: str) -> bool:
    scope = scope_of(official)
    if not scope.can(capability):
        return False
    return Petition.objects.filter(petition_scope_q(scope, capability), pk=petition.pk).exists()


def assignee_choices(petition: Petition) -> list:
    """Officials a petition can be given to: active, with a role that handles petitions, over the petition's unit
    (or a unit above it) or over its owner agency (or an agency above it) — the rule the assignment service checks."""
    path, unit_paths = petition.unit.path, []
    for end in range(1, len(path)):
        if path[end] == "/":
            unit_paths.append(path[: end + 1])
    agency_ids, agency = [], petition.owner_agency
    while agency is not None:
        agency_ids.append(agency.pk)
        agency = agency.parent
    users = get_user_model().objects.filter(
        Q(memberships__agency__isnull=True, memberships__unit__path__in=unit_paths)
        | Q(memberships__agency_id__in=agency_ids),
        memberships__is_active=True,
        memberships__role__in=roles_with("petitions.handle"),
        is_active=True,
    )
    return list(users.distinct().order_by("last_name", "first_name", "username"))


def petition_by_code(code: str) -> Petition | None:
    return Petition.objects.filter(tracking_code__iexact=(code or "").strip()).select_related("owner_agency").first()


def likely_duplicates(petition: Petition, *, days: int | None = None, limit: int = 5) -> list[tuple[Petition, float]]:
    """Open petitions about the same place and subject: same area and category within N days, ranked by the
    similarity of their folded words (Jaccard on word sets), keeping those above the threshold."""
    days = days if days is not None else getattr(settings, "PETITION_DUPLICATE_DAYS", 30)
    threshold = getattr(settings, "PETITION_DUPLICATE_SIMILARITY", 0.35)
    since = petition.received_at - dt.timedelta(days=days)
    candidates = (
        Petition.objects.filter(
            area=petition.area, category=petition.category, received_at__gte=since, duplicate_of__isnull=True
        )
        .exclude(pk=petition.pk)
        .exclude(state__in=FINAL_STATES)
        .select_related("owner_agency")[:200]
    )
    own = _words(petition.text_folded)
    scored = [(other, _jaccard(own, _words(other.text_folded))) for other in candidates]
    scored = [(other, round(score, 2)) for other, score in scored if score >= threshold]
    return sorted(scored, key=lambda pair: -pair[1])[:limit]


def _words(folded: str) -> set[str]:
    return {word for word in "".join(c if c.isalnum() else " " for c in folded).split() if len(word) > 1}


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def category_choices(*, unit, audience: str | None = None) -> QuerySet[PetitionCategory]:
    """The active categories of a unit's province (the nearest unit up the tree that has any)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    categories = PetitionCategory.objects.filter(unit_id__in=ids, is_active=True)
    if audience:
        categories = categories.filter(audience__in=[audience, "both"])
    return categories.order_by("position", "name")


def alerts_for(*, official, limit: int = 20) -> QuerySet[DeadlineAlert]:
    """The latest reminders and escalations about petitions the official can see (the console's list)."""
    scope = scope_of(official)
    visible = Petition.objects.filter(petition_scope_q(scope)).values("pk")
    return DeadlineAlert.objects.filter(petition_id__in=visible).select_related("petition")[:limit]


# Public disclosure ---------------------------------------------------------------------------------------------


def public_petition_list(*, area) -> QuerySet[Petition]:
    """Petitions about `area` or a unit under it, for public listings (Open311 without a key). Callers show only
    what carries no personal data: category, status, dates, agency, unit, and the anonymised public_* fields."""
    return Petition.objects.filter(area__path__startswith=area.path)


def published_petitions(*, query: str = "", business_only: bool = False) -> QuerySet[Petition]:
    """Answered petitions approved for publication: only the anonymised public_* fields may be shown."""
    petitions = Petition.objects.filter(published_at__isnull=False).select_related("category", "owner_agency")
    if business_only:
        petitions = petitions.filter(petitioner_type=PetitionerType.BUSINESS)
    folded = fold(query or "")
    if folded:
        for word in folded.split():
            petitions = petitions.filter(public_folded__contains=word)
    return petitions.order_by("-published_at", "-id")


@dataclass(frozen=True)
class AgencyRecord:
    agency: Agency
    answered: int
    on_time: int
    average_days: float | None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.answered, 1) if self.answered else None


def agency_records(*, since: dt.datetime | None = None) -> list[AgencyRecord]:
    """Each agency's answered petitions, the share answered by the answer deadline, and the average answer
    time in working days (received -> first answer), for the public page."""
    petitions = Petition.objects.filter(first_answered_at__isnull=False).select_related("owner_agency")
    if since is not None:
        petitions = petitions.filter(first_answered_at__gte=since)
    by_agency: dict[int, list[Petition]] = {}
    for petition in petitions.only("owner_agency", "received_at", "first_answered_at", "answer_due"):
        by_agency.setdefault(petition.owner_agency_id, []).append(petition)
    agencies = Agency.objects.in_bulk(list(by_agency))
    records = []
    for agency_id, rows in by_agency.items():
        on_time = sum(1 for p in rows if p.answered_on_time)
        days = [working_days_between(p.received_at, p.first_answered_at) for p in rows]
        records.append(AgencyRecord(agencies[agency_id], len(rows), on_time, round(sum(days) / len(days), 1)))
    return sorted(records, key=lambda r: r.agency.name)


def published_policies(*, limit: int = 50) -> QuerySet[BusinessPolicy]:
    return BusinessPolicy.objects.filter(is_published=True).order_by("-published_at")[:limit]


def policy_list(*, official) -> QuerySet[BusinessPolicy]:
    scope = scope_of(official).narrowed("petitions.policies")
    return BusinessPolicy.objects.filter(scope.q("unit__path")).order_by("-created_at")


def policy_get(*, official, uuid) -> BusinessPolicy:
    return get_object_or_404(policy_list(official=official), uuid=uuid)


OPEN_STATES_FOR_OVERSIGHT = [s for s in State.values if s not in FINAL_STATES]


def business_hotline() -> str:
    """The business hotline: settings.BUSINESS_HOTLINE, else the provincial service centre's hotline."""
    configured = getattr(settings, "BUSINESS_HOTLINE", "")
    if configured:
        return configured
    centre = Agency.objects.filter(kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE, is_active=True).exclude(hotline="")
    return centre.order_by("pk").values_list("hotline", flat=True).first() or ""


def configured_categories(*, official) -> QuerySet[PetitionCategory]:
    """Categories of the units the official configures (petitions.configure)."""
    scope = scope_of(official).narrowed("petitions.configure")
    return (
        PetitionCategory.objects.filter(scope.q("unit__path")).select_related("unit").order_by("unit__path", "position")
    )


def configured_rules(*, official) -> QuerySet:
    from .models import RoutingRule

    scope = scope_of(official).narrowed("petitions.configure")
    return (
        RoutingRule.objects.filter(scope.q("unit__path"), is_active=True)
        .select_related("category", "area", "agency", "unit")
        .order_by("unit__path", "category__position", "area__path")
    )
