"""Dossiers owned by an integrating one-stop system (the integration API): create/update by its external id, and
status events with national codes 1-10.

Events are idempotent by (system, event id): a replay answers "duplicate" and changes nothing. Each dossier keeps
the time of its latest applied event; an event older than that is recorded (outcome "stale") but does not move
the state, so out-of-order delivery converges on the newest status. Within one batch, events are applied in
order of event time, set-based: chunks of EVENT_CHUNK events in one transaction each, the chunk's dossiers read
and locked at once, every event worked out in memory, history rows, dossier updates and notices written in bulk.
One bad event does not undo the others: it is refused before anything changes, and a chunk whose writes fail is
applied again one event at a time.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.sql import insert_new_rows
from ketnoi.core.text import nfc
from ketnoi.orgs.models import Agency, Desk
from ketnoi.orgs.scoping import OfficialScope
from ketnoi.procedures.models import Procedure

from ..models import (
    AliasKind,
    Dossier,
    DossierAlias,
    DossierEvent,
    EventKind,
    EventOutcome,
    EventSource,
    NotificationKind,
)
from ..notifications import Notice, notify_citizens
from ..protect import protect_id_number
from ..selectors import dossier_scope_q, normalise_code
from ..states import CLOCK_STATES, NATIONAL_CODE, Party, State, check_transition, state_for_code
from . import event_sql
from .common import NOTICE_FOR_STATE, audit, before_of, lock
from .intake import clean_phone, dossier_receive, due_date_from
from .linking import dossier_phone_changed

MAX_BATCH = 1000
EVENT_CHUNK = 200  # events per transaction in a batch


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


def _add_aliases(client, dossier: Dossier, codes: list[str], kind: str = AliasKind.OTHER_CODE) -> None:
    """The dossier's other codes. A code held by a dossier the client can see (or of the same unit) is refused;
    one held only by another unit's dossier is left out without a word, so the answer never tells this client that
    another unit uses that code (issue 14: no existence oracle through the API)."""
    mine = dossier_scope_q(client.as_scope()) | Q(unit=dossier.unit)
    for raw in codes:
        code = normalise_code(raw)
        if not code or code == dossier.receipt_code:
            continue
        existing = DossierAlias.objects.filter(code=code).first()
        holders = Dossier.objects.filter(receipt_code=code).exclude(pk=dossier.pk)
        if existing is not None and existing.dossier_id == dossier.pk:
            continue
        if existing is not None:
            holders = Dossier.objects.filter(pk=existing.dossier_id)
        if holders.filter(mine).exists():
            raise ApplicationError(f"Code {code} already belongs to another dossier.", code="duplicate_code")
        if existing is None and not holders.exists():
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
    _add_aliases(client, dossier, data.other_codes)
    return dossier, True


# What an update of a synced dossier may change (the state changes only through status events).
UPSERT_FIELDS = [
    "applicant_name",
    "applicant_phone",
    "applicant_id_encrypted",
    "applicant_id_hash",
    "applicant_id_masked",
    "applicant_address",
    "applicant_email",
    "summary",
    "due_date",
    "competent_agency",
    "updated_at",
]


def _update(client, dossier: Dossier, data: DossierData) -> Dossier:
    dossier = lock(dossier)
    before = before_of(dossier)
    phone_before = dossier.applicant_phone
    dossier.applicant_name = nfc(data.applicant_name).strip()[:200] or dossier.applicant_name
    dossier.applicant_phone = clean_phone(data.applicant_phone) or dossier.applicant_phone
    if data.applicant_id_number:
        dossier.applicant_id_encrypted, dossier.applicant_id_hash, dossier.applicant_id_masked = protect_id_number(
            data.applicant_id_number
        )
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
    dossier.save(update_fields=UPSERT_FIELDS)
    _add_aliases(client, dossier, data.other_codes)
    if before != before_of(dossier):
        audit(client, "dossier.update_external", dossier, before)
    if dossier.applicant_phone != phone_before:
        dossier_phone_changed(dossier=dossier, old_phone=phone_before)
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


# What a status event may change on the dossier: written back with save(update_fields) or one bulk UPDATE.
STATUS_FIELDS = [
    "state",
    "state_changed_at",
    "last_event_at",
    "finished_at",
    "received_at",
    "clock_started_at",
    "due_date",
    "supplement_items",
    "supplement_due_date",
    "supplement_requested_at",
    "supplement_count",
    "result_ready_at",
    "collection_place",
    "result_returned_at",
    "updated_at",
]
ENDS = (State.RESULT_READY, State.RESULT_RETURNED, State.REFUSED, State.WITHDRAWN, State.NOT_ACCEPTED)
API_PARTIES = frozenset({Party.API})


@dataclass
class _Applied:
    """One event worked out in memory: its history row, and the notice it gives (None: no notice)."""

    result: EventResult
    dossier: Dossier
    history: DossierEvent
    notice: str | None
    as_told: Dossier | None  # the dossier as this event left it, for the notice


def _locked_dossiers(scope: OfficialScope, system: str, events: list[StatusEvent]) -> dict[tuple[str, str], Dossier]:
    """The chunk's dossiers, visible to the client, read once each under a row lock (in id order, so two batches
    never deadlock), with what the notices need: one statement (event_sql). Keys: ("id", external_id) and ("code",
    normalised code); a code that is none of the receipt codes is looked up among the other codes (aliases)."""
    external_ids = {e.external_id for e in events if e.external_id}
    codes = {normalise_code(e.receipt_code) for e in events if not e.external_id and e.receipt_code}
    found: dict[tuple[str, str], Dossier] = {}
    for dossier in event_sql.read_dossiers(scope, system=system, external_ids=external_ids, codes=codes):
        if dossier.external_system == system and dossier.external_id in external_ids:
            found[("id", dossier.external_id)] = dossier
        if dossier.receipt_code in codes:  # a code shared by two units the client sees: the one stored first
            found.setdefault(("code", dossier.receipt_code), dossier)
    by_alias = codes - {code for kind, code in found if kind == "code"}
    if by_alias:  # other codes of a dossier (MaHoSoKhac): only for codes not found as receipt codes
        aliases = list(DossierAlias.objects.filter(code__in=by_alias).values_list("dossier_id", "code"))
        known = {d.pk: d for d in found.values()}
        missing = {pk for pk, _code in aliases if pk not in known}
        known |= {d.pk: d for d in event_sql.read_dossiers_by_pk(scope, missing)}
        for dossier_id, code in aliases:
            if dossier_id in known:
                found[("code", code)] = known[dossier_id]
    return found


def _dossier_of(found: dict[tuple[str, str], Dossier], event: StatusEvent) -> Dossier:
    key = ("id", event.external_id) if event.external_id else ("code", normalise_code(event.receipt_code))
    dossier = found.get(key)
    if dossier is None or not (event.external_id or event.receipt_code):
        raise ApplicationError("No such dossier, or not visible to this client.", code="not_found")
    return dossier


def _work_out(dossier: Dossier, system: str, event: StatusEvent, result: EventResult, now) -> _Applied:
    """Apply one event to the dossier in memory (nothing is written here). The state machine is checked before
    anything changes, so an event refused here leaves the dossier as it was for the events after it."""
    at = event.occurred_at
    target = state_for_code(event.status_code, dossier.state)
    history = DossierEvent(
        dossier=dossier,
        kind=EventKind.API_STATUS,
        from_state=dossier.state,
        to_state=target,
        national_code=NATIONAL_CODE.get(target),
        actor_label=(nfc(event.actor_label).strip() or "one-stop system")[:150],
        note=nfc(event.note).strip(),
        data={"status_code": event.status_code},
        occurred_at=at,
        recorded_at=now,
        source=EventSource.API,
        external_system=system,
        external_event_id=event.event_id,
    )
    notice = None
    if dossier.last_event_at and at < dossier.last_event_at:
        history.outcome = EventOutcome.STALE
    elif target == dossier.state:
        history.outcome = EventOutcome.UNCHANGED
        dossier.last_event_at = at
        if event.due_date:
            dossier.due_date = event.due_date
    else:
        check_transition(dossier.state, target, API_PARTIES)
        history.outcome = EventOutcome.APPLIED
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
        dossier.state = target
        dossier.state_changed_at = at
        dossier.last_event_at = max(filter(None, [dossier.last_event_at, at]))
        if target in ENDS and not dossier.finished_at:
            dossier.finished_at = at
        notice = NOTICE_FOR_STATE.get(target, NotificationKind.STATUS_CHANGED)
    result.status, result.dossier, result.state = str(history.outcome), str(dossier.uuid), dossier.state
    if history.outcome == EventOutcome.STALE:
        result.message = "Older than the latest applied event: recorded, status unchanged."
    result.ignored = ignored_fields(event, history.outcome)
    # The notice tells the dossier as it is after this event, not after the later events of the same chunk.
    return _Applied(result, dossier, history, notice, _snapshot(dossier) if notice else None)


def _snapshot(dossier: Dossier) -> Dossier:
    """The dossier's values as they are now, for composing its notice later (a shallow copy of its fields)."""
    clone = Dossier.__new__(Dossier)
    clone.__dict__ = dossier.__dict__.copy()
    return clone


