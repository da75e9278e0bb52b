"""Every size limit of every machine-facing endpoint, at the limit and one past it, answered in that wire's own
shape: DVCQG `{error_code, message}`, the native API `{code, message}`, Open311 `[{code, description}]`, the
channel webhooks `{ok: false, error, message}`, the Zalo sandbox HTTP 200 `{error, message}`. Never Django's HTML
page, never a 500; a refused call applies nothing."""

import json

import pytest

from ketnoi.api.dvcqg.models import DvcqgRecord, DvcqgRequest
from ketnoi.api.services import api_client_create
from ketnoi.documents.services import MAX_BATCH as DOCUMENTS_MAX
from ketnoi.dossiers.models import Dossier, DossierEvent
from ketnoi.dossiers.services.sync import MAX_BATCH
from ketnoi.petitions.demo_config import seed_config
from ketnoi.petitions.models import Petition
from tests.api_dvcqg import payloads
from tests.api_dvcqg.conftest import Caller, make_client
from tests.channels import samples
from tests.channels.conftest import make_zalo_channel, receive_url, sign
from tests.dossiers.conftest import make_procedures

SMALL = 4096  # the body limit the tests set, so a body "at the limit" stays small


def padded(value, size: int) -> bytes:
    """JSON of exactly `size` bytes: trailing spaces are still the same JSON."""
    raw = json.dumps(value, ensure_ascii=False).encode()
    assert len(raw) <= size, len(raw)
    return raw + b" " * (size - len(raw))


# DVCQG -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def dvcqg(world, client):
    dvcqg_client, key = make_client(world)
    return Caller(client, dvcqg_client, key)


def steps_for(count: int, code: str = "000.00.12.H90-261115-9999") -> list[dict]:
    return [
        payloads.step(f"202611{15 + i // 1440 % 10:02d}{i // 60 % 24:02d}{i % 60:02d}00", "4", f"Bước {i}", MaHoSo=code)
        for i in range(count)
    ]


def test_dvcqg_steps_at_the_limit_are_taken_and_one_more_is_refused_whole(dvcqg):
    at_limit = dvcqg.service("CapNhatTienDoHoSoMC", steps_for(MAX_BATCH))
    assert at_limit.status_code == 200, at_limit.content
    assert at_limit.json()["error_code"] == 0 and len(at_limit.json()["results"]) == MAX_BATCH
    assert len(DvcqgRecord.objects.get(code="000.00.12.H90-261115-9999").pending_steps) == MAX_BATCH

    past = dvcqg.service("CapNhatTienDoHoSoMC", steps_for(MAX_BATCH + 1, code="000.00.12.H90-261115-8888"))
    assert past.status_code == 413 and past["Content-Type"].startswith("application/json")
    assert past.json()["error_code"] == -1 and "1.000" in past.json()["message"] and "1.001" in past.json()["message"]
    assert not DvcqgRecord.objects.filter(code="000.00.12.H90-261115-8888").exists()
    assert DvcqgRequest.objects.filter(service="").latest("id").items == 0  # kept raw, nothing applied


def test_dvcqg_dossier_arrays_past_the_limit_are_refused_on_both_envelopes(dvcqg):
    dossiers = [payloads.dossier(MaHoSo=f"000.00.12.H90-261115-{n:04d}") for n in range(MAX_BATCH + 1)]
    adapter = dvcqg.service("DongBoHoSoMC", dossiers, isUpdating="False")
    assert adapter.status_code == 413 and adapter.json()["error_code"] == -1
    array = dvcqg.array("ThemMoi", dossiers)
    assert array.status_code == 413 and array.json()["error_code"] == "-1"
    steps = dvcqg.array("DongBoTienTrinh", steps_for(MAX_BATCH + 1))
    assert steps.status_code == 413 and steps.json()["error_code"] == "-1"
    assert Dossier.objects.count() == 0 and not DvcqgRecord.objects.exists()


def test_dvcqg_bodies_at_the_limit_are_read_and_one_byte_more_is_refused(dvcqg, client, settings):
    settings.DVCQG_MAX_BODY_BYTES = SMALL
    session = dvcqg.session()
    cases = [
        ("/api/dvcqg/adapter/auth", {"username": dvcqg.client.username, "password": "mot-cua-2026"}, 0),
        ("/api/dvcqg/adapter/service", payloads.adapter("CapNhatTienDoHoSoMC", session, steps_for(1)), 0),
        (f"/api/dvcqg/rest/{dvcqg.key}/DongBoTienTrinh", steps_for(1), "0"),
    ]
    for url, body, ok in cases:
        at_limit = client.post(url, padded(body, SMALL), content_type="application/json")
        assert at_limit.status_code == 200 and at_limit.json()["error_code"] == ok, (url, at_limit.content)
        past = client.post(url, padded(body, SMALL + 1), content_type="application/json")
        assert past.status_code == 413, (url, past.content)
        assert past.json() == {"error_code": -1 if ok == 0 else "-1", "message": "Gói tin quá lớn: tối đa 4.096 byte."}


