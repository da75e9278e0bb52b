"""Dossiers for an integrating one-stop system: create/update by its own id, read them back, and post status
events with the national codes 1-10 (TrangThaiHoSo), in batches of up to 1,000, each answered on its own.

Idempotent throughout: the same external_id updates the same dossier; the same event_id is applied once.
Dates accept ISO 8601 or the DVCQG form yyyyMMddHHmmss (local time, Asia/Ho_Chi_Minh).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, StringConstraints, ValidationError, field_validator

from django.db.models import Q

from ketnoi.core.redaction import mask_phone
from ketnoi.dossiers import selectors
from ketnoi.dossiers.models import Dossier, SubmissionChannel
from ketnoi.dossiers.services.sync import (
    MAX_BATCH,
    DossierData,
    EventResult,
    StatusEvent,
    dossier_apply_status_events,
    dossier_upsert_external,
)
from ketnoi.dossiers.states import State
from ketnoi.dossiers.tokens import lookup_url

from ..paging import ChangedSince, PageParams, iso_only, page_of
from ..schemas import ERRORS, JsonInt, json_number, refuse_past

# The state's values, spelled out: petitions and dossiers each have a `State`, and OpenAPI names components by class.
StateValue = Literal[tuple(State.values)]

router = Router(tags=["dossiers"])

CHANNEL_CODES = {"1": SubmissionChannel.IN_PERSON, "2": SubmissionChannel.ONLINE, "3": SubmissionChannel.POSTAL}


def _as_text(value):
    """Dates arrive as text; a bare number would otherwise be read as a Unix time (0 is 1 January 1970)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError("a date as text: ISO 8601, or the DVCQG form yyyyMMdd[HHmmss]")
    return value


def or_empty(date_format: str) -> dict:
    """The schema of an optional date the way one-stop systems send it: the date, an empty string, or null."""
    return {"anyOf": [{"type": "string", "format": date_format}, {"type": "string", "maxLength": 0}, {"type": "null"}]}


def parse_moment(value):
    """'20261124093200' (DVCQG, local time) or ISO 8601; '' is no date."""
    if value in ("", None):
        return None
    if isinstance(value, str) and len(value) == 14 and value.isdigit():
        return dt.datetime.strptime(value + "+0700", "%Y%m%d%H%M%S%z")  # DVCQG times are Vietnam local time
    return iso_only(_as_text(value))


def parse_day(value):
    if value in ("", None):
        return None
    if isinstance(value, str) and len(value) in (8, 14) and value.isdigit():
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    return iso_only(_as_text(value))


class ApplicantIn(Schema):
    type: Literal["citizen", "organisation", "1", "2", "3", "4"] = Field(
        "citizen", description="citizen or organisation (or LoaiDoiTuong: 1 citizen, 2-4 organisation)"
    )
    name: str = Field(..., max_length=200)
    phone: str = Field(
        "", max_length=20, description="Any Vietnamese form; stored in E.164. The key to reach the citizen."
    )
    id_number: str = Field("", max_length=20, description="12-digit ID (or 9-digit CMND); stored encrypted, masked.")
    address: str = Field("", max_length=300)
    email: str = Field("", max_length=254)

    @field_validator("type")
    @classmethod
    def _type(cls, value):
        return {"1": "citizen", "2": "organisation", "3": "organisation", "4": "organisation"}.get(value, value)


class DossierIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=100, description="The dossier's id in your system.")
    receipt_code: str = Field(
        "", max_length=60, description="MaHoSo, if your system numbers dossiers; else we allocate one."
    )
    other_codes: list[Annotated[str, StringConstraints(max_length=60)]] = Field(
        [], max_length=20, description="Other codes of the dossier (MaHoSoKhac, portal ids), each ≤ 60 characters."
    )
    procedure_code: str = Field(..., max_length=40)
    receiving_agency_code: str = Field(..., max_length=40)
    desk_code: str = Field("", max_length=40)
    competent_agency_code: str = Field("", max_length=40, description="Defaults to the procedure's competent agency.")
    applicant: ApplicantIn
    channel: Literal["in_person", "online", "postal", "1", "2", "3"] = Field(
        "in_person", description="in_person, online, postal (or KenhThucHien 1, 2, 3)"
    )
    summary: str = Field("", max_length=1000, description="TrichYeuHoSo")
    language: Literal["vi", "en"] = "vi"
    received_at: dt.datetime | None = Field(
        None,
        description="NgayTiepNhan: ISO 8601, or yyyyMMddHHmmss in Vietnam time as DVCQG sends it; empty: now.",
        json_schema_extra=or_empty("date-time"),
    )
    due_date: dt.date | None = Field(
        None,
        description="NgayHenTra (ISO date or yyyyMMdd); computed from the procedure when absent or empty.",
        json_schema_extra=or_empty("date"),
    )
    status_code: Annotated[Literal[1, 2], BeforeValidator(json_number)] = Field(
        2, description="1 (submitted online) or 2 (received) for a new dossier."
    )

    _moment = field_validator("received_at", mode="before")(parse_moment)
    _day = field_validator("due_date", mode="before")(parse_day)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value):
        return CHANNEL_CODES.get(value, value)