def _apply_chunk(scope: OfficialScope, system: str, events: list[StatusEvent], results: list[EventResult]) -> None:
    """One transaction: the chunk's dossiers locked and read at once, already-received event ids in one query,
    every event worked out in memory in event-time order, then the history rows, the dossiers and the notices
    written in bulk. A single event: five statements (dossier, history, dossier update, links, outbox)."""
    now = timezone.now()
    found = _locked_dossiers(scope, system, events)
    seen: dict[str, tuple[str, str, str]] = {}
    if len(events) > 1:  # one event relies on the unique index instead (its history row is not written)
        ids = [e.event_id for e in events]
        seen = {
            event_id: (outcome, str(uuid), state)
            for event_id, outcome, uuid, state in DossierEvent.objects.filter(
                external_system=system, external_event_id__in=ids
            )
            .exclude(external_event_id="")
            .values_list("external_event_id", "outcome", "dossier__uuid", "dossier__state")
        }
    applied: list[_Applied] = []
    for event, result in zip(events, results, strict=True):
        try:
            if event.event_id in seen:
                outcome, uuid, state = seen[event.event_id]
                result.status, result.code = "duplicate", "duplicate"
                result.message = f"Event {event.event_id} was already received ({outcome})."
                result.dossier, result.state = uuid, state
                continue
            dossier = _dossier_of(found, event)
            applied.append(_work_out(dossier, system, event, result, now))
            seen[event.event_id] = (str(applied[-1].history.outcome), str(dossier.uuid), dossier.state)
        except ApplicationError as exc:
            result.status, result.code, result.message = "error", exc.code, exc.message
    if not applied:
        return
    written = insert_new_rows([a.history for a in applied], key="external_event_id")
    if len(written) < len(applied):
        # Received a moment ago by another request (after this chunk looked): what was worked out here assumed
        # otherwise, so the chunk is undone and its events applied again one by one.
        raise _ReceivedMeanwhile()
    changed = list({a.dossier.pk: a.dossier for a in applied if a.history.outcome != EventOutcome.STALE}.values())
    for dossier in changed:
        dossier.updated_at = now
    event_sql.update_dossiers(changed, STATUS_FIELDS)
    notify_citizens([Notice(a.as_told, a.history, a.notice) for a in applied if a.notice])


