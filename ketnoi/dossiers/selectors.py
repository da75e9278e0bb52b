"""Reads of dossiers. Officials' selectors take the acting official and filter through OfficialScope: a dossier is
visible to the officials of its receiving unit OR of its competent agency. Public lookups take a code or a token
and give no personal data beyond what the caller proves (see ketnoi.dossiers.tokens)."""

import datetime as dt
from uuid import UUID

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ketnoi.core.prepared import PreparedRead
from ketnoi.core.text import fold
from ketnoi.core.workdays import next_working_day
from ketnoi.orgs.scoping import scope_of

from .models import Dossier, DossierAlias, DossierAttachment, DossierEvent, EventOutcome
from .protect import id_number_hashes
from .states import CLOCK_STATES, State


def dossier_scope_q(scope, capability: str | None = "dossiers.view") -> Q:
    """Received in the official's units (or by their agencies) OR decided by their competent agencies."""
    # API clients hold the pseudo-role "api_client", which has no capabilities: they see their unit's subtree.
    is_api_client = any(g.role == "api_client" for g in scope.grants)
    if capability is not None and not scope.everything and not is_api_client:
        scope = scope.narrowed(capability)
    return scope.q("unit__path", "receiving_agency_id") | scope.q("competent_agency__unit__path", "competent_agency_id")


def overdue_q(today: dt.date | None = None) -> Q:
    """Overdue, derived: the clock runs and the due date has passed. (Finished dossiers: Dossier.is_overdue_on.)"""
    today = today or timezone.localdate()
    return Q(state__in=CLOCK_STATES, due_date__lt=today)


def at_risk_q(today: dt.date | None = None) -> Q:
    """Due on the next working day or earlier, clock running: the apology prompt's list (includes overdue)."""
    today = today or timezone.localdate()
    return Q(state__in=CLOCK_STATES, due_date__lte=next_working_day(today))


def with_flags(dossiers: QuerySet[Dossier], today: dt.date | None = None) -> QuerySet[Dossier]:
    """Annotate `overdue` and `at_risk` for queues (colours) without storing either."""
    today = today or timezone.localdate()
    return dossiers.annotate(
        overdue=Case(When(overdue_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()),
        at_risk=Case(When(at_risk_q(today), then=Value(True)), default=Value(False), output_field=BooleanField()),
    )


def dossier_list(
    *,
    official,
    states: list[str] | None = None,
    query: str = "",
    agency=None,
    overdue: bool | None = None,
    at_risk: bool | None = None,
    today: dt.date | None = None,
) -> QuerySet[Dossier]:
    """The processing queue: in scope, sorted by due date; search by code, alias, applicant name or phone end."""
    dossiers = Dossier.objects.filter(dossier_scope_q(scope_of(official)))
    if states:
        dossiers = dossiers.filter(state__in=states)
    if agency is not None:
        dossiers = dossiers.filter(Q(receiving_agency=agency) | Q(competent_agency=agency))
    if overdue:
        dossiers = dossiers.filter(overdue_q(today))
    if at_risk:
        dossiers = dossiers.filter(at_risk_q(today))
    query = (query or "").strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        code = query.replace(" ", "")
        match = Q(receipt_code__icontains=code) | Q(aliases__code__iexact=query) | Q(external_id=query)
        match |= Q(applicant_name__icontains=query) | Q(applicant_name_folded__contains=fold(query))
        if len(digits) >= 4 and len(digits) == len(query.replace(" ", "")):
            match |= Q(applicant_phone__endswith=digits[-9:])
        if len(digits) in (9, 12) and len(digits) == len(query.replace(" ", "")):
            match |= Q(applicant_id_hash__in=id_number_hashes(digits))  # the ID number, never stored in clear
        dossiers = dossiers.filter(match).distinct()
    return (
        with_flags(dossiers, today)
        .select_related("procedure", "receiving_agency", "competent_agency", "desk", "unit")
        .order_by("due_date", "id")
    )


def dossier_get(*, official, uuid: UUID) -> Dossier:
    return get_object_or_404(dossier_list(official=official), uuid=uuid)


def dossier_attachment_get(*, official, dossier_uuid: UUID, uuid: UUID) -> DossierAttachment:
    """A document the citizen sent, for an official who may see its dossier; else 404."""
    return get_object_or_404(
        DossierAttachment.objects.select_related("dossier"),
        dossier=dossier_get(official=official, uuid=dossier_uuid),
        uuid=uuid,
    )


def dossier_get_external(*, official, external_system: str, external_id: str) -> Dossier:
    """An integrating system's dossier by its own id (the API)."""
    return get_object_or_404(dossier_list(official=official), external_system=external_system, external_id=external_id)


def dossiers_at_risk(*, official=None, today: dt.date | None = None, without_apology: bool = True) -> QuerySet[Dossier]:
    """Dossiers due on the next working day or already late, clock running, for the apology prompt (Form 04).
    Without an official: every unit (the scheduled job)."""
    dossiers = Dossier.objects.filter(at_risk_q(today))
    if official is not None:
        dossiers = dossiers.filter(dossier_scope_q(scope_of(official), "dossiers.process"))
    if without_apology:
        dossiers = dossiers.filter(apology_issued_at__isnull=True)
    return with_flags(dossiers, today).select_related("procedure", "receiving_agency", "competent_agency", "unit")


def dossier_timeline(*, dossier: Dossier, include_unapplied: bool = False) -> QuerySet[DossierEvent]:
    """The history, oldest first. Stale or repeated upstream events are kept but hidden unless asked."""
    events = dossier.events.all()
    if not include_unapplied:
        events = events.filter(outcome=EventOutcome.APPLIED)
    return events.select_related("actor").order_by("occurred_at", "id")


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).upper()


