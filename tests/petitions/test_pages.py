"""Console and portal pages: the web form (citizen and business), the petitioner's token page, the queue and the
detail page's actions, the association's read-only oversight, the editor's policy feed on the business page with
the hotline, and the business menu in the chat for people tagged business."""

import re

import pytest

from ketnoi.channels.types.base import EventKind, InboundEvent
from ketnoi.outbox.models import OutboundMessage
from ketnoi.petitions.models import Petition
from ketnoi.petitions.services import Petitioner, answer_submit, petition_accept
from ketnoi.petitions.tokens import petition_token

from .conftest import chat_person


def test_web_form_files_a_business_petition_and_shows_the_tracking_page(pw, client):
    client.cookies["django_language"] = "en"
    form = client.get("/phan-anh/gui/?doi-tuong=doanh-nghiep").content.decode()
    category = re.search(r'<option value="([0-9a-f-]{36})">Khó khăn, vướng mắc của doanh nghiệp', form).group(1)
    data = {
        "petitioner_type": "business",
        "name": "Nguyễn Thành Nam",
        "phone": "0912 000 444",
        "business_name": "Công ty TNHH Cơ khí Bình Sơn",
        "tax_code": "0100109107",
        "category": category,
        "area": str(pw.province.uuid),
        "subject": "Chậm giải quyết thuê đất",
        "text": "Hồ sơ thuê đất khu công nghiệp đã nộp hơn hai tháng nhưng chưa có kết quả.",
        "consent_to_publish": "on",
    }
    refused = client.post("/phan-anh/gui/", data)
    assert refused.status_code == 200 and "tax code" in refused.content.decode()
    assert Petition.objects.count() == 0
    response = client.post("/phan-anh/gui/", {**data, "tax_code": "0100109106"}, follow=True)
    petition = Petition.objects.get()
    assert petition.is_business and petition.owner_agency.code == "H90.100" and petition.source == "web"
    assert response.redirect_chain[-1][0] == f"/phan-anh/theo-doi/{petition_token(petition)}/"
    assert petition.tracking_code in response.content.decode()
    status = client.get(f"/phan-anh/theo-doi/?code={petition.tracking_code}").content.decode()
    assert "Received" in status and "Nguyễn Thành Nam" not in status and "Chậm giải quyết" not in status
    assert client.get("/phan-anh/theo-doi/not-a-token/").status_code == 404


def test_console_queue_detail_and_actions(pw, make_petition, client):
    client.cookies["django_language"] = "en"
    petition = make_petition(pw)
    client.force_login(pw.processor_a)
    assert petition.tracking_code in client.get("/console/petitions/").content.decode()
    detail = client.get(f"/console/petitions/{petition.uuid}/").content.decode()
    assert "091****111" in detail and "0912000111" not in detail and 'id="act-accept"' in detail
    client.post(f"/console/petitions/{petition.uuid}/act/accept/")
    client.post(f"/console/petitions/{petition.uuid}/act/answer/", {"text": "Đã sửa đèn."})
    petition.refresh_from_db()
    assert petition.state == "awaiting_approval"
    refused = client.post(f"/console/petitions/{petition.uuid}/act/refuse/", {"reason": "x"}, follow=True)
    assert "You cannot refuse a petition in state" in refused.content.decode()
    client.force_login(pw.leader_a)
    assert 'id="act-approve"' in client.get(f"/console/petitions/{petition.uuid}/").content.decode()
    client.post(f"/console/petitions/{petition.uuid}/act/approve/")
    petition.refresh_from_db()
    assert petition.state == "answered"


def test_the_drafting_leader_is_not_offered_approval(pw, make_petition, client):
    petition = make_petition(pw)
    petition_accept(actor=pw.leader_a, petition=petition)
    answer_submit(actor=pw.leader_a, petition=petition, text="Đã sửa đèn.")
    client.cookies["django_language"] = "en"
    client.force_login(pw.leader_a)
    page = client.get(f"/console/petitions/{petition.uuid}/").content.decode()
    assert 'id="act-approve"' not in page and 'id="four-eyes"' in page
    response = client.post(f"/console/petitions/{petition.uuid}/act/approve/", follow=True)
    petition.refresh_from_db()
    assert petition.state == "awaiting_approval" and "four eyes" in response.content.decode()


def test_association_oversight_is_read_only_and_shows_no_personal_contacts(pw, make_petition, client):
    business = make_petition(
        pw,
        category="doanh-nghiep",
        petitioner=Petitioner(
            name="Nguyễn Thành Nam",
            type="business",
            business_name="Công ty TNHH Cơ khí Bình Sơn",
            tax_code="0100109106",
            phone="0912000555",
        ),
    )
    citizen = make_petition(pw)
    client.force_login(pw.association)
    page = client.get("/console/petitions/oversight/").content.decode()
    assert business.tracking_code in page and "Công ty TNHH Cơ khí Bình Sơn" in page
    assert citizen.tracking_code not in page
    assert "0912000555" not in page and "Nguyễn Thành Nam" not in page and '<form method="post"' not in page
    assert client.get(f"/console/petitions/{business.uuid}/").status_code == 403
    assert client.post(f"/console/petitions/{business.uuid}/act/accept/").status_code == 403
    assert client.get("/console/petitions/").status_code == 403


