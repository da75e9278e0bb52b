"""The integration API: procedures and dossiers upserted idempotently, status events replayed, out of order and
in batches of 1,000 with mixed results, errors as JSON {code, message}, nothing written outside the client's unit."""

import pytest

from ketnoi.api.services import api_client_create
from ketnoi.dossiers.models import Dossier, DossierEvent
from ketnoi.outbox.models import OutboundMessage


@pytest.fixture
def api(world, procedures, client):
    _, token = api_client_create(actor=None, name="Một cửa Đông Hòa", unit=world.commune_a)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    class Api:
        def post(self, path, body):
            return client.post(f"/api/v1{path}", body, content_type="application/json", **headers)

        def get(self, path, **query):
            return client.get(f"/api/v1{path}", query, **headers)

    return Api()


def dossier_body(external_id="MC-1", **extra):
    body = {
        "external_id": external_id,
        "receipt_code": f"H90.90001-261124-{external_id[-1]}001",
        "other_codes": [f"000.00.12.H90-261124-5{external_id[-1]}123"],
        "procedure_code": "1.001193",
        "receiving_agency_code": "H90.90001",
        "applicant": {"name": "Phạm Văn Đức", "phone": "0905123456", "id_number": "049088001234", "type": "1"},
        "channel": "2",
        "received_at": "20261124093200",
    }
    body.update(extra)
    return body


def event(event_id, code, minute, external_id="MC-1", **extra):
    return {
        "event_id": event_id,
        "external_id": external_id,
        "status_code": code,
        "occurred_at": f"2026-11-24T10:{minute:02d}:00+07:00",
        **extra,
    }


def test_dossier_upsert_is_idempotent_and_masks_personal_data(api):
    first = api.post("/dossiers", dossier_body())
    assert first.status_code == 200, first.content
    data = first.json()
    assert data["created"] is True
    assert data["dossier"]["applicant_phone"] == "090****456"
    assert data["dossier"]["applicant_id_number"] == "********1234"
    assert data["dossier"]["status_code"] == 2 and data["dossier"]["due_date"] == "2026-11-27"
    again = api.post("/dossiers", dossier_body(summary="Đăng ký khai sinh cho con"))
    assert again.json()["created"] is False and Dossier.objects.count() == 1
    by_alias = api.get("/dossiers", code="000.00.12.H90-261124-51123")
    assert [d["external_id"] for d in by_alias.json()["items"]] == ["MC-1"]


def test_replayed_event_is_applied_once_and_notifies_once(api):
    api.post("/dossiers", dossier_body())
    dossier = Dossier.objects.get()
    notices = OutboundMessage.objects.filter(source_id=str(dossier.uuid))
    before = notices.count()
    body = {"events": [event("e1", 4, 1)]}
    first = api.post("/dossiers/events", body).json()
    second = api.post("/dossiers/events", body).json()
    assert first["results"][0]["status"] == "applied"
    assert second["results"][0]["status"] == "duplicate"
    assert DossierEvent.objects.filter(external_event_id="e1").count() == 1
    dossier.refresh_from_db()
    assert dossier.state == "processing"
    assert notices.count() - before in (0, 1)  # one per linked channel; none here without an OA


def test_out_of_order_events_converge_on_the_newest(api):
    api.post("/dossiers", dossier_body())
    late_result = api.post("/dossiers/events", {"events": [event("e9", 9, 30, collection_place="Quầy 2")]}).json()
    assert late_result["results"][0]["status"] == "applied"
    stale = api.post("/dossiers/events", {"events": [event("e4", 4, 10)]}).json()
    assert stale["results"][0]["status"] == "stale"
    dossier = Dossier.objects.get()
    assert dossier.state == "result_ready" and dossier.collection_place == "Quầy 2"
    assert DossierEvent.objects.filter(external_event_id="e4", outcome="stale").exists()
    # Within one batch, events are applied in order of their time whatever their order in the request.
    api.post("/dossiers", dossier_body("MC-2"))
    batch = [event("b3", 10, 50, "MC-2"), event("b1", 4, 40, "MC-2"), event("b2", 9, 45, "MC-2")]
    results = api.post("/dossiers/events", {"events": batch}).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "applied"]
    assert [r["index"] for r in results] == [0, 1, 2]
    assert Dossier.objects.get(external_id="MC-2").state == "result_returned"