_FOUND_RELATED = ("procedure", "receiving_agency", "competent_agency", "desk", "unit")
# The chat's code lookup runs on every message that looks like a code: its two statements compiled once.
_BY_CODE = PreparedRead(
    lambda code: Dossier.objects.select_related(*_FOUND_RELATED).filter(receipt_code=code).order_by("pk")[:1],
    code=str,
)
_BY_ALIAS = PreparedRead(
    lambda code: DossierAlias.objects.filter(code=code).order_by("pk").values_list("dossier_id", flat=True)[:1],
    code=str,
)
_BY_PK = PreparedRead(lambda pk: Dossier.objects.select_related(*_FOUND_RELATED).filter(pk=pk), pk=int)


def dossier_find_by_code(*, code: str) -> Dossier | None:
    """Public lookup: the receipt code or any alias (the upstream MaHoSoKhac), exact, case-insensitive."""
    code = normalise_code(code)
    if not code:
        return None
    # A code is unique within a unit; should two units share one, the one stored first answers (an integrating
    # system cannot take over another unit's lookups by reusing its code).
    dossier = _BY_CODE.first(code=code)
    if dossier is None:
        alias = _BY_ALIAS.first(code=code)
        if alias is not None:
            dossier = _BY_PK.first(pk=alias)
            if dossier is None:
                raise Dossier.DoesNotExist
    return dossier


def missing_items(dossier: Dossier) -> list[str]:
    """What the citizen still has to bring, while a supplement is requested."""
    return list(dossier.supplement_items) if dossier.state == State.SUPPLEMENT_REQUESTED else []


def has_links_q() -> Exists:
    from .models import DossierLink

    return Exists(DossierLink.objects.filter(dossier=OuterRef("pk"), is_active=True))


def apology_prompts(*, official) -> QuerySet:
    """Open prompts to issue the apology slip, for dossiers the official processes, still at risk and unhandled."""
    from .models import ApologyPrompt

    scope_q = dossier_scope_q(scope_of(official), "dossiers.process")
    visible = Dossier.objects.filter(scope_q, apology_issued_at__isnull=True, state__in=CLOCK_STATES)
    return (
        ApologyPrompt.objects.filter(dismissed_at__isnull=True, dossier__in=visible)
        .select_related("dossier", "dossier__procedure")
        .order_by("due_date", "id")
    )
