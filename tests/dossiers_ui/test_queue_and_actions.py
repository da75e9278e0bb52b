"""The processing queue (due-date order, at-risk and overdue colours, search) and transitions through the UI."""

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from ketnoi.dossiers.models import Dossier, EventKind

from .conftest import take_in
from .test_documents import page_text


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="([^"]*)" data-code="([^"]+)"', html)


def test_queue_is_sorted_by_due_date_with_colours(world, catalog, client):
    now = timezone.now()
    late = take_in(world, catalog["1.004884"], applicant_name="Lê Văn Trễ")  # 5 working days, received 3 weeks ago
    Dossier.objects.filter(pk=late.pk).update(due_date=timezone.localdate(now) - dt.timedelta(days=2))
    risky = take_in(world, catalog["1.004884"], applicant_name="Phạm Thị Gấp")
    Dossier.objects.filter(pk=risky.pk).update(due_date=timezone.localdate(now))
    calm = take_in(world, catalog["1.009994"], applicant_name="Đỗ Văn Thong")  # 15 working days

    client.force_login(world.processor_a)
    html = client.get(reverse("console:dossier_queue")).content.decode()
    rows = _rows(html)
    assert [code for _, code in rows] == [late.receipt_code, risky.receipt_code, calm.receipt_code]
    assert [cls for cls, _ in rows] == ["due-over", "due-risk", ""]

    overdue_only = _rows(client.get(reverse("console:dossier_queue"), {"overdue": "1"}).content.decode())
    assert [code for _, code in overdue_only] == [late.receipt_code]


def test_queue_search_ignores_accents_and_finds_phone_and_code(world, catalog, client):
    mine = take_in(world, catalog["1.004884"], applicant_name="Đặng Thị Hương", applicant_phone="0903 111 222")
    other = take_in(world, catalog["1.004884"], applicant_name="Trần Văn Nam", applicant_phone="0903 999 888")
    client.force_login(world.processor_a)
    for query in ("dang thi huong", "Hương", "1222", mine.receipt_code.lower()):
        codes = [c for _, c in _rows(client.get(reverse("console:dossier_queue"), {"q": query}).content.decode())]
        assert codes == [mine.receipt_code], query
    assert other.receipt_code not in client.get(reverse("console:dossier_queue"), {"q": "huong"}).content.decode()


def test_processing_officer_moves_a_dossier_through_the_ui(world, dossier, client):
    client.force_login(world.processor_a)
    detail = client.get(reverse("console:dossier_detail", args=[dossier.uuid])).content.decode()
    assert 'id="act-processing"' in detail and 'id="act-result_returned"' not in detail  # legal moves only

    act = lambda action, data: client.post(reverse("console:dossier_act", args=[dossier.uuid, action]), data)  # noqa: E731
    assert act("processing", {"processing-note": "Chuyển xử lý"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "processing"
    assert dossier.events.filter(kind=EventKind.TRANSITION, to_state="processing", actor=world.processor_a).exists()

    response = act("supplement_requested", {"supplement_requested-missing": ""})
    form_html = response.content.decode().split('id="act-supplement_requested"')[1].split("</form>")[0]
    assert response.status_code == 200 and 'class="errorlist"' in form_html
    dossier.refresh_from_db()
    assert dossier.state == "processing"  # nothing half-written

    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    response = act(
        "supplement_requested",
        {"supplement_requested-missing": "Bản sao CCCD\nGiấy ủy quyền", "supplement_requested-due_date": due},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "supplement_requested"
    assert dossier.supplement_items == ["Bản sao CCCD", "Giấy ủy quyền"]
    assert "Bản sao CCCD" in client.get(reverse("console:dossier_detail", args=[dossier.uuid])).content.decode()


def test_desk_returns_the_result_and_registers_postal_delivery(world, dossier, client):
    client.force_login(world.desk_a)
    url = lambda action: reverse("console:dossier_act", args=[dossier.uuid, action])  # noqa: E731
    assert client.post(url("postal"), {"postal-address": "99 Hai Bà Trưng, Phường Đông Hòa"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.postal_registered_at is not None and dossier.postal_fee
    assert client.post(url("result_ready"), {"result_ready-collection_place": "Quầy 1"}).status_code == 302
    assert client.post(url("result_returned"), {"result_returned-collected_by": ""}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "result_returned"
    assert list(dossier.events.filter(kind__in=["result_ready", "result_returned"]).values_list("kind", flat=True)) == [
        "result_ready",
        "result_returned",
    ]


def test_apology_prompt_when_at_risk(world, dossier, client):
    Dossier.objects.filter(pk=dossier.pk).update(due_date=timezone.localdate())
    client.force_login(world.processor_a)
    html = client.get(reverse("console:dossier_detail", args=[dossier.uuid])).content.decode()
    assert 'id="apology-prompt"' in html
    new_date = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        reverse("console:dossier_act", args=[dossier.uuid, "apology"]),
        {"apology-new_due_date": new_date, "apology-reason": "Cần xác minh thêm"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.apology_issued_at is not None and dossier.due_date.isoformat() == new_date
    html = client.get(reverse("console:dossier_detail", args=[dossier.uuid])).content.decode()
    assert 'id="apology-prompt"' not in html and 'id="apology-link"' in html
    slip = client.get(reverse("console:dossier_apology", args=[dossier.uuid]))
    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf"
    text = " ".join(page_text(slip.content).split())
    assert "Cần xác minh thêm" in text and dossier.due_date.strftime("%d/%m/%Y") in text
