"""Demo feed of documents to process (`make run`): the province's document-management system as an API client with
a known demo token, and a few documents assigned to the demo officials of Phường Đông Hòa, pushed through the same
service as POST /api/v1/documents, with deadlines around today (one overdue, one due tomorrow, one next week, one
without). `manage.py document_feed_demo` posts one more over HTTP, as the real system would. Idempotent."""

import datetime as dt

from django.utils import timezone

from ketnoi.documents.services import DocumentData, documents_receive
from ketnoi.orgs.models import AdministrativeUnit

from .models import ApiClient, hash_token

DMS_NAME = "Hệ thống quản lý văn bản và điều hành (demo)"
DMS_TOKEN = "kn_demo-qlvb-binhson-2026"  # noqa: S105  (demo only: a real client's token is random and shown once)
DMS_LINK = "https://qlvb.binhson.example/van-ban/"
ASSIGNEES = ["xuly.donghoa", "lanhdao.donghoa"]
PLAN = (
    ("QLVB-DEMO-1", "312/UBND-VP", "V/v báo cáo kết quả cải cách hành chính quý IV năm 2026", -2, ASSIGNEES[:1]),
    ("QLVB-DEMO-2", "87/SNV-CCHC", "V/v rà soát thủ tục hành chính thuộc thẩm quyền cấp xã", 1, ASSIGNEES),
    ("QLVB-DEMO-3", "145/UBND-KT", "V/v triển khai kế hoạch phòng, chống thiên tai năm 2027", 7, ASSIGNEES[1:]),
    ("QLVB-DEMO-4", "09/TB-UBND", "Thông báo lịch tiếp công dân tháng 12/2026", None, ASSIGNEES[:1]),
)


def demo_client() -> ApiClient | None:
    province = AdministrativeUnit.objects.filter(code="90", valid_to__isnull=True).first()
    if province is None:
        return None
    client = ApiClient.objects.filter(name=DMS_NAME).first()
    if client is None:
        client = ApiClient.objects.create(
            name=DMS_NAME, unit=province, token_hash=hash_token(DMS_TOKEN), token_hint=DMS_TOKEN[:10]
        )
    return client


def seed(stdout=None) -> None:
    client = demo_client()
    if client is None:
        return
    today = timezone.localdate()
    items = [
        DocumentData(
            external_id=external_id,
            number=number,
            title=title,
            link=DMS_LINK + external_id,
            assignees=assignees,
            deadline=today + dt.timedelta(days=days) if days is not None else None,
        )
        for external_id, number, title, days, assignees in PLAN
    ]
    results = documents_receive(unit=client.unit, system=str(client.uuid), client_label=client.name, items=items)
    if stdout is not None:
        created = sum(r.status == "created" for r in results)
        stdout.write(
            f"Documents to process: {len(items)} demo documents ({created} new) from {DMS_NAME}; "
            f"`manage.py document_feed_demo` posts one more to /api/v1/documents (token {DMS_TOKEN})"
        )
