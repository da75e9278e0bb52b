"""Open311 GeoReport v2 as the spec has it, checked with a client we did not write: `georeport` (PyPI, the only
GeoReport v2 client there that installs on Python 3.11; it reads services, service definitions and requests, and
does not file requests, so filing goes through a plain form POST as the spec describes it).

The read endpoints are public: no api_key, no personal data. Errors are [{code, description}]."""

import httpx
import pytest
import requests
from georeport import GeoReport

from ketnoi.api.services import api_client_create
from ketnoi.petitions.models import Petition
from ketnoi.petitions.services import answer_approve, answer_submit, petition_accept, petition_publish
from tests.petitions.conftest import build_petition_world

PERSONAL = ("Nguyễn Văn An", "0912000111", "an@example.vn", "12 Trần Phú", "den-duong.jpg")


@pytest.fixture
def pw(transactional_db):
    return build_petition_world()


@pytest.fixture
def token(pw):
    _client, token = api_client_create(actor=None, name="Tổng đài 1022 Đông Hòa", unit=pw.commune_a)
    return token


def file_request(base: str, token: str, **fields) -> str:
    form = {
        "api_key": token,
        "service_code": "ha-tang",
        "lat": "10.7769",
        "long": "106.7009",
        "address_string": "12 Trần Phú, Tổ dân phố 2",
        "description": "Đèn đường trước số 12 Trần Phú hỏng; gọi Nguyễn Văn An 0912000111.",
        "first_name": "An",
        "last_name": "Nguyễn Văn",
        "email": "an@example.vn",
        "phone": "0912000111",
        "media_url": "https://example.vn/anh/den-duong.jpg",
        **fields,
    }
    response = httpx.post(f"{base}/requests.json", data=form)  # application/x-www-form-urlencoded, as the spec says
    assert response.status_code == 200, response.text
    [receipt] = response.json()
    assert receipt["service_notice"] and receipt["account_id"] is None
    return receipt["service_request_id"]


def test_a_georeport_client_reads_services_definitions_and_requests_without_a_key(live_server, pw, token):
    base = f"{live_server.url}/api/v1/open311/v2"
    public = GeoReport(base, jurisdiction="90001")

    services = {s["service_code"]: s for s in public.get_service_list()}
    assert services["ha-tang"]["type"] == "realtime" and services["ha-tang"]["metadata"] is True
    definition = public.get_service_definition("ha-tang")
    assert definition["service_code"] == "ha-tang"
    codes = [a["code"] for a in definition["attributes"]]
    assert codes[0] == "consent_to_publish" and all(a["variable"] for a in definition["attributes"])
    business = {a["code"]: a for a in public.get_service_definition("doanh-nghiep")["attributes"]}
    assert business["tax_code"]["required"] is True and business["business_name"]["required"] is True

    request_id = file_request(base, token)
    petition = Petition.objects.get(tracking_code=request_id)
    assert petition.petitioner_name == "An Nguyễn Văn" and petition.consent_to_publish is True

    [listed] = public.get_service_requests()
    assert listed["service_request_id"] == request_id and listed["status"] == "open"
    one = public.get_service_request(request_id)
    assert one["service_code"] == "ha-tang" and one["agency_responsible"] == pw.centre_a.name
    for shown in (listed, one):
        assert shown["description"] == "" and shown["address"] == "" and shown["media_url"] == ""
        assert shown["lat"] is None and shown["long"] is None
        assert not any(value in str(shown) for value in PERSONAL)

    # With the key, the integrating system reads its own requests in full.
    keyed = GeoReport(base, jurisdiction="90001")
    keyed_one = requests.get(f"{base}/requests/{request_id}.json", params={"api_key": token}, timeout=30).json()[0]
    assert keyed_one["description"].startswith("Đèn đường") and keyed_one["address"].startswith("12 Trần Phú")
    assert keyed.get_service_requests(status="open")[0]["service_request_id"] == request_id

    # Answered and published with consent: the anonymised text and answer become public, nothing else.
    petition_accept(actor=pw.processor_a, petition=petition)
    answer_submit(actor=pw.processor_a, petition=petition, text="Đã thay bóng đèn trước số 12 Trần Phú.")
    answer_approve(actor=pw.leader_a, petition=petition)
    petition_publish(actor=pw.processor_a, petition=Petition.objects.get(pk=petition.pk))
    closed = public.get_service_request(request_id)
    assert closed["status"] == "closed" and "Đèn đường" in closed["description"]
    assert "Đã thay bóng đèn" in closed["status_notes"]
    assert not any(value in str(closed) for value in PERSONAL[:3])
    assert [r["service_request_id"] for r in public.get_service_requests(status="closed")] == [request_id]
    assert public.get_service_requests(status="open") == []


def test_a_business_request_carries_its_attributes(live_server, pw, token):
    base = f"{live_server.url}/api/v1/open311/v2"
    public = GeoReport(base, jurisdiction="90001")
    services = public.get_service_list()
    both = next(
        s["service_code"]
        for s in services
        if any(a["code"] == "petitioner_type" for a in public.get_service_definition(s["service_code"])["attributes"])
    )
    request_id = file_request(
        base,
        token,
        service_code=both,
        **{
            "attribute[petitioner_type]": "business",
            "attribute[business_name]": "Công ty TNHH Bình An",
            "attribute[tax_code]": "0100109106",
            "attribute[consent_to_publish]": "no",
        },
    )
    petition = Petition.objects.get(tracking_code=request_id)
    assert petition.petitioner_type == "business" and petition.tax_code == "0100109106"
    assert petition.business_name == "Công ty TNHH Bình An" and petition.consent_to_publish is False


def test_geo_report_errors_are_code_and_description(live_server, pw, token):
    base = f"{live_server.url}/api/v1/open311/v2"
    cases = [
        (httpx.get(f"{base}/services/khong-co.json"), 404),
        (httpx.get(f"{base}/requests/PA-000000-XXXXX.json"), 404),
        (httpx.get(f"{base}/requests.json", params={"api_key": "wrong"}), 403),
        (
            httpx.get(
                f"{base}/requests.json",
                params={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            ),
            400,
        ),
        (httpx.get(f"{base}/requests.json", params={"status": "maybe"}), 400),
        (httpx.post(f"{base}/requests.json", data={"service_code": "ha-tang", "description": "x"}), 403),
        (httpx.post(f"{base}/requests.json", data={"api_key": token, "description": "Thiếu mã dịch vụ."}), 400),
        (
            httpx.post(
                f"{base}/requests.json", data={"api_key": token, "service_code": "khong-co", "description": "x"}
            ),
            404,
        ),
        (httpx.get(f"{base}/no-such-endpoint.json"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        [error] = response.json()
        assert error["code"] == status and error["description"], response.text
    with pytest.raises(requests.HTTPError):
        GeoReport(base).get_service_definition("khong-co")
    assert Petition.objects.count() == 0