class _ReceivedMeanwhile(DatabaseError):
    """An event of the chunk met the unique event id of one written since the chunk read the received ids."""


def _prepared(events: list[StatusEvent]) -> tuple[list[int], list[EventResult]]:
    """Results in the request's order, errors for events that cannot be ordered, and the order to apply them."""
    results = [EventResult(index=i, event_id=e.event_id, status="error") for i, e in enumerate(events)]
    ready = []
    for index, event in enumerate(events):
        if not event.event_id:
            results[index].code, results[index].message = "event_id_required", "Every event needs an event_id."
            continue
        if timezone.is_naive(event.occurred_at):
            event.occurred_at = timezone.make_aware(event.occurred_at)
        ready.append(index)
    return sorted(ready, key=lambda i: (events[i].occurred_at, i)), results


def dossier_apply_status_events(*, client, system: str, events: list[StatusEvent]) -> list[EventResult]:
    """Apply a batch (at most MAX_BATCH) in event-time order; one result per event, in the request's order.

    Chunks of EVENT_CHUNK events, each one transaction (so a notice leaves when its chunk commits, and a long batch
    holds its locks briefly). A database error in a chunk (another request wrote the same event id a moment ago)
    rolls the chunk back and applies its events one at a time, so a failing event fails alone."""
    if len(events) > MAX_BATCH:
        raise ApplicationError(f"A batch carries at most {MAX_BATCH} events.", code="batch_too_large")
    scope = client.as_scope()
    order, results = _prepared(events)
    for start in range(0, len(order), EVENT_CHUNK):
        chunk = order[start : start + EVENT_CHUNK]
        try:
            with transaction.atomic():
                _apply_chunk(scope, system, [events[i] for i in chunk], [results[i] for i in chunk])
        except DatabaseError:
            if len(chunk) == 1:
                _one_failed(events[chunk[0]], results[chunk[0]], system)
                continue
            for index in chunk:
                results[index] = EventResult(index=index, event_id=events[index].event_id, status="error")
                try:
                    with transaction.atomic():
                        _apply_chunk(scope, system, [events[index]], [results[index]])
                except DatabaseError:
                    _one_failed(events[index], results[index], system)
    return results


def _one_failed(event: StatusEvent, result: EventResult, system: str) -> None:
    """A lone event whose writes failed: received before (the unique event id), or a conflict to retry."""
    seen = DossierEvent.objects.filter(external_system=system, external_event_id=event.event_id).first()
    result.dossier = result.state = ""
    if seen is not None:
        result.status, result.code = "duplicate", "duplicate"
        result.message = f"Event {event.event_id} was already received ({seen.outcome})."
        return
    result.status, result.code = "error", "conflict"
    result.message = "Written at the same moment by another request; send it again."
    result.ignored = []


def national_code_of(dossier: Dossier) -> int:
    return NATIONAL_CODE[dossier.state]


def event_payload(result: EventResult) -> dict[str, Any]:
    return dict(result.__dict__)
