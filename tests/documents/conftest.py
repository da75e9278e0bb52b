"""Documents to process: an API client of the document-management system, and the chat fixtures for the phone."""

import pytest

from ketnoi.api.services import api_client_create
from tests.conversations.conftest import new_phone, oa  # noqa: F401  (fixtures)


@pytest.fixture
def dms(world):
    """The province's document-management system as an API client of the province."""
    client, token = api_client_create(actor=None, name="Hệ thống quản lý văn bản", unit=world.province)
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def document(external_id="VB-1", **fields):
    values = {
        "external_id": external_id,
        "number": "125/UBND-VP",
        "title": "V/v triển khai kế hoạch phòng chống lụt bão năm 2026",
        "deadline": "2026-12-10",
        "link": f"https://qlvb.binhson.gov.vn/van-ban/{external_id}",
        "assignees": ["xuly.donghoa"],
    }
    values.update(fields)
    return values
