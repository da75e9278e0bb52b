"""Open311 GeoReport v2 (JSON), so existing civic clients can file and follow petitions beside the native API.

Implemented: GET services.json, POST requests.json (realtime: answers the service_request_id, our tracking code),
GET requests.json (filters service_request_id, service_code, start_date, end_date, status; at most 90 days and
1,000 requests) and GET requests/{id}.json. The key is the native API token, sent as `api_key` (form or query,
as the spec says) or as a Bearer header. `jurisdiction_id` names the administrative unit by its statistics code
(the client's own unit when absent). Statuses: open/closed; status_notes carry our finer state and the answer.
"""

import datetime as dt
import json

from ninja import Router
from ninja.security import APIKeyQuery

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ketnoi.core.errors import ApplicationError
from ketnoi.petitions.models import AnswerStatus, Petition, Source
from ketnoi.petitions.selectors import category_choices, petition_list
from ketnoi.petitions.services import Attachment, Location, Origin, Petitioner, petition_submit
from ketnoi.petitions.states import OPEN311_STATUS, State, state_label

from ..auth import ApiTokenAuth
from .petitions import area_for, category_for, client_system


class ApiKeyParam(APIKeyQuery):
    """`api_key` in the query string or the form body (Open311 clients post it with the request)."""

    param_name = "api_key"

    def _get_key(self, request: HttpRequest):
        return request.GET.get(self.param_name) or request.POST.get(self.param_name)

    def authenticate(self, request, key):
        return ApiTokenAuth().authenticate(request, key) if key else None


router = Router(tags=["open311"], auth=[ApiTokenAuth(), ApiKeyParam()])
MAX_DAYS = 90
MAX_REQUESTS = 1000


def _iso(value):
    return timezone.localtime(value).isoformat() if value else None


def _service(category) -> dict:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.name_en or category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": category.code.replace("-", ","),
        "group": category.get_audience_display(),
    }


def _request(petition: Petition) -> dict:
    answer = petition.answers.filter(status=AnswerStatus.APPROVED).order_by("-reviewed_at", "-id").first()
    notes = state_label(petition.state, "vi")
    if petition.state == State.REFUSED and petition.refusal_reason:
        notes += f": {petition.refusal_reason}"
    elif answer is not None:
        notes += f": {answer.text}"
    media = petition.attachments.exclude(url="").values_list("url", flat=True).first()
    return {
        "service_request_id": petition.tracking_code,
        "status": OPEN311_STATUS[petition.state],
        "status_notes": notes,
        "service_name": petition.category.name,
        "service_code": petition.category.service_code,
        "description": petition.text,
        "agency_responsible": petition.owner_agency.name,
        "service_notice": "",
        "requested_datetime": _iso(petition.received_at),
        "updated_datetime": _iso(petition.updated_at),
        "expected_datetime": (
            _iso(dt.datetime.combine(petition.answer_due, dt.time(17), tzinfo=timezone.get_current_timezone()))
            if petition.answer_due
            else None
        ),
        "address": petition.location_text,
        "address_id": petition.area.code,
        "zipcode": None,
        "lat": petition.latitude,
        "long": petition.longitude,
        "media_url": media or "",
    }


@router.get("/services.json", summary="Open311: the service list (petition categories)")
def open311_services(request, jurisdiction_id: str = ""):
    client = request.auth
    unit = area_for(client, jurisdiction_id)
    return [_service(category) for category in category_choices(unit=unit)]


def _body(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise ApplicationError("The body is not valid JSON.", code="invalid_json") from exc
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _float(value, name: str):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ApplicationError(f"'{name}' must be a number.", code="invalid_location") from exc


@router.post("/requests.json", summary="Open311: file a service request (a petition)")
def open311_request_create(request):
    client = request.auth
    data = _body(request)
    name = " ".join(p for p in (str(data.get("first_name", "")).strip(), str(data.get("last_name", "")).strip()) if p)
    if not data.get("service_code"):
        raise ApplicationError("service_code is required.", code="service_code_required")
    category = next(
        (c for c in category_choices(unit=client.unit) if c.service_code == data["service_code"]),
        None,
    )
    if category is None:
        category = category_for(client, str(data["service_code"]))
    petition = petition_submit(
        actor=client,
        category=category,
        area=area_for(client, str(data.get("jurisdiction_id") or data.get("address_id") or "")),
        subject="",
        text=str(data.get("description") or ""),
        petitioner=Petitioner(
            name=name or "Open311",
            phone=str(data.get("phone") or ""),
            email=str(data.get("email") or ""),
        ),
        location=Location(
            text=str(data.get("address_string") or ""),
            latitude=_float(data.get("lat"), "lat"),
            longitude=_float(data.get("long"), "long"),
        ),
        origin=Origin(
            source=Source.OPEN311,
            external_system=client_system(request),
            attachments=[Attachment(url=str(data["media_url"]))] if data.get("media_url") else [],
        ),
    )
    return [
        {
            "service_request_id": petition.tracking_code,
            "service_notice": f"Trả lời trước ngày {petition.answer_due:%d/%m/%Y}",
            "account_id": None,
        }
    ]


def _date_param(value: str, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApplicationError(f"'{name}' must be an ISO 8601 date.", code="invalid_date") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@router.get("/requests.json", summary="Open311: service requests of the client's unit")
def open311_request_list(
    request,
    service_request_id: str = "",
    service_code: str = "",
    start_date: str = "",
    end_date: str = "",
    status: str = "",
):
    petitions = petition_list(official=request.auth, states=None).select_related("area").order_by("-received_at")
    if service_request_id:
        codes = [c.strip().upper() for c in service_request_id.split(",") if c.strip()]
        petitions = petitions.filter(tracking_code__in=codes)
    else:
        end = _date_param(end_date, "end_date") or timezone.now()
        start = _date_param(start_date, "start_date") or end - dt.timedelta(days=MAX_DAYS)
        if (end - start).days > MAX_DAYS:
            raise ApplicationError(f"At most {MAX_DAYS} days between start_date and end_date.", code="range_too_long")
        petitions = petitions.filter(received_at__gte=start, received_at__lte=end)
    if service_code:
        petitions = petitions.filter(category__code=service_code) | petitions.filter(
            category__open311_code=service_code
        )
    if status in ("open", "closed"):
        wanted = [s for s, v in OPEN311_STATUS.items() if v == status]
        petitions = petitions.filter(state__in=wanted)
    return [_request(p) for p in petitions[:MAX_REQUESTS]]


@router.get("/requests/{code}.json", summary="Open311: one service request")
def open311_request_detail(request, code: str):
    petitions = petition_list(official=request.auth, states=None)
    return [_request(get_object_or_404(petitions, tracking_code__iexact=code))]