class DossierOut(Schema):
    uuid: UUID
    receipt_code: str
    external_id: str
    other_codes: list[str]
    procedure_code: str
    receiving_agency_code: str
    competent_agency_code: str
    applicant_name: str
    applicant_phone: str = Field(..., description="Masked.")
    applicant_id_number: str = Field(..., description="Masked.")
    state: str
    status_code: int
    received_at: dt.datetime | None
    due_date: dt.date | None
    overdue: bool
    lookup_url: str

    @staticmethod
    def resolve_other_codes(obj) -> list[str]:
        return [a.code for a in obj.aliases.all()]

    @staticmethod
    def resolve_procedure_code(obj) -> str:
        return obj.procedure.code

    @staticmethod
    def resolve_receiving_agency_code(obj) -> str:
        return obj.receiving_agency.code

    @staticmethod
    def resolve_competent_agency_code(obj) -> str:
        return obj.competent_agency.code if obj.competent_agency_id else ""

    @staticmethod
    def resolve_applicant_phone(obj) -> str:
        return mask_phone(obj.applicant_phone)

    @staticmethod
    def resolve_applicant_id_number(obj) -> str:
        return obj.applicant_id_masked

    @staticmethod
    def resolve_status_code(obj) -> int:
        return obj.national_code

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue

    @staticmethod
    def resolve_lookup_url(obj) -> str:
        return lookup_url(obj)


class DossierUpsertOut(Schema):
    created: bool
    dossier: DossierOut


class EventIn(Schema):
    event_id: str = Field(..., min_length=1, max_length=100, description="Unique in your system: replays are no-ops.")
    external_id: str = Field("", description="The dossier, by your id ...")
    receipt_code: str = Field("", description="... or by its code (or one of its other codes).")
    status_code: JsonInt = Field(..., description="TrangThaiHoSo 1-10")
    occurred_at: dt.datetime = Field(..., description="When it happened in your system (ThoiDiemXuLy).")
    actor_label: str = Field("", max_length=150, description="NguoiXuLy")
    note: str = Field("", description="NoiDungXuLy")
    due_date: dt.date | None = Field(
        None, description="A new NgayHenTra, if it changed.", json_schema_extra=or_empty("date")
    )
    missing: list[str] = Field(
        [], description="With code 5: what the citizen must bring (else the note is taken as the list)."
    )
    supplement_due_date: dt.date | None = Field(
        None,
        description="With code 5: the deadline for the supplement; without it the notice gives none.",
        json_schema_extra=or_empty("date"),
    )
    collection_place: str = Field("", description="With code 9: where to collect the result.")

    _moment = field_validator("occurred_at", mode="before")(parse_moment)
    _day = field_validator("due_date", "supplement_due_date", mode="before")(parse_day)


@dataclass
class InvalidEvent:
    """An event of the batch that did not validate: it fails alone, with what was wrong."""

    event_id: str
    problems: str


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}" for e in exc.errors())[:500]


def _any_event_is_answered(schema: dict) -> None:
    """The documented batch: up to MAX_BATCH items, each an EventIn, and anything else is answered on its own as
    an error (invalid_event) while the rest of the batch is applied: the request is not refused for it."""
    schema["maxItems"] = MAX_BATCH
    schema["items"] = {"anyOf": [schema["items"], {"description": "Not an event: answered as an error of its own."}]}


