"""Petitions for an integrating system (a provincial PAKN system, a hotline's software): file a petition by its own
id (idempotent: the same external_id returns the petition already filed), read petitions of the client's unit back
with their status, deadlines and approved answer. The petitioner's phone and e-mail are never returned."""

import datetime as dt
from uuid import UUID

from ninja import Field, Router, Schema

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.petitions.models import AnswerStatus, Petition, PetitionCategory, Source
from ketnoi.petitions.selectors import petition_get, petition_list
from ketnoi.petitions.services import Attachment, Location, Origin, Petitioner, petition_submit
from ketnoi.petitions.tokens import track_url

router = Router(tags=["petitions"])


class PetitionerIn(Schema):
    type: str = Field("citizen", description="citizen or business")
    name: str
    phone: str = Field("", description="Any Vietnamese form; the answer goes there by ZBS template or SMS.")
    email: str = ""
    address: str = ""
    business_name: str = ""
    tax_code: str = Field("", description="Required for a business; checked (10, 10-3 or 12 digits).")
    language: str = "vi"


class PetitionIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=100, description="The petition's id in your system.")
    category_code: str
    area_code: str = Field("", description="Statistics code of the unit concerned; your client's unit if empty.")
    subject: str = ""
    text: str = Field(..., min_length=1, max_length=5000)
    petitioner: PetitionerIn
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    media_urls: list[str] = Field([], max_length=5)
    consent_to_publish: bool = True
    received_at: dt.datetime | None = None


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


@router.post("/petitions", response=PetitionCreatedOut, summary="File a petition (idempotent by external_id)")
def petition_create(request, data: PetitionIn):
    client = request.auth
    system = client_system(request)
    existed = Petition.objects.filter(external_system=system, external_id=data.external_id).exists()
    petition = petition_submit(
        actor=client,
        category=category_for(client, data.category_code),
        area=area_for(client, data.area_code),
        subject=data.subject,
        text=data.text,
        petitioner=Petitioner(**data.petitioner.dict()),
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


@router.get("/petitions", response=list[PetitionOut], summary="The client's petitions (filter by id, code or state)")
def petition_list_api(request, external_id: str = "", code: str = "", state: str = "", limit: int = 100):
    petitions = petition_list(official=request.auth, states=[state] if state else None)
    if code:
        petitions = petitions.filter(tracking_code__iexact=code)
    if external_id:
        petitions = petitions.filter(external_system=client_system(request), external_id=external_id)
    return list(petitions[: max(1, min(limit, 1000))])


@router.get("/petitions/{uuid}", response=PetitionOut, summary="One petition")
def petition_detail_api(request, uuid: UUID):
    return petition_get(official=request.auth, uuid=uuid)
