"""Open311 GeoReport v2 (JSON), so existing civic clients can file and follow petitions beside the native API.

As the spec has it: GET services.json, GET services/{service_code}.json (the service definition: the attributes a
request may carry), POST requests.json (realtime: answers the service_request_id, our tracking code), GET
requests.json (service_request_id, service_code, start_date, end_date, status; at most 90 days; `page` and
`page_size` as many GeoReport servers add them) and GET requests/{id}.json. Errors are `[{code, description}]`
with the HTTP status as the code.

The read endpoints are public, as the spec's are: without an `api_key` they show the province's (or the
`jurisdiction_id` unit's) petitions with no personal data: no name, contact, address, photo or free text, except
the anonymised text and answer of petitions published on /phan-anh/ with the petitioner's consent. With a valid
key (the native API token, as `api_key` or a Bearer header) an integrating system reads its own unit's petitions
in full. Filing needs the key. `jurisdiction_id` names an administrative unit by its statistics code.
"""

import datetime as dt
import json
from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.security import APIKeyQuery
from pydantic import ValidationError as PydanticValidationError

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone

from ketnoi.core.actor import Actor
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.petitions.models import AnswerStatus, Audience, Petition, PetitionCategory, PetitionerType, Source
from ketnoi.petitions.selectors import category_choices, petition_list, public_petition_list
from ketnoi.petitions.services import Attachment, Location, Origin, Petitioner, petition_submit
from ketnoi.petitions.states import OPEN311_STATUS, State, state_label

from ..auth import ApiTokenAuth, bearer_token
from ..paging import IsoDateTime
from .petitions import area_for, category_for, client_system

PREFIX = "/open311/"
MAX_DAYS = 90
MAX_PAGE_SIZE = 1000


def speaks_open311(request: HttpRequest) -> bool:
    return PREFIX in request.path


def errors(status: int, description: str) -> list[dict]:
    return [{"code": status, "description": description}]


class Open311ErrorOut(Schema):
    code: int = Field(..., description="The HTTP status.")
    description: str


ERRORS = dict.fromkeys((400, 403, 404, 413), list[Open311ErrorOut])


class ApiKeyAuth(APIKeyQuery):
    """`api_key` in the query string or the form body, as Open311 clients send it (a Bearer header is the other
    way in). A key that is sent and wrong is refused, even if the header would have been accepted."""

    param_name = "api_key"

    def _get_key(self, request: HttpRequest) -> str:
        return _api_key(request, bearer=False)

    def authenticate(self, request, key):
        if not key:
            return None
        client = ApiTokenAuth().authenticate(request, key)
        if client is None:
            raise AuthenticationError()
        return client


def _api_key(request: HttpRequest, *, bearer: bool = True) -> str:
    fallback = bearer_token(request) if bearer else ""
    if request.GET.get("api_key"):
        return request.GET["api_key"]
    if request.method == "POST" and request.content_type in (FORM, "multipart/form-data"):
        try:
            return request.POST.get("api_key", "") or fallback
        except MultiPartParserError:  # a body we cannot read has no key in it
            return fallback
    return fallback


router = Router(tags=["open311"])


def _reader(request: HttpRequest):
    """The integrating system behind a valid key, None for the public; a key that is wrong is refused (403)."""
    key = _api_key(request)
    if not key:
        return None
    client = ApiTokenAuth().authenticate(request, key)
    if client is None:
        raise NotPermitted("Invalid api_key.")
    return client


def _jurisdiction(client, jurisdiction_id: str) -> AdministrativeUnit:
    if client is not None:
        return area_for(client, jurisdiction_id)
    if jurisdiction_id:
        unit = AdministrativeUnit.objects.filter(code=jurisdiction_id, valid_to__isnull=True).first()
        if unit is None:
            raise ApplicationError(f"Unknown jurisdiction_id '{jurisdiction_id}'.", code="unknown_unit")
        return unit
    province = AdministrativeUnit.objects.filter(parent__isnull=True, valid_to__isnull=True).order_by("id").first()
    if province is None:
        raise ApplicationError("No province is configured yet.", code="unknown_unit")
    return province


# Services and their definitions ------------------------------------------------------------------------------


class ServiceOut(Schema):
    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(..., description="True: GET services/{service_code}.json lists its attributes.")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValueOut(Schema):
    key: str
    name: str


class AttributeOut(Schema):
    variable: bool
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValueOut] = []


class ServiceDefinitionOut(Schema):
    service_code: str
    attributes: list[AttributeOut]