class EventBatchIn(Schema):
    events: list[EventIn] = Field(
        ...,
        min_length=1,
        description=f"1 to {MAX_BATCH:,} events, applied in order of occurred_at; more is refused whole with 413.",
        json_schema_extra=_any_event_is_answered,
    )

    @field_validator("events", mode="wrap")
    @classmethod
    def _each_alone(cls, value, handler):
        """One unreadable event (a date like 30/02, a missing field) is answered as an error on its own; the rest
        of the batch is applied."""
        try:
            return handler(value)
        except ValidationError:
            if not isinstance(value, list) or not value:
                raise
        events: list[EventIn | InvalidEvent] = []
        for raw in value:
            try:
                events.append(EventIn.model_validate(raw))
            except ValidationError as exc:
                event_id = raw.get("event_id") if isinstance(raw, dict) else ""
                events.append(InvalidEvent(event_id=str(event_id or "")[:100], problems=_problems(exc)))
        return events


class EventResultOut(Schema):
    index: int
    event_id: str
    status: str = Field(..., description="applied, unchanged, stale, duplicate or error")
    code: str
    message: str
    dossier: str
    state: str
    ignored: list[str] = Field([], description="Values the event carried that were not used, and why.")


class EventBatchOut(Schema):
    results: list[EventResultOut]
    counts: dict[str, int]


def _system(request) -> str:
    return str(request.auth.uuid)


def _get(request, dossier: Dossier) -> Dossier:
    return selectors.dossier_list(official=request.auth).prefetch_related("aliases").get(pk=dossier.pk)


class DossierPage(Schema):
    items: list[DossierOut]
    next_cursor: str | None


class DossierFilters(PageParams, ChangedSince):
    external_id: str = Field("", max_length=100, description="Only the dossier with this id in your system.")
    code: str = Field("", max_length=60, description="Only the dossier with this code (receipt code or other code).")
    state: StateValue | None = Field(None, description="Only dossiers in this state.")


@router.get(
    "/dossiers",
    response={200: DossierPage, **ERRORS},
    summary="The client's dossiers (filter by id, code, state or change time), in pages",
)
def dossier_list(request, filters: Query[DossierFilters]):
    dossiers = selectors.dossier_list(official=request.auth, states=[filters.state] if filters.state else None)
    if filters.code:
        code = selectors.normalise_code(filters.code)
        dossiers = dossiers.filter(Q(receipt_code=code) | Q(aliases__code=code)).distinct()
    if filters.external_id:
        dossiers = dossiers.filter(external_system=_system(request), external_id=filters.external_id)
    return page_of(dossiers.prefetch_related("aliases"), filters, updated_since=filters.updated_since)


@router.post(
    "/dossiers", response={200: DossierUpsertOut, **ERRORS}, summary="Create or update a dossier by external_id"
)
def dossier_upsert(request, data: DossierIn):
    values = data.dict(exclude={"applicant"})
    applicant = data.applicant
    values.update(
        applicant_type=applicant.type,
        applicant_name=applicant.name,
        applicant_phone=applicant.phone,
        applicant_id_number=applicant.id_number,
        applicant_address=applicant.address,
        applicant_email=applicant.email,
    )
    dossier, created = dossier_upsert_external(client=request.auth, system=_system(request), data=DossierData(**values))
    return {"created": created, "dossier": _get(request, dossier)}


@router.post(
    "/dossiers/events",
    response={200: EventBatchOut, **ERRORS},
    summary="Status events (one or a batch of up to 1,000), each answered on its own",
)
def dossier_events(request, batch: EventBatchIn):
    refuse_past(batch.events, MAX_BATCH, "events")
    valid = [(i, e) for i, e in enumerate(batch.events) if isinstance(e, EventIn)]
    events = [StatusEvent(**event.dict()) for _i, event in valid]
    for event in events:
        if event.status_code == 5 and not event.missing and event.note.strip():
            event.missing = [event.note]  # NoiDungXuLy often is the list
    applied = dossier_apply_status_events(client=request.auth, system=_system(request), events=events)
    results = [
        EventResult(index=i, event_id=e.event_id, status="error", code="invalid_event", message=e.problems)
        for i, e in enumerate(batch.events)
        if isinstance(e, InvalidEvent)
    ]
    for (index, _event), result in zip(valid, applied, strict=True):
        result.index = index
        results.append(result)
    results.sort(key=lambda r: r.index)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    # Rendered as it is: EventResult has EventResultOut's fields and types, and checking each result against the
    # schema again (a model per result) was a twentieth of a single event's CPU.
    from ..api import api  # the API this router is mounted on (which imports this module)

    body = {"results": [r.__dict__ for r in results], "counts": counts}
    return api.create_response(request, body, status=200)


@router.get("/dossiers/{uuid}", response={200: DossierOut, **ERRORS}, summary="One dossier")
def dossier_detail(request, uuid: UUID):
    return selectors.dossier_get(official=request.auth, uuid=uuid)
