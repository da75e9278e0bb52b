"""Dossiers owned by an integrating one-stop system (the integration API): create/update by its external id, and
status events with national codes 1-10.

Events are idempotent by (system, event id): a replay answers "duplicate" and changes nothing. Each dossier keeps
the time of its latest applied event; an event older than that is recorded (outcome "stale") but does not move
the state, so out-of-order delivery converges on the newest status. Within one batch, events are applied in
order of event time. Each event runs in its own savepoint: one bad event does not undo the others.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.text import nfc
from ketnoi.orgs.models import Agency, Desk
from ketnoi.orgs.scoping import OfficialScope
from ketnoi.procedures.models import Procedure

from ..models import AliasKind, Dossier, DossierAlias, DossierEvent, EventKind, EventOutcome, EventSource
from ..protect import protect_id_number
from ..selectors import dossier_scope_q, normalise_code
from ..states import CLOCK_STATES, NATIONAL_CODE, State, state_for_code
from .common import audit, before_of, lock, move, record_event
from .intake import clean_phone, dossier_receive, due_date_from
from .linking import dossier_link_by_phone

MAX_BATCH = 1000


@dataclass
class DossierData:
    """What an integrating system sends about a dossier (the DVCQG dossier object, in our names)."""

    external_id: str
    procedure_code: str
    receiving_agency_code: str
    applicant_name: str
    receipt_code: str = ""
    other_codes: list[str] = field(default_factory=list)
    applicant_type: str = "citizen"
    applicant_phone: str = ""
    applicant_id_number: str = ""
    applicant_address: str = ""
    applicant_email: str = ""
    desk_code: str = ""
    competent_agency_code: str = ""
    channel: str = "in_person"
    summary: str = ""
    language: str = "vi"
    received_at: dt.datetime | None = None
    due_date: dt.date | None = None
    due_date_unreadable: bool = False  # the owner sent a date we cannot read: none of ours is calculated
    status_code: int = 2


@dataclass
class StatusEvent:
    event_id: str
    status_code: int
    occurred_at: dt.datetime
    external_id: str = ""
    receipt_code: str = ""
    actor_label: str = ""
    note: str = ""
    due_date: dt.date | None = None
    missing: list[str] = field(default_factory=list)
    supplement_due_date: dt.date | None = None
    collection_place: str = ""


@dataclass
class EventResult:
    index: int
    event_id: str
    status: str  # applied, unchanged, stale, duplicate, error
    code: str = ""
    message: str = ""
    dossier: str = ""
    state: str = ""
    ignored: list[str] = field(default_factory=list)  # what the event carried that was not used, and why


def _agency_in_scope(scope: OfficialScope, code: str, what: str) -> Agency:
    agency = Agency.objects.select_related("unit").filter(code=code).first()
    if agency is None:
        raise ApplicationError(f"No {what} has the code '{code}'.", code="unknown_agency")
    if not scope.covers_path(agency.unit.path):
        raise NotPermitted(f"Agency {code} is outside this client's unit.")
    return agency


def _add_aliases(dossier: Dossier, codes: list[str], kind: str = AliasKind.OTHER_CODE) -> None:
    for raw in codes:
        code = normalise_code(raw)
        if not code or code == dossier.receipt_code:
            continue
        existing = DossierAlias.objects.filter(code=code).first()
        if existing is not None and existing.dossier_id != dossier.pk:
            raise ApplicationError(f"Code {code} already belongs to another dossier.", code="duplicate_code")
        if existing is None:
            if Dossier.objects.filter(receipt_code=code).exclude(pk=dossier.pk).exists():
                raise ApplicationError(f"Code {code} already belongs to another dossier.", code="duplicate_code")
            DossierAlias.objects.create(dossier=dossier, code=code, kind=kind)


@transaction.atomic
def dossier_upsert_external(*, client, system: str, data: DossierData) -> tuple[Dossier, bool]:
    """Create the dossier the first time its external id is seen, update the applicant and codes afterwards.
    The state changes only through status events. Returns (dossier, created)."""
    scope = client.as_scope()
    existing = Dossier.objects.filter(external_system=system, external_id=data.external_id).first()
    if existing is not None:
        if not Dossier.objects.filter(dossier_scope_q(scope), pk=existing.pk).exists():
            raise NotPermitted("This dossier is outside this client's unit.")
        return _update(client, existing, data), False
    procedure = Procedure.objects.select_related("agency").filter(code=data.procedure_code).first()
    if procedure is None:
        raise ApplicationError(f"No procedure has the code '{data.procedure_code}'.", code="unknown_procedure")
    agency = _agency_in_scope(scope, data.receiving_agency_code, "receiving agency")
    desk = None
    if data.desk_code:
        desk = Desk.objects.filter(agency=agency, code=data.desk_code).first()
        if desk is None:
            raise ApplicationError(f"Agency {agency.code} has no desk '{data.desk_code}'.", code="unknown_desk")
    competent = None
    if data.competent_agency_code:
        competent = Agency.objects.filter(code=data.competent_agency_code).first()
        if competent is None:
            raise ApplicationError(f"No agency has the code '{data.competent_agency_code}'.", code="unknown_agency")
    if data.status_code not in (1, 2):
        raise ApplicationError(
            "A new dossier starts as 1 (submitted online) or 2 (received); post later statuses as events.",
            code="invalid_initial_status",
        )
    dossier = dossier_receive(
        actor=client,
        procedure=procedure,
        receiving_agency=agency,
        desk=desk,
        competent_agency=competent,
        applicant_name=data.applicant_name,
        applicant_phone=data.applicant_phone,
        applicant_id_number=data.applicant_id_number,
        applicant_address=data.applicant_address,
        applicant_email=data.applicant_email,
        applicant_type=data.applicant_type,
        channel=data.channel,
        summary=data.summary,
        language=data.language,
        received_at=data.received_at,
        receipt_code=normalise_code(data.receipt_code),
        source=EventSource.API,
        external_system=system,
        external_id=data.external_id,
        state=State.SUBMITTED if data.status_code == 1 else State.RECEIVED,
        due_date=data.due_date,  # the owner's NgayHenTra wins over our calendar, in the receipt notice too
        calculate_due_date=not data.due_date_unreadable,
    )
    _add_aliases(dossier, data.other_codes)
    return dossier, True


def _update(client, dossier: Dossier, data: DossierData) -> Dossier:
    dossier = lock(dossier)
    before = before_of(dossier)
    dossier.applicant_name = nfc(data.applicant_name).strip()[:200] or dossier.applicant_name
    dossier.applicant_phone = clean_phone(data.applicant_phone) or dossier.applicant_phone
    if data.applicant_id_number:
        dossier.applicant_id_encrypted, dossier.applicant_id_hash, dossier.applicant_id_masked = protect_id_number(
            data.applicant_id_number
        )
    phone_before = dossier.applicant_phone
    dossier.applicant_address = nfc(data.applicant_address).strip()[:300] or dossier.applicant_address
    dossier.applicant_email = data.applicant_email.strip() or dossier.applicant_email
    dossier.summary = nfc(data.summary).strip()[:1000] or dossier.summary
    if data.due_date:
        dossier.due_date = data.due_date
    if data.competent_agency_code:
        competent = Agency.objects.filter(code=data.competent_agency_code).first()
        if competent is None:
            raise ApplicationError(f"No agency has the code '{data.competent_agency_code}'.", code="unknown_agency")
        dossier.competent_agency = competent
    dossier.save()
    _add_aliases(dossier, data.other_codes)
    if before != before_of(dossier):
        audit(client, "dossier.update_external", dossier, before)
    if dossier.applicant_phone != phone_before:
        dossier_link_by_phone(dossier=dossier)
    return dossier


def _find(scope: OfficialScope, system: str, event: StatusEvent) -> Dossier:
    visible = Dossier.objects.filter(dossier_scope_q(scope))
    dossier = None
    if event.external_id:
        dossier = visible.filter(external_system=system, external_id=event.external_id).first()
    elif event.receipt_code:
        code = normalise_code(event.receipt_code)
        dossier = visible.filter(receipt_code=code).first() or visible.filter(aliases__code=code).first()
    if dossier is None:
        raise ApplicationError("No such dossier, or not visible to this client.", code="not_found")
    return dossier


def ignored_fields(event: StatusEvent, outcome: str) -> list[str]:
    """Values an accepted event carried that did not count: said in its result, never dropped silently."""
    notes = []
    if outcome == EventOutcome.STALE:
        sent = [n for n in ("due_date", "missing", "supplement_due_date", "collection_place") if getattr(event, n)]
        if sent:
            notes.append(f"{', '.join(sent)}: ignored, the event is older than the latest applied one.")
        return notes
    if event.status_code != 5 and (event.missing or event.supplement_due_date):
        notes.append("missing, supplement_due_date: read only with status 5; ignored.")
    if event.status_code != 9 and event.collection_place:
        notes.append("collection_place: read only with status 9; ignored.")
    if outcome == EventOutcome.UNCHANGED and (event.missing or event.supplement_due_date or event.collection_place):
        notes.append("The status did not change: missing, supplement_due_date and collection_place ignored.")
    return notes


def _apply(scope: OfficialScope, system: str, event: StatusEvent) -> tuple[str, Dossier]:
    dossier = lock(_find(scope, system, event))
    at = event.occurred_at
    common = {
        "actor": None,
        "source": EventSource.API,
        "note": nfc(event.note).strip(),
        "label": nfc(event.actor_label).strip() or "one-stop system",
        "external_system": system,
        "external_event_id": event.event_id,
    }
    target = state_for_code(event.status_code, dossier.state)
    if dossier.last_event_at and at < dossier.last_event_at:
        record_event(
            dossier=dossier,
            kind=EventKind.API_STATUS,
            from_state=dossier.state,
            to_state=target,
            occurred_at=at,
            outcome=EventOutcome.STALE,
            data={"status_code": event.status_code},
            **common,
        )
        return EventOutcome.STALE, dossier
    if target == dossier.state:
        dossier.last_event_at = at
        if event.due_date:
            dossier.due_date = event.due_date
        dossier.save()
        record_event(
            dossier=dossier,
            kind=EventKind.API_STATUS,
            from_state=dossier.state,
            to_state=target,
            occurred_at=at,
            outcome=EventOutcome.UNCHANGED,
            data={"status_code": event.status_code},
            **common,
        )
        return EventOutcome.UNCHANGED, dossier
    if target == State.RECEIVED and dossier.received_at is None:
        dossier.received_at = dossier.clock_started_at = at
    if target == State.SUPPLEMENT_REQUESTED:
        dossier.supplement_items = [nfc(m).strip() for m in event.missing if nfc(m).strip()]
        dossier.supplement_due_date = event.supplement_due_date  # the owner's deadline, or none (never ours)
        dossier.supplement_requested_at = at
        dossier.supplement_count += 1
    if target == State.RESULT_READY:
        dossier.result_ready_at = at
        dossier.collection_place = nfc(event.collection_place).strip()[:300] or dossier.receiving_agency.name
    if target == State.RESULT_RETURNED:
        dossier.result_returned_at = at
    resumed = dossier.state in (State.SUPPLEMENT_REQUESTED, State.SUPPLEMENTED) and target in CLOCK_STATES
    if event.due_date:
        dossier.due_date = event.due_date
    elif resumed or (target == State.RECEIVED and dossier.due_date is None):
        # Received, or complete again after a supplement: the clock (re)starts now (Decree 61/2018 Art. 19.4),
        # unless the owner sent its own NgayHenTra.
        dossier.clock_started_at = at
        dossier.due_date = due_date_from(at, dossier.procedure)
    move(dossier, target, kind=EventKind.API_STATUS, at=at, data={"status_code": event.status_code}, **common)
    return EventOutcome.APPLIED, dossier


def dossier_apply_status_events(*, client, system: str, events: list[StatusEvent]) -> list[EventResult]:
    """Apply a batch (at most MAX_BATCH) in event-time order; one result per event, in the request's order."""
    if len(events) > MAX_BATCH:
        raise ApplicationError(f"A batch carries at most {MAX_BATCH} events.", code="batch_too_large")
    scope = client.as_scope()
    results: dict[int, EventResult] = {}
    order = sorted(range(len(events)), key=lambda i: (events[i].occurred_at, i))
    for index in order:
        event = events[index]
        result = EventResult(index=index, event_id=event.event_id, status="error")
        try:
            if not event.event_id:
                raise ApplicationError("Every event needs an event_id.", code="event_id_required")
            if timezone.is_naive(event.occurred_at):
                event.occurred_at = timezone.make_aware(event.occurred_at)
            seen = DossierEvent.objects.filter(external_system=system, external_event_id=event.event_id).first()
            if seen is not None:
                result.status, result.code = "duplicate", "duplicate"
                result.message = f"Event {event.event_id} was already received ({seen.outcome})."
                result.dossier, result.state = str(seen.dossier.uuid), seen.dossier.state
            else:
                with transaction.atomic():
                    outcome, dossier = _apply(scope, system, event)
                result.status, result.dossier, result.state = str(outcome), str(dossier.uuid), dossier.state
                result.ignored = ignored_fields(event, outcome)
                if outcome == EventOutcome.STALE:
                    result.message = "Older than the latest applied event: recorded, status unchanged."
        except IntegrityError:
            result.status, result.code = "duplicate", "duplicate"
            result.message = f"Event {event.event_id} was already received."
        except ApplicationError as exc:
            result.code, result.message = exc.code, exc.message
        results[index] = result
    return [results[i] for i in range(len(events))]


def national_code_of(dossier: Dossier) -> int:
    return NATIONAL_CODE[dossier.state]


def event_payload(result: EventResult) -> dict[str, Any]:
    return dict(result.__dict__)