CONSENT = AttributeOut(
    variable=True,
    code="consent_to_publish",
    datatype="singlevaluelist",
    required=False,
    datatype_description=None,
    order=1,
    description="May the petition and its answer be published with personal data removed? (default: yes)",
    values=[AttributeValueOut(key="yes", name="Yes"), AttributeValueOut(key="no", name="No")],
)
BUSINESS_ATTRIBUTES = [
    AttributeOut(
        variable=True,
        code="business_name",
        datatype="string",
        required=True,
        datatype_description=None,
        order=3,
        description="The business's registered name.",
    ),
    AttributeOut(
        variable=True,
        code="tax_code",
        datatype="string",
        required=True,
        datatype_description="10 digits (an enterprise), 10 digits, a dash and 3 digits (a branch), or 12 digits.",
        order=4,
        description="The business's tax code (mã số thuế).",
    ),
]
PETITIONER_TYPE = AttributeOut(
    variable=True,
    code="petitioner_type",
    datatype="singlevaluelist",
    required=False,
    datatype_description=None,
    order=2,
    description="Who files: a citizen (default) or a business (then business_name and tax_code are required).",
    values=[AttributeValueOut(key="citizen", name="Citizen"), AttributeValueOut(key="business", name="Business")],
)


def _attributes(category: PetitionCategory) -> list[AttributeOut]:
    """Every service asks for consent to publication; those open to businesses ask who files and, for a
    business, its name and tax code (required when the service is for businesses only)."""
    if category.audience == Audience.BUSINESS:
        return [CONSENT, *BUSINESS_ATTRIBUTES]
    if category.audience == Audience.BOTH:
        optional = [attribute.model_copy(update={"required": False}) for attribute in BUSINESS_ATTRIBUTES]
        return [CONSENT, PETITIONER_TYPE, *optional]
    return [CONSENT]


def _service(category: PetitionCategory) -> dict:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.name_en or category.name,
        "metadata": bool(_attributes(category)),
        "type": "realtime",
        "keywords": category.code.replace("-", ","),
        "group": str(category.get_audience_display()),
    }


def _category(unit: AdministrativeUnit, service_code: str) -> PetitionCategory:
    found = next((c for c in category_choices(unit=unit) if c.service_code == service_code), None)
    if found is None:
        raise ApplicationError(f"Unknown service_code '{service_code}'.", code="unknown_category")
    return found


@router.get(
    "/services.json",
    auth=None,
    response={200: list[ServiceOut], **ERRORS},
    summary="Open311: the service list (petition categories); public",
)
def open311_services(request, jurisdiction_id: str = Query("", max_length=40), api_key: str = ""):
    unit = _jurisdiction(_reader(request), jurisdiction_id)
    return [_service(category) for category in category_choices(unit=unit)]


@router.get(
    "/services/{service_code}.json",
    auth=None,
    response={200: ServiceDefinitionOut, **ERRORS},
    summary="Open311: a service definition (the attributes a request may carry); public",
)
def open311_service_definition(
    request, service_code: str, jurisdiction_id: str = Query("", max_length=40), api_key: str = ""
):
    category = _category(_jurisdiction(_reader(request), jurisdiction_id), service_code)
    return {"service_code": category.service_code, "attributes": _attributes(category)}


# Filing a request --------------------------------------------------------------------------------------------


class Open311Attributes(Schema):
    """The attributes of the service definitions (GET services/{service_code}.json), by code."""

    consent_to_publish: Literal["yes", "no"] = "yes"
    petitioner_type: Literal["citizen", "business"] = "citizen"
    business_name: str = Field("", max_length=200)
    tax_code: str = Field("", pattern=r"^$|^[0-9]{10}(-[0-9]{3})?$|^[0-9]{12}$")


class Open311RequestIn(Schema):
    """The POST body, form-encoded (`attribute[tax_code]=...`) as the spec has it, or the same fields as JSON."""

    api_key: str = Field("", description="The API token (or send it as a Bearer header).")
    service_code: str = Field(..., min_length=1, max_length=40)
    jurisdiction_id: str = Field("", max_length=40, description="A unit's statistics code; the key's unit if empty.")
    lat: float | None = Field(None, ge=-90, le=90)
    long: float | None = Field(None, ge=-180, le=180)
    address_string: str = Field("", max_length=300)
    address_id: str = Field("", max_length=40, description="Taken as the unit's statistics code.")
    email: str = Field("", max_length=254, json_schema_extra={"format": "email"})
    device_id: str = Field("", max_length=100)
    account_id: str = Field("", max_length=100)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=20, pattern=r"^[+0-9 .()-]*$", description="Any Vietnamese form.")
    description: str = Field(..., min_length=1, max_length=5000, pattern=r"\S")
    media_url: str = Field("", max_length=500, description="An http(s) URL of a photo.")
    attribute: Open311Attributes = Field(
        default_factory=Open311Attributes, description="The service definition's attributes, by code."
    )


