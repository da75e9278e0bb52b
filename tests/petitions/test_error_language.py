"""Errors the services raise reach people in their language: Vietnamese by default, English with the switch."""

import re

import pytest

from ketnoi.petitions.models import Petition
from ketnoi.petitions.services import answer_submit, petition_accept


def _business_form(client) -> dict:
    form = client.get("/phan-anh/gui/?doi-tuong=doanh-nghiep").content.decode()
    category = re.search(r'<option value="([0-9a-f-]{36})">Khó khăn, vướng mắc của doanh nghiệp', form).group(1)
    return {
        "petitioner_type": "business",
        "name": "Nguyễn Thành Nam",
        "phone": "0912 000 444",
        "business_name": "Công ty TNHH Cơ khí Bình Sơn",
        "tax_code": "0100109107",
        "category": category,
        "subject": "Chậm giải quyết thuê đất",
        "text": "Hồ sơ thuê đất khu công nghiệp đã nộp hơn hai tháng nhưng chưa có kết quả.",
    }


def test_an_invalid_tax_code_is_refused_in_vietnamese_on_the_portal(pw, client):
    data = {**_business_form(client), "area": str(pw.province.uuid)}
    refused = client.post("/phan-anh/gui/", data).content.decode()
    assert "Mã số thuế 0100109107 không hợp lệ: chữ số kiểm tra không khớp" in refused
    assert "is not valid" not in refused
    short = client.post("/phan-anh/gui/", {**data, "tax_code": "12345"}).content.decode()
    assert "Mã số thuế không hợp lệ: mã số thuế gồm 10 chữ số" in short
    assert Petition.objects.count() == 0


def test_the_same_error_is_in_english_with_the_language_switch(pw, client):
    client.cookies["django_language"] = "en"
    data = {**_business_form(client), "area": str(pw.province.uuid)}
    refused = client.post("/phan-anh/gui/", data).content.decode()
    assert "The tax code 0100109107 is not valid: its last digit does not match" in refused
    assert "không hợp lệ" not in refused


def test_four_eyes_refusal_is_in_vietnamese_on_the_console(pw, make_petition, client):
    petition = make_petition(pw)
    petition_accept(actor=pw.leader_a, petition=petition)
    answer_submit(actor=pw.leader_a, petition=petition, text="Đã sửa đèn.")
    client.force_login(pw.leader_a)
    page = client.post(f"/console/petitions/{petition.uuid}/act/approve/", follow=True).content.decode()
    assert "Văn bản trả lời do bạn soạn phải được một lãnh đạo khác duyệt." in page
    petition.refresh_from_db()
    assert petition.state == "awaiting_approval"
    client.cookies["django_language"] = "en"
    page = client.post(f"/console/petitions/{petition.uuid}/act/approve/", follow=True).content.decode()
    assert "Another leader must approve an answer you drafted (four eyes)." in page


def test_an_illegal_petition_move_is_named_in_vietnamese(pw, make_petition, client):
    petition = make_petition(pw)
    client.force_login(pw.processor_a)
    client.post(f"/console/petitions/{petition.uuid}/act/accept/")
    client.post(f"/console/petitions/{petition.uuid}/act/answer/", {"text": "Đã sửa đèn."})
    page = client.post(f"/console/petitions/{petition.uuid}/act/refuse/", {"reason": "x"}, follow=True)
    assert "Không thể từ chối phản ánh, kiến nghị ở trạng thái" in page.content.decode()


def test_the_native_api_answers_in_english_whatever_the_language(pw, client):
    from ketnoi.api.services import api_client_create

    _client, token = api_client_create(actor=None, name="Tổng đài 1022 Đông Hòa", unit=pw.commune_a)
    client.cookies["django_language"] = "vi"
    body = {
        "external_id": "1022-000452",
        "category_code": "ha-tang",
        "area_code": "90001",
        "subject": "Đèn đường hỏng",
        "text": "Đèn đường trước nhà văn hóa Tổ dân phố 2 bị hỏng hơn một tuần.",
        "petitioner": {"name": "Công ty", "type": "business", "business_name": "A", "tax_code": "0100109107"},
    }
    response = client.post(
        "/api/v1/petitions",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_tax_code"
    assert response.json()["message"].startswith("The tax code 0100109107 is not valid")
    # The next page request is in Vietnamese again: the API's English does not leak.
    page = client.post("/phan-anh/gui/", {**_business_form(client), "area": str(pw.province.uuid)}).content.decode()
    assert "Mã số thuế 0100109107 không hợp lệ" in page


def test_a_deadline_out_of_range_is_named_in_both_languages(pw):
    from django.utils import translation

    from ketnoi.core.errors import ApplicationError
    from ketnoi.petitions.services import category_save

    fields = {"code": "giao-duc", "name": "Giáo dục, trường học", "forward_days": 3, "answer_days": 200}
    for language, expected in (
        ("vi", "Thời hạn trả lời phải từ 1 đến 120 ngày làm việc."),
        ("en", "The deadline to answer must be 1 to 120 working days."),
    ):
        with translation.override(language), pytest.raises(ApplicationError) as raised:
            category_save(actor=pw.admin, unit=pw.province, **fields)
        assert (raised.value.code, raised.value.message) == ("invalid_days", expected)
