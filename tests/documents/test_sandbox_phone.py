"""End to end over real HTTP: the document-management system posts a document to /api/v1/documents, and the
assigned official, linked to the internal OA, finds it on their (sandbox) phone with a button to open it."""

import httpx

from ketnoi.api.services import api_client_create
from ketnoi.broadcasts.services import official_link_code
from ketnoi.outbox.dispatcher import dispatch_once
from tests.conversations.conftest import buttons, texts

from .conftest import document


def test_a_document_posted_by_the_dms_reaches_the_officials_phone(oa, new_phone, live_server):
    world = oa.world
    phone = new_phone("Lê Văn Xử")
    phone.follow()
    phone.say(f"#lienket {official_link_code(official=world.processor_a).code}")
    _, token = api_client_create(actor=None, name="Hệ thống quản lý văn bản", unit=world.province)

    response = httpx.post(
        f"{live_server.url}/api/v1/documents",
        json={"documents": [document(assignees=["xuly.donghoa"])]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["counts"] == {"created": 1}
    dispatch_once(rounds=4)
    arrived = phone.new_messages()
    shown = texts(arrived)
    assert "Văn bản giao đồng chí xử lý: 125/UBND-VP" in shown and "Hạn xử lý: 10/12/2026" in shown
    assert buttons(arrived)["Mở văn bản"] == "https://qlvb.binhson.gov.vn/van-ban/VB-1"
