"""The public disclosure /phan-anh/: only answered petitions approved for publication, with personal data
removed (names, phones, ID numbers, e-mails, addresses, tax codes), searchable without diacritics, with each
agency's on-time rate and average answer time."""

import pytest

from ketnoi.petitions.services import (
    Petitioner,
    answer_approve,
    answer_submit,
    petition_accept,
    petition_publish,
)

PERSONAL = [
    "Nguyễn Văn An",
    "Văn An",
    "0912 345 678",
    "0912345678",
    "912345678",
    "an.nguyen@example.vn",
    "001203004567",
    "12 đường Lê Lợi",
    "Trần Thị Bích",
    "0100109106",
]
TEXT = (
    "Tôi là Nguyễn Văn An, nhà số 12 đường Lê Lợi, Tổ dân phố 2. Đèn đường trước nhà văn hóa bị hỏng. "
    "Liên hệ 0912 345 678 hoặc an.nguyen@example.vn, CCCD 001203004567. Bà Trần Thị Bích hàng xóm cũng phản ánh."
)


def answered(pw, make_petition, *, text=TEXT, subject="Đèn đường hỏng, gọi 0912345678", publish=True, **kwargs):
    petition = make_petition(
        pw,
        text=text,
        subject=subject,
        petitioner=kwargs.pop(
            "petitioner", Petitioner(name="Nguyễn Văn An", phone="0912345678", email="an.nguyen@example.vn")
        ),
        **kwargs,
    )
    petition_accept(actor=pw.processor_a, petition=petition)
    answer_submit(
        actor=pw.processor_a,
        petition=petition,
        text="Gửi ông Nguyễn Văn An (0912345678): Ủy ban đã thay bóng đèn trước nhà văn hóa.",
        publish=publish,
    )
    answer_approve(actor=pw.leader_a, petition=petition)
    petition.refresh_from_db()
    return petition


@pytest.fixture
def published(pw, make_petition):
    petition = answered(pw, make_petition)
    return petition_publish(actor=pw.processor_a, petition=petition)


def test_personal_data_never_appears_on_the_public_pages(pw, make_petition, published, client):
    business = answered(
        pw,
        make_petition,
        category="thu-tuc",
        subject="Vướng mắc thuê đất",
        text="Công ty TNHH Cơ khí Bình Sơn, MST 0100109106, do ông Nguyễn Văn An làm giám đốc, chờ thuê đất.",
        petitioner=Petitioner(
            name="Nguyễn Văn An",
            type="business",
            business_name="Công ty TNHH Cơ khí Bình Sơn",
            tax_code="0100109106",
            phone="0912345678",
        ),
    )
    petition_publish(actor=pw.processor_a, petition=business, text=business.text)  # an edited text is cleaned too
    pages = [
        "/phan-anh/",
        f"/phan-anh/{published.tracking_code}/",
        f"/phan-anh/{business.tracking_code}/",
        "/doanh-nghiep/",
        "/doanh-nghiep/hoi-dap/",
        "/phan-anh/?q=den+duong",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in [*PERSONAL, "Cơ khí Bình Sơn"]:
            assert secret not in body, (url, secret)
    detail = client.get(f"/phan-anh/{published.tracking_code}/").content.decode()
    assert "Đèn đường trước nhà văn hóa bị hỏng" in detail and "thay bóng đèn" in detail


def test_only_published_answers_are_listed_and_search_ignores_diacritics(pw, make_petition, published, client):
    unpublished = answered(pw, make_petition, subject="Đèn đường hỏng ở chợ", publish=False)
    open_one = make_petition(pw, subject="Đèn đường hỏng ở trường")
    body = client.get("/phan-anh/?q=DEN DUONG").content.decode()
    assert published.tracking_code in body
    assert unpublished.tracking_code not in body and open_one.tracking_code not in body
    assert published.tracking_code not in client.get("/phan-anh/?q=rac+thai").content.decode()
    assert client.get(f"/phan-anh/{unpublished.tracking_code}/").status_code == 404


def test_agency_on_time_rate_and_average_answer_time(pw, published, client):
    client.cookies["django_language"] = "en"
    body = client.get("/phan-anh/").content.decode()
    assert "How agencies answer" in body
    assert pw.centre_a.name in body and "100.0%" in body