def test_editor_publishes_a_policy_to_the_business_page_with_the_hotline(pw, client):
    client.force_login(pw.editor)
    client.post(
        "/console/petitions/policies/",
        {"title": "Miễn phí thuê mặt bằng năm đầu", "summary": "Cho doanh nghiệp khởi nghiệp.", "publish": "1"},
    )
    client.post("/console/petitions/policies/", {"title": "Bản nháp chưa công bố"})
    client.logout()
    page = client.get("/doanh-nghiep/").content.decode()
    assert "Miễn phí thuê mặt bằng năm đầu" in page and "Bản nháp chưa công bố" not in page
    assert 'href="tel:02991234567"' in page
    client.force_login(pw.processor_a)
    assert client.get("/console/petitions/policies/").status_code == 403


@pytest.mark.parametrize("tagged", [True, False])
def test_business_menu_in_the_chat_for_people_tagged_business(pw, tagged):
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.pipeline.inbound import handle as handle_message

    person = chat_person(pw.commune_a)
    if tagged:
        person.tags = ["business"]
        person.save(update_fields=["tags"])
    event = InboundEvent(
        kind=EventKind.MESSAGE,
        provider_event="user_send_text",
        dedup_key="biz-1",
        occurred_at=timezone.now(),
        user_id=person.user_id,
        text="#business",
    )
    with transaction.atomic():
        handle_message(person.channel, event)
    menu = OutboundMessage.objects.filter(source_type="business_menu").first()
    if not tagged:
        assert menu is None
        return
    shown = str(menu.payload)
    assert "Chính sách cho doanh nghiệp" in shown and "02991234567" in shown and "#petition:business" in shown


def test_administrator_sets_up_a_category_and_a_rule(pw, make_petition, client):
    from ketnoi.core.workdays import add_working_days
    from ketnoi.orgs.models import Agency
    from ketnoi.petitions.models import PetitionCategory

    client.force_login(pw.admin)
    client.post(
        "/console/petitions/set-up/",
        {
            "what": "category",
            "unit": str(pw.province.uuid),
            "code": "giao-duc",
            "name": "Giáo dục, trường học",
            "audience": "citizen",
            "forward_days": "3",
            "acknowledge_days": "7",
            "answer_days": "20",
            "publish_days": "2",
        },
    )
    category = PetitionCategory.objects.get(code="giao-duc")
    assert (category.forward_days, category.answer_days) == (3, 20)
    school_office = Agency.objects.get(code="UB.90001")
    client.post(
        "/console/petitions/set-up/",
        {
            "what": "rule",
            "unit": str(pw.province.uuid),
            "category": str(category.uuid),
            "area": str(pw.commune_a.uuid),
            "agency": str(school_office.uuid),
        },
    )
    page = client.get("/console/petitions/set-up/").content.decode()
    assert "Giáo dục, trường học" in page and school_office.name in page
    pw.categories["giao-duc"] = category
    petition = make_petition(pw, category="giao-duc")
    assert petition.owner_agency == school_office
    assert petition.answer_due == add_working_days(petition.received_at, 20)
    client.force_login(pw.processor_a)
    assert client.get("/console/petitions/set-up/").status_code == 403


def test_a_tracking_code_typed_in_the_chat_shows_the_status(pw, make_petition):
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.petitions.services import Origin
    from ketnoi.pipeline.inbound import handle as handle_message

    person = chat_person(pw.commune_a)
    own = make_petition(pw, origin=Origin(source="chat", channel_contact=person))
    other = make_petition(pw)
    for n, code in enumerate((own.tracking_code, other.tracking_code.lower())):
        event = InboundEvent(
            kind=EventKind.MESSAGE,
            provider_event="user_send_text",
            dedup_key=f"code-{n}",
            occurred_at=timezone.now(),
            user_id=person.user_id,
            text=f"cho hỏi phản ánh {code} sao rồi",
        )
        with transaction.atomic():
            handle_message(person.channel, event)
    replies = list(OutboundMessage.objects.filter(source_type="conversation").order_by("id"))
    assert own.tracking_code in replies[-2].payload["text"] and "phan-anh/theo-doi" in str(replies[-2].payload)
    assert other.tracking_code in replies[-1].payload["text"] and "phan-anh/theo-doi" not in str(replies[-1].payload)
    assert "Đã tiếp nhận" in replies[-1].payload["text"]


def test_reopen_from_the_chat_button_asks_what_is_unresolved(pw, make_petition):
    from django.db import transaction
    from django.utils import timezone

    from ketnoi.petitions.services import Origin, answer_approve
    from ketnoi.pipeline.inbound import handle as handle_message

    person = chat_person(pw.commune_a)
    petition = make_petition(pw, origin=Origin(source="chat", channel_contact=person))
    petition_accept(actor=pw.processor_a, petition=petition)
    answer_submit(actor=pw.processor_a, petition=petition, text="Đã sửa đèn.")
    answer_approve(actor=pw.leader_a, petition=petition)
    for n, text in enumerate((f"#petition.reopen:{petition.tracking_code}", "Đèn lại tắt từ tối qua.")):
        event = InboundEvent(
            kind=EventKind.MESSAGE,
            provider_event="user_send_text",
            dedup_key=f"reopen-{n}",
            occurred_at=timezone.now(),
            user_id=person.user_id,
            text=text,
        )
        with transaction.atomic():
            handle_message(person.channel, event)
    petition.refresh_from_db()
    assert petition.state == "reopened" and petition.reopen_count == 1
    assert petition.events.get(kind="reopened").note == "Đèn lại tắt từ tối qua."
