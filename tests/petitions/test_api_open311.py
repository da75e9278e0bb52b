"""The native petitions API and the Open311 GeoReport v2 endpoints: file, list and read back, scoped to the
client's unit; an Open311 request round-trips (POST requests.json, then GET requests/{id}.json and the list)."""

import pytest

from ketnoi.api.services import api_client_create
from ketnoi.petitions.models import Petition
from ketnoi.petitions.services import answer_approve, answer_submit, petition_accept

BASE = "/api/v1"


@pytest.fixture
def token(pw):
    _client, token = api_client_create(actor=None, name="Tổng đài 1022 Đông Hòa", unit=pw.commune_a)
    return token


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


PETITION = {
    "external_id": "1022-000451",
    "category_code": "ha-tang",
    "area_code": "90001",
    "subject": "Đèn đường hỏng",
    "text": "Đèn đường trước nhà văn hóa Tổ dân phố 2 bị hỏng hơn một tuần.",
    "petitioner": {"name": "Nguyễn Văn An", "phone": "0912000111"},
    "media_urls": ["https://example.vn/anh/den-duong.jpg"],
}


def test_api_files_a_petition_once_and_reads_it_back_without_contacts(pw, token, client):
    first = client.post(f"{BASE}/petitions", PETITION, content_type="application/json", **auth(token))
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["created"] is True
    petition = body["petition"]
    assert petition["owner_agency_code"] == "H90.90001" and petition["state"] == "received"
    assert petition["answer_due"] and petition["track_url"].startswith("http")
    again = client.post(f"{BASE}/petitions", PETITION, content_type="application/json", **auth(token))
    assert again.json()["created"] is False and again.json()["petition"]["uuid"] == petition["uuid"]
    assert Petition.objects.count() == 1
    listed = client.get(f"{BASE}/petitions?external_id=1022-000451", **auth(token)).json()
    assert [p["tracking_code"] for p in listed["items"]] == [petition["tracking_code"]]
    assert "0912000111" not in str(listed) and "+84912000111" not in str(listed)
    assert Petition.objects.get().attachments.get().url == PETITION["media_urls"][0]


def test_api_refuses_an_area_outside_the_client_unit(pw, token, client):
    outside = {**PETITION, "area_code": "90007"}
    response = client.post(f"{BASE}/petitions", outside, content_type="application/json", **auth(token))
    assert response.status_code == 403
    bad_tax = {
        **PETITION,
        "petitioner": {"name": "Công ty", "type": "business", "business_name": "A", "tax_code": "0100109100"},
    }
    response = client.post(f"{BASE}/petitions", bad_tax, content_type="application/json", **auth(token))
    assert response.status_code == 400 and response.json()["code"] == "invalid_tax_code"
    response = client.post(
        f"{BASE}/open311/v2/requests.json",
        {"api_key": token, "service_code": "ha-tang", "jurisdiction_id": "90007", "description": "x" * 20},
    )
    assert response.status_code == 403
    assert Petition.objects.count() == 0


def test_open311_requests_round_trip(pw, token, client):
    services = client.get(f"{BASE}/open311/v2/services.json?api_key={token}")
    assert services.status_code == 200
    codes = {s["service_code"]: s for s in services.json()}
    assert (
        codes["ha-tang"]["service_name"] == "Hạ tầng, giao thông, chiếu sáng" and codes["ha-tang"]["type"] == "realtime"
    )

    created = client.post(
        f"{BASE}/open311/v2/requests.json",
        {
            "api_key": token,
            "service_code": "ha-tang",
            "lat": "10.7769",
            "long": "106.7009",
            "address_string": "Trước nhà văn hóa Tổ dân phố 2",
            "description": "Đèn đường hỏng, buổi tối rất tối và nguy hiểm.",
            "first_name": "An",
            "last_name": "Nguyễn Văn",
            "phone": "0912000111",
            "media_url": "https://example.vn/anh/1.jpg",
        },
    )
    assert created.status_code == 200, created.content
    [receipt] = created.json()
    request_id = receipt["service_request_id"]
    petition = Petition.objects.get(tracking_code=request_id)
    assert petition.source == "open311" and petition.area == pw.commune_a

    [request] = client.get(f"{BASE}/open311/v2/requests/{request_id}.json?api_key={token}").json()
    assert request["service_request_id"] == request_id and request["status"] == "open"
    assert request["service_code"] == "ha-tang" and request["description"].startswith("Đèn đường hỏng")
    assert request["lat"] == pytest.approx(10.7769) and request["long"] == pytest.approx(106.7009)
    assert request["address"] == "Trước nhà văn hóa Tổ dân phố 2" and request["media_url"].endswith("1.jpg")
    assert request["agency_responsible"] == pw.centre_a.name and request["expected_datetime"]

    petition_accept(actor=pw.processor_a, petition=petition)
    answer_submit(actor=pw.processor_a, petition=petition, text="Đã thay bóng đèn.")
    answer_approve(actor=pw.leader_a, petition=petition)
    [request] = client.get(f"{BASE}/open311/v2/requests/{request_id}.json", **auth(token)).json()
    assert request["status"] == "closed" and "Đã thay bóng đèn." in request["status_notes"]

    listed = client.get(f"{BASE}/open311/v2/requests.json?api_key={token}&status=closed").json()
    assert [r["service_request_id"] for r in listed] == [request_id]
    assert client.get(f"{BASE}/open311/v2/requests.json?api_key={token}&status=open").json() == []
    assert client.get(f"{BASE}/open311/v2/requests.json?api_key={token}&service_request_id={request_id}").json()


def test_open311_reads_are_public_but_a_wrong_key_is_refused(pw, client):
    assert client.get(f"{BASE}/open311/v2/services.json").status_code == 200
    refused = client.get(f"{BASE}/open311/v2/services.json?api_key=wrong")
    assert refused.status_code == 403 and refused.json() == [{"code": 403, "description": "Invalid api_key."}]
    filing = client.post(f"{BASE}/open311/v2/requests.json", {"service_code": "ha-tang", "description": "x" * 20})
    assert filing.status_code == 403 and filing.json()[0]["code"] == 403