def test_batch_of_1000_with_mixed_results(api):
    for n in range(1, 4):
        api.post("/dossiers", dossier_body(f"MC-{n}"))
    events = []
    for i in range(1000):
        kind = i % 5
        if kind == 0:
            events.append(event(f"x{i}", 4, 0, f"MC-{i % 3 + 1}"))  # first wins, others unchanged
        elif kind == 1:
            events.append(event(f"x{i}", 4, 0, "MC-404"))  # unknown dossier
        elif kind == 2:
            events.append(event(f"x{i}", 42, 0))  # unknown code
        elif kind == 3:
            events.append(event("x0", 4, 0))  # duplicate id of the first event
        else:
            events.append(event(f"x{i}", 2, 0, f"MC-{i % 3 + 1}"))
    response = api.post("/dossiers/events", {"events": events})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 1000 and [r["index"] for r in results] == list(range(1000))
    codes = {r["code"] for r in results if r["status"] == "error"}
    assert codes == {"not_found", "unknown_status"}
    assert sum(r["status"] == "duplicate" for r in results) >= 200
    assert sum(r["status"] == "applied" for r in results) >= 3
    too_many = api.post("/dossiers/events", {"events": [event(f"y{i}", 4, 0) for i in range(1001)]})
    assert too_many.status_code == 413 and too_many.json()["code"] == "batch_too_large"


def test_errors_are_json_with_code_and_message(api, client):
    bad = api.post("/dossiers", {"external_id": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    unknown = api.post("/dossiers", dossier_body(procedure_code="9.999"))
    assert unknown.status_code == 404 and unknown.json() == {
        "code": "unknown_procedure",
        "message": "No procedure has the code '9.999'.",
    }
    assert client.get("/api/v1/dossiers").json()["code"] == "unauthenticated"
    assert api.get("/dossiers/00000000-0000-0000-0000-000000000000").json()["code"] == "not_found"


def test_writes_outside_the_client_unit_are_refused(api, world):
    other = api.post("/dossiers", dossier_body(receiving_agency_code="H90.90007"))
    assert other.status_code == 403 and other.json()["code"] == "not_permitted"
    proc = api.post("/procedures", {"code": "9.1", "name": "Thủ tục xã khác", "agency_code": "UB.90007"})
    assert proc.status_code == 403
    from tests.test_scoping_matrix import _dossier

    theirs = _dossier(world, world.commune_b)
    result = api.post("/dossiers/events", {"events": [event("o1", 4, 0, "", receipt_code=theirs.receipt_code)]})
    assert result.json()["results"][0]["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.state == "received"


def test_procedure_upsert_by_code(api):
    body = {"code": "1.009", "name": "Chứng thực bản sao từ bản chính", "agency_code": "UB.90001", "processing_days": 1}
    assert api.post("/procedures", body).json()["result"] == "created"
    assert api.post("/procedures", body).json()["result"] == "unchanged"
    assert api.post("/procedures", {**body, "processing_days": 2}).json()["result"] == "updated"
    assert api.get("/procedures/1.009").json()["processing_days"] == 2
    bad = api.post("/procedures", {**body, "online_level": "sometimes"})
    assert bad.status_code == 422 and bad.json()["extra"]["errors"][0]["loc"][-1] == "online_level"
    too_long = api.post("/procedures", {**body, "code": "1." + "9" * 39})
    assert too_long.status_code == 422 and too_long.json()["extra"]["errors"][0]["loc"][-1] == "code"


def test_supplement_completed_upstream_restarts_the_clock_unless_a_due_date_is_sent(api):
    from ketnoi.core.workdays import add_working_days

    api.post("/dossiers", dossier_body())
    api.post("/dossiers/events", {"events": [event("s1", 5, 1, missing=["Giấy chứng sinh"])]})
    dossier = Dossier.objects.get()
    assert dossier.state == "supplement_requested" and dossier.supplement_items == ["Giấy chứng sinh"]
    resumed = api.post("/dossiers/events", {"events": [event("s2", 4, 2, occurred_at="2026-12-01T09:00:00+07:00")]})
    assert resumed.json()["results"][0]["status"] == "applied"
    dossier.refresh_from_db()
    assert dossier.due_date == add_working_days(dossier.clock_started_at, 3)
    api.post("/dossiers/events", {"events": [event("s3", 4, 3, occurred_at="20261202090000", due_date="20261210")]})
    dossier.refresh_from_db()
    assert str(dossier.due_date) == "2026-12-10"


def test_a_corrected_phone_moves_the_notices_to_whoever_proved_the_new_number(api, world):
    """Issue 15.1: links by phone follow the applicant's phone as the one-stop system corrects it. The person who
    proved the old (wrong) number stops hearing about the dossier; the one who proved the new number is linked."""
    from ketnoi.channels.models import Channel
    from ketnoi.contacts.models import ChannelContact, Contact
    from ketnoi.dossiers.models import DossierLink

    channel = Channel.objects.create(unit=world.commune_a, type_code="webchat", name="Hỏi đáp")
    wrong, right = (
        ChannelContact.objects.create(channel=channel, contact=Contact.objects.create(phone=phone), user_id=phone)
        for phone in ("+84905123456", "+84905999888")
    )
    api.post("/dossiers", dossier_body())
    linked = lambda person: DossierLink.objects.filter(contact=person.contact, is_active=True).exists()  # noqa: E731
    assert linked(wrong) and not linked(right)
    body = dossier_body()
    body["applicant"] = {**body["applicant"], "phone": "0905 999 888"}
    assert api.post("/dossiers", body).status_code == 200
    assert not linked(wrong) and linked(right)