class Open311ReceiptOut(Schema):
    service_request_id: str
    service_notice: str
    account_id: str | None


FORM = "application/x-www-form-urlencoded"


def _inlined(schema: dict) -> dict:
    """The model's JSON schema with its $defs put in place: this schema sits inside the OpenAPI document."""
    definitions = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(schema)


def _request_body() -> dict:
    schema = _inlined(Open311RequestIn.model_json_schema())
    return {
        "required": True,
        "content": {
            FORM: {"schema": schema, "encoding": {"attribute": {"style": "deepObject", "explode": True}}},
            "application/json": {"schema": schema},
        },
    }


def _form(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise ApplicationError("The body is not valid JSON.", code="invalid_json") from exc
        if not isinstance(data, dict):
            raise ApplicationError("The body must be a JSON object.", code="invalid_json")
        return data
    data: dict = {"attribute": {}}
    try:
        form = request.POST
    except MultiPartParserError as exc:
        raise ApplicationError(f"The form cannot be read: {exc}", code="invalid") from None
    for name, value in form.items():
        if name.startswith("attribute[") and name.endswith("]"):
            data["attribute"][name[len("attribute[") : -1]] = value
        else:
            data[name] = value
    return data


def _parse(request: HttpRequest) -> Open311RequestIn:
    try:
        return Open311RequestIn.model_validate(_form(request))
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApplicationError(f"{where}: {first['msg']}", code="invalid") from None


def _petitioner(data: Open311RequestIn, category: PetitionCategory) -> Petitioner:
    name = " ".join(part for part in (data.first_name.strip(), data.last_name.strip()) if part) or "Open311"
    kind = PetitionerType.BUSINESS if category.audience == Audience.BUSINESS else data.attribute.petitioner_type
    if kind == PetitionerType.BUSINESS and category.audience == Audience.CITIZEN:
        raise ApplicationError("attribute[petitioner_type]: this service is for citizens.", code="invalid")
    return Petitioner(
        name=name,
        type=kind,
        phone=data.phone,
        email=data.email,
        business_name=data.attribute.business_name if kind == PetitionerType.BUSINESS else "",
        tax_code=data.attribute.tax_code if kind == PetitionerType.BUSINESS else "",
    )


@router.post(
    "/requests.json",
    auth=[ApiKeyAuth(), ApiTokenAuth()],
    response={200: list[Open311ReceiptOut], **ERRORS},
    openapi_extra={"requestBody": _request_body()},
    summary="Open311: file a service request (a petition); needs the api_key",
)
def open311_request_create(request):
    client = request.auth
    data = _parse(request)
    category = next((c for c in category_choices(unit=client.unit) if c.service_code == data.service_code), None)
    if category is None:
        category = category_for(client, data.service_code)
    petition = petition_submit(
        actor=Actor.api_client(client),
        category=category,
        area=area_for(client, data.jurisdiction_id or data.address_id),
        subject="",
        text=data.description,
        petitioner=_petitioner(data, category),
        location=Location(text=data.address_string, latitude=data.lat, longitude=data.long),
        origin=Origin(
            source=Source.OPEN311,
            external_system=client_system(request),
            attachments=[Attachment(url=data.media_url)] if data.media_url else [],
        ),
        consent_to_publish=data.attribute.consent_to_publish == "yes",
    )
    return [
        {
            "service_request_id": petition.tracking_code,
            "service_notice": f"Trả lời trước ngày {petition.answer_due:%d/%m/%Y}",
            "account_id": None,
        }
    ]


# Reading requests ----------------------------------------------------------------------------------------------


class ServiceRequestOut(Schema):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: dt.datetime | None
    updated_datetime: dt.datetime | None
    expected_datetime: dt.datetime | None
    address: str
    address_id: str
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str


class RequestFilters(Schema):
    service_request_id: str = Field("", max_length=2000, description="Comma-separated; overrides the other filters.")
    service_code: str = Field("", max_length=400, description="Comma-separated.")
    start_date: IsoDateTime | None = Field(None, description="Default: end_date minus 90 days.")
    end_date: IsoDateTime | None = Field(None, description="Default: now; at most 90 days after start_date.")
    status: str = Field("", pattern=r"^((open|closed)(,(open|closed))*)?$", description="open, closed or both.")
    jurisdiction_id: str = Field("", max_length=40)
    page: int = Field(1, ge=1, le=100000, description="Extension: the page, 1 first.")
    page_size: int = Field(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Extension: requests per page.")
    api_key: str = ""


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _request(petition: Petition, *, public: bool) -> dict:
    """One service request. Public: nothing that names or locates a person (see the module docstring)."""
    published = petition.published_at is not None
    notes = state_label(petition.state, "vi")
    if public:
        description = petition.public_text if published else ""
        if published and petition.public_answer:
            notes += f": {petition.public_answer}"
    else:
        description = petition.text
        answer = petition.answers.filter(status=AnswerStatus.APPROVED).order_by("-reviewed_at", "-id").first()
        if petition.state == State.REFUSED and petition.refusal_reason:
            notes += f": {petition.refusal_reason}"
        elif answer is not None:
            notes += f": {answer.text}"
    shows_place = not public or published
    media = "" if public else (petition.attachments.exclude(url="").values_list("url", flat=True).first() or "")
    return {
        "service_request_id": petition.tracking_code,
        "status": OPEN311_STATUS[petition.state],
        "status_notes": notes,
        "service_name": petition.category.name,
        "service_code": petition.category.service_code,
        "description": description,
        "agency_responsible": petition.owner_agency.name,
        "service_notice": "",
        "requested_datetime": _iso(petition.received_at),
        "updated_datetime": _iso(petition.updated_at),
        "expected_datetime": (
            _iso(dt.datetime.combine(petition.answer_due, dt.time(17), tzinfo=timezone.get_current_timezone()))
            if petition.answer_due
            else None
        ),
        "address": "" if public else petition.location_text,
        "address_id": petition.area.code,
        "zipcode": None,
        "lat": petition.latitude if shows_place else None,
        "long": petition.longitude if shows_place else None,
        "media_url": media,
    }


def _petitions(client, jurisdiction_id: str):
    if client is not None:
        petitions = petition_list(official=client, states=None)
        if jurisdiction_id:
            petitions = petitions.filter(area__path__startswith=area_for(client, jurisdiction_id).path)
        return petitions
    return public_petition_list(area=_jurisdiction(None, jurisdiction_id))


@router.get(
    "/requests.json",
    auth=None,
    response={200: list[ServiceRequestOut], **ERRORS},
    summary="Open311: service requests, newest first; public (personal data only with the api_key)",
)
def open311_request_list(request, filters: Query[RequestFilters]):
    client, f = _reader(request), filters
    petitions = _petitions(client, f.jurisdiction_id).select_related("area", "category", "owner_agency")
    if f.service_request_id:
        codes = [c.strip().upper() for c in f.service_request_id.split(",") if c.strip()]
        petitions = petitions.filter(tracking_code__in=codes)
    else:
        end = _aware(f.end_date) or timezone.now()
        start = _aware(f.start_date) or end - dt.timedelta(days=MAX_DAYS)
        if end - start > dt.timedelta(days=MAX_DAYS) or start > end:
            raise ApplicationError(
                f"start_date must come before end_date, at most {MAX_DAYS} days apart.", code="range_too_long"
            )
        petitions = petitions.filter(received_at__gte=start, received_at__lte=end)
    if f.service_code:
        wanted = [c.strip() for c in f.service_code.split(",") if c.strip()]
        petitions = petitions.filter(category__code__in=wanted) | petitions.filter(category__open311_code__in=wanted)
    statuses = {s for s in f.status.split(",") if s}
    if len(statuses) == 1:
        petitions = petitions.filter(state__in=[s for s, v in OPEN311_STATUS.items() if v in statuses])
    offset = (f.page - 1) * f.page_size
    rows = petitions.order_by("-received_at", "-id")[offset : offset + f.page_size]
    return [_request(p, public=client is None) for p in rows]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@router.get(
    "/requests/{service_request_id}.json",
    auth=None,
    response={200: list[ServiceRequestOut], **ERRORS},
    summary="Open311: one service request; public (personal data only with the api_key)",
)
def open311_request_detail(
    request, service_request_id: str, jurisdiction_id: str = Query("", max_length=40), api_key: str = ""
):
    client = _reader(request)
    petition = (
        _petitions(client, jurisdiction_id)
        .select_related("area", "category", "owner_agency")
        .filter(tracking_code__iexact=service_request_id)
        .first()
    )
    if petition is None:
        raise ApplicationError(f"No service request '{service_request_id}'.", code="not_found")
    return [_request(petition, public=client is None)]