# The native API -------------------------------------------------------------------------------------------------


@pytest.fixture
def token(world):
    make_procedures()
    seed_config()  # the petition categories
    _client, token = api_client_create(actor=None, name="Một cửa Đông Hòa", unit=world.commune_a)
    return token


def test_native_event_batches_at_the_limit_are_applied_and_one_more_is_refused_whole(client, token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    event = {"event_id": "e", "external_id": "MC-404", "status_code": 4, "occurred_at": "2026-11-24T10:00:00+07:00"}
    at_limit = [{**event, "event_id": f"e{i}"} for i in range(MAX_BATCH)]
    response = client.post("/api/v1/dossiers/events", {"events": at_limit}, content_type="application/json", **headers)
    assert response.status_code == 200 and len(response.json()["results"]) == MAX_BATCH
    past = [{**event, "event_id": f"f{i}"} for i in range(MAX_BATCH + 1)]
    response = client.post("/api/v1/dossiers/events", {"events": past}, content_type="application/json", **headers)
    assert response.status_code == 413
    assert response.json() == {
        "code": "batch_too_large",
        "message": "A call carries at most 1,000 events; this one has 1,001.",
    }
    assert not DossierEvent.objects.filter(external_event_id__startswith="f").exists()


def test_document_batches_at_the_limit_are_answered_and_one_more_is_refused_whole(client, token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    document = {"number": "1/UBND", "title": "Công văn", "link": "https://vb.example.vn/1", "assignees": ["nobody"]}
    at_limit = [{**document, "external_id": f"d{i}"} for i in range(DOCUMENTS_MAX)]
    response = client.post("/api/v1/documents", {"documents": at_limit}, content_type="application/json", **headers)
    assert response.status_code == 200 and len(response.json()["results"]) == DOCUMENTS_MAX
    past = [{**document, "external_id": f"e{i}"} for i in range(DOCUMENTS_MAX + 1)]
    response = client.post("/api/v1/documents", {"documents": past}, content_type="application/json", **headers)
    assert response.status_code == 413
    assert response.json() == {
        "code": "batch_too_large",
        "message": "A call carries at most 500 documents; this one has 501.",
    }


NATIVE_POSTS = [
    "/api/v1/dossiers",
    "/api/v1/dossiers/events",
    "/api/v1/procedures",
    "/api/v1/petitions",
    "/api/v1/documents",
]


@pytest.mark.parametrize("path", NATIVE_POSTS)
def test_native_bodies_at_the_limit_are_read_and_one_byte_more_is_refused(client, token, settings, path):
    settings.API_MAX_BODY_BYTES = SMALL
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    at_limit = client.post(path, padded({}, SMALL), content_type="application/json", **headers)
    assert at_limit.status_code == 422 and at_limit.json()["code"] == "invalid"  # read, and found wanting
    past = client.post(path, padded({}, SMALL + 1), content_type="application/json", **headers)
    assert past.status_code == 413
    assert past.json() == {"code": "too_large", "message": "The request body is larger than 4,096 bytes."}


@pytest.mark.parametrize(
    "path", ["/api/v1/units", "/api/v1/procedures", "/api/v1/dossiers", "/api/v1/petitions", "/api/v1/documents"]
)
def test_native_pages_hold_at_most_1000_rows(client, token, path):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    at_limit = client.get(path, {"limit": 1000}, **headers)
    assert at_limit.status_code == 200 and set(at_limit.json()) == {"items", "next_cursor"}
    past = client.get(path, {"limit": 1001}, **headers)
    assert past.status_code == 422 and past.json()["code"] == "invalid"
    assert past.json()["extra"]["errors"][0]["loc"][-1] == "limit"


def test_native_text_fields_at_their_limit_and_one_past(client, token, world):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    petition = {
        "external_id": "x" * 100,
        "category_code": "ha-tang",
        "text": "Đ" * 5000,
        "petitioner": {"name": "Nguyễn Văn An"},
    }
    at_limit = client.post("/api/v1/petitions", petition, content_type="application/json", **headers)
    assert at_limit.status_code == 200, at_limit.content
    for field, value in (("external_id", "y" * 101), ("text", "Đ" * 5001)):
        past = client.post("/api/v1/petitions", {**petition, field: value}, content_type="application/json", **headers)
        assert past.status_code == 422 and past.json()["extra"]["errors"][0]["loc"][-1] == field
    assert Petition.objects.count() == 1


# Open311 --------------------------------------------------------------------------------------------------------


def test_open311_limits_answer_geo_report_errors(client, token, settings):
    request = {"api_key": token, "service_code": "ha-tang", "description": "Đ" * 5000}
    at_limit = client.post("/api/v1/open311/v2/requests.json", request)
    assert at_limit.status_code == 200, at_limit.content
    past = client.post("/api/v1/open311/v2/requests.json", {**request, "description": "Đ" * 5001})
    assert past.status_code == 400 and past.json()[0]["code"] == 400
    assert past.json()[0]["description"].startswith("description:")

    assert client.get("/api/v1/open311/v2/requests.json", {"page_size": 1000}).status_code == 200
    too_many = client.get("/api/v1/open311/v2/requests.json", {"page_size": 1001})
    assert too_many.status_code == 400 and too_many.json()[0]["code"] == 400

    settings.API_MAX_BODY_BYTES = SMALL
    url = f"/api/v1/open311/v2/requests.json?api_key={token}"
    body = {"service_code": "ha-tang", "description": "Đèn đường hỏng trước nhà văn hóa."}
    assert client.post(url, padded(body, SMALL), content_type="application/json").status_code == 200
    past = client.post(url, padded(body, SMALL + 1), content_type="application/json")
    assert past.status_code == 413
    assert past.json() == [{"code": 413, "description": "The request body is larger than 4,096 bytes."}]
    assert Petition.objects.count() == 2


# Channel webhooks -------------------------------------------------------------------------------------------------


def test_webhook_bodies_at_the_limit_are_taken_and_one_byte_more_is_refused(world, client, settings):
    settings.CHANNEL_WEBHOOK_MAX_BYTES = SMALL
    channel = make_zalo_channel(world.commune_a)
    event = samples.text(msg_id="limit-1")
    for size, status in ((SMALL, 200), (SMALL + 1, 413)):
        body = padded(event, size)
        signature = "mac=" + sign(body, str(event["timestamp"]))
        response = client.post(
            receive_url(channel), data=body, content_type="application/json", headers={"X-ZEvent-Signature": signature}
        )
        assert response.status_code == status, response.content
    assert response.json() == {
        "ok": False,
        "error": "too_large",
        "message": "The body is larger than 4,096 bytes.",
        "max_bytes": SMALL,
    }


# The Zalo sandbox -------------------------------------------------------------------------------------------------


def test_sandbox_bodies_past_the_limit_get_zalos_error(zalo_sandbox, settings):
    import httpx

    from tests.sandbox.helpers import followed_user

    settings.SANDBOX = {"MAX_BODY_BYTES": SMALL}
    oa = zalo_sandbox.create_oa("OA")
    user = followed_user(zalo_sandbox, oa)
    body = {"recipient": {"user_id": user["user_id"]}, "message": {"text": "Xin chào"}}
    url = f"{settings.ZALO_OPENAPI_BASE}/v3.0/oa/message/cs"
    headers = {"access_token": oa["access_token"], "Content-Type": "application/json"}
    at_limit = httpx.post(url, content=padded(body, SMALL), headers=headers)
    assert at_limit.status_code == 200 and at_limit.json()["error"] == 0
    past = httpx.post(url, content=padded(body, SMALL + 1), headers=headers)
    assert past.status_code == 200
    assert past.json() == {"error": -201, "message": "request body is too large"}
    assert len(zalo_sandbox.messages(oa_id=oa["oa_id"])) == 1


# Text PostgreSQL cannot store ---------------------------------------------------------------------------------


def test_text_with_a_nul_character_is_refused_in_each_wires_shape(client, token, dvcqg):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    petition = {"external_id": "nul-1", "category_code": "ha-tang", "text": "a\x00b", "petitioner": {"name": "An"}}
    body = client.post("/api/v1/petitions", petition, content_type="application/json", **headers)
    assert body.status_code == 400
    assert body.json() == {"code": "invalid", "message": "Text may not contain the NUL character (U+0000)."}
    query = client.get("/api/v1/dossiers", {"external_id": "x\x00"}, **headers)
    assert query.status_code == 400 and query.json()["code"] == "invalid"
    form = client.post(
        "/api/v1/open311/v2/requests.json", {"api_key": token, "service_code": "ha-tang", "description": "a\x00b"}
    )
    assert form.status_code == 400 and form.json()[0]["code"] == 400
    adapter = dvcqg.service("DongBoHoSoMC", [payloads.dossier(ChuHoSo="Nguyễn\x00Văn A")], isUpdating="False")
    assert adapter.status_code == 400 and adapter.json()["error_code"] == -1 and "NUL" in adapter.json()["message"]
    assert Petition.objects.count() == 0 and Dossier.objects.count() == 0
