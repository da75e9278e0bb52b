"""Petitions for an integrating system (a provincial PAKN system, a hotline's software): file a petition by its own
id (idempotent: the same external_id returns the petition already filed), read petitions of the client's unit back
with their status, deadlines and approved answer. The petitioner's phone and e-mail are never returned."""

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator, Discriminator, Tag

from ketnoi.core.actor import Actor
from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.petitions.models import AnswerStatus, Petition, PetitionCategory, Source
from ketnoi.petitions.selectors import petition_get, petition_list
from ketnoi.petitions.services import Attachment, Location, Origin, Petitioner, petition_submit
from ketnoi.petitions.states import State
from ketnoi.petitions.tokens import track_url

from ..paging import ChangedSince, IsoDateTime, PageParams, page_of
from ..schemas import ERRORS, JsonBool, json_number

# The state's values, spelled out: petitions and dossiers each have a `State`, and OpenAPI names components by class.
StateValue = Literal[tuple(State.values)]

router = Router(tags=["petitions"])


NOT_BLANK = r"\S"
TAX_CODE = r"^[0-9]{10}(-[0-9]{3})?$|^[0-9]{12}$"


class _PetitionerBase(Schema):
    name: str = Field(..., min_length=1, max_length=200, pattern=NOT_BLANK)
    phone: str = Field(
        "",
        max_length=20,
        pattern=r"^[+0-9 .()-]*$",
        description="Any Vietnamese form; the answer goes there by ZBS template or SMS.",
    )
    email: str = Field("", max_length=254, json_schema_extra={"format": "email"})
    address: str = Field("", max_length=300)
    language: Literal["vi", "en"] = "vi"


class CitizenIn(_PetitionerBase):
    type: Literal["citizen"] = "citizen"


class BusinessIn(_PetitionerBase):
    type: Literal["business"]
    business_name: str = Field(..., min_length=1, max_length=200, pattern=NOT_BLANK)
    tax_code: str = Field(
        ...,
        pattern=TAX_CODE,
        description="Mã số thuế: 10 digits (an enterprise, the last a check digit), 10-3 (a branch) or 12 digits.",
    )


def _petitioner_type(value) -> str:
    return (value.get("type") if isinstance(value, dict) else getattr(value, "type", None)) or "citizen"


# A citizen unless `type` says business (then the business's name and tax code are required).
PetitionerIn = Annotated[
    Annotated[CitizenIn, Tag("citizen")] | Annotated[BusinessIn, Tag("business")], Discriminator(_petitioner_type)
]


class PetitionIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=100, description="The petition's id in your system.")
    category_code: str = Field(..., max_length=40)
    area_code: str = Field(
        "", max_length=40, description="Statistics code of the unit concerned; your client's unit if empty."
    )
    subject: str = Field("", max_length=200)
    text: str = Field(..., min_length=1, max_length=5000, pattern=NOT_BLANK)
    petitioner: PetitionerIn
    location: str = Field("", max_length=300)
    latitude: Annotated[float, Field(ge=-90, le=90), BeforeValidator(json_number)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180), BeforeValidator(json_number)] | None = None
    media_urls: list[Annotated[str, Field(max_length=500, pattern=r"^https?://")]] = Field([], max_length=5)
    consent_to_publish: JsonBool = True
    received_at: IsoDateTime | None = None


class PetitionOut(Schema):
    uuid: UUID
    tracking_code: str
    external_id: str
    state: str
    category_code: str
    area_code: str
    owner_agency_code: str
    subject: str
    received_at: dt.datetime
    forward_due: dt.date | None
    acknowledge_due: dt.date | None
    answer_due: dt.date | None
    acknowledged_at: dt.datetime | None
    answered_at: dt.datetime | None
    published_at: dt.datetime | None
    rating: int | None
    reopen_count: int
    answer: str
    track_url: str

    @staticmethod
    def resolve_category_code(obj) -> str:
        return obj.category.code

    @staticmethod
    def resolve_area_code(obj) -> str:
        return obj.area.code

    @staticmethod
    def resolve_owner_agency_code(obj) -> str:
        return obj.owner_agency.code

    @staticmethod
    def resolve_answer(obj) -> str:
        answer = obj.answers.filter(status=AnswerStatus.APPROVED).order_by("-reviewed_at", "-id").first()
        return answer.text if answer else ""

    @staticmethod
    def resolve_track_url(obj) -> str:
        return track_url(obj)


class PetitionCreatedOut(Schema):
    created: bool
    petition: PetitionOut


def client_system(request) -> str:
    return str(request.auth.uuid)


def category_for(client, code: str) -> PetitionCategory:
    ids = [int(part) for part in client.unit.path.strip("/").split("/") if part]
    category = PetitionCategory.objects.filter(code=code, is_active=True, unit_id__in=ids).order_by("-unit__path")
    found = category.first()
    if found is None:
        raise ApplicationError(f"Unknown petition category '{code}'.", code="unknown_category")
    return found


def area_for(client, code: str) -> AdministrativeUnit:
    if not code:
        return client.unit
    area = AdministrativeUnit.objects.filter(code=code, valid_to__isnull=True).first()
    if area is None:
        raise ApplicationError(f"Unknown administrative unit '{code}'.", code="unknown_unit")
    return area


@router.post(
    "/petitions",
    response={200: PetitionCreatedOut, **ERRORS},
    summary="File a petition (idempotent by external_id)",
)
def petition_create(request, data: PetitionIn):
    client = request.auth
    system = client_system(request)
    existed = Petition.objects.filter(external_system=system, external_id=data.external_id).exists()
    petition = petition_submit(
        actor=Actor.api_client(client),
        category=category_for(client, data.category_code),
        area=area_for(client, data.area_code),
        subject=data.subject,
        text=data.text,
        petitioner=Petitioner(**data.petitioner.dict()),  # business_name / tax_code only for a business
        location=Location(text=data.location, latitude=data.latitude, longitude=data.longitude),
        origin=Origin(
            source=Source.API,
            external_system=system,
            external_id=data.external_id,
            attachments=[Attachment(url=url) for url in data.media_urls],
        ),
        consent_to_publish=data.consent_to_publish,
        received_at=data.received_at,
    )
    return {"created": not existed, "petition": petition_get(official=client, uuid=petition.uuid)}


class PetitionPage(Schema):
    items: list[PetitionOut]
    next_cursor: str | None


class PetitionFilters(PageParams, ChangedSince):
    external_id: str = Field("", max_length=100, description="Only the petition with this id in your system.")
    code: str = Field("", max_length=20, description="Only the petition with this tracking code.")
    state: StateValue | None = Field(None, description="Only petitions in this state.")


@router.get(
    "/petitions",
    response={200: PetitionPage, **ERRORS},
    summary="The client's petitions (filter by id, code, state or change time), in pages",
)
def petition_list_api(request, filters: Query[PetitionFilters]):
    petitions = petition_list(official=request.auth, states=[filters.state] if filters.state else None)
    if filters.code:
        petitions = petitions.filter(tracking_code__iexact=filters.code)
    if filters.external_id:
        petitions = petitions.filter(external_system=client_system(request), external_id=filters.external_id)
    return page_of(petitions, filters, updated_since=filters.updated_since)


@router.get("/petitions/{uuid}", response={200: PetitionOut, **ERRORS}, summary="One petition")
def petition_detail_api(request, uuid: UUID):
    return petition_get(official=request.auth, uuid=uuid)
