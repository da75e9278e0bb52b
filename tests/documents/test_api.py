"""The document-management system's way in: POST /api/v1/documents (authenticated, idempotent by the document's
id, one answer per document in the wire's shape), each newly assigned official told once on the internal channel,
GET back what this client sent."""

import json

from ketnoi.api.services import api_client_create
from ketnoi.broadcasts.models import InternalNotice
from ketnoi.documents.models import Assignment, Document

from .conftest import document

URL = "/api/v1/documents"


def push(client, headers, *documents):
    response = client.post(URL, json.dumps({"documents": list(documents)}), content_type="application/json", **headers)
    return response.status_code, response.json()


def test_the_dms_pushes_documents_and_each_new_assignee_is_told_once(world, client, dms):
    _, headers = dms
    world.leader_a.email = "lanhdao@donghoa.binhson.gov.vn"
    world.leader_a.save()
    ok = document(assignees=["xuly.donghoa", "LANHDAO@donghoa.binhson.gov.vn"])
    bad = document("VB-2", assignees=["nobody.here"])
    status, body = push(client, headers, ok, bad)
    assert status == 200 and body["counts"] == {"created": 1, "error": 1}
    assert body["results"][0]["notified"] == ["xuly.donghoa", "lanhdao.donghoa"]
    assert body["results"][1]["code"] == "unknown_assignee" and "nobody.here" in body["results"][1]["message"]
    assert not Document.objects.filter(external_id="VB-2").exists()  # the bad one stores nothing
    notice = InternalNotice.objects.get(user=world.processor_a)
    assert "125/UBND-VP" in notice.text and "phòng chống lụt bão" in notice.text and "10/12/2026" in notice.text
    assert notice.url == "/console/assigned-documents/"

    status, body = push(client, headers, ok)  # the same again: nothing new, no second notice
    assert body["results"][0]["status"] == "unchanged" and body["results"][0]["notified"] == []
    assert InternalNotice.objects.count() == 2

    status, body = push(client, headers, {**ok, "deadline": "2026-12-15", "assignees": ["xuly.donghoa"]})
    assert body["results"][0]["status"] == "updated"
    states = dict(Assignment.objects.values_list("official__username", "state"))
    assert states == {"xuly.donghoa": "open", "lanhdao.donghoa": "withdrawn"}
    assert Document.objects.get().deadline.isoformat() == "2026-12-15"


def test_bad_input_and_no_token_are_answered_in_the_wires_shape(world, client, dms):
    _, headers = dms
    status, body = push(client, headers, document(title=""))
    assert status == 422 and body["code"] == "invalid"
    status, body = push(client, headers, document(link="javascript:alert(1)"))
    assert status == 200 and body["results"][0]["code"] == "bad_link"
    response = client.post(URL, json.dumps({"documents": [document()]}), content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    assert not Document.objects.exists()


def test_assignees_outside_the_clients_unit_are_refused(world, client):
    _, token = api_client_create(actor=None, name="QLVB phường", unit=world.commune_a)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    status, body = push(client, headers, document(assignees=["tiepnhan.binhan"]))  # an official of Xã Bình An
    assert status == 200 and body["results"][0]["code"] == "unknown_assignee"
    assert not Document.objects.exists() and not InternalNotice.objects.exists()


def test_a_client_reads_back_only_what_it_sent(world, client, dms):
    _, headers = dms
    _, other_token = api_client_create(actor=None, name="Another system", unit=world.province)
    other = {"HTTP_AUTHORIZATION": f"Bearer {other_token}"}
    push(client, headers, document("MINE"))
    push(client, other, document("THEIRS"))
    mine = client.get(URL, **headers).json()["items"]
    assert [d["external_id"] for d in mine] == ["MINE"]
    assert mine[0]["assignments"] == [{"official": "xuly.donghoa", "state": "open"}] and mine[0]["done"] is False
