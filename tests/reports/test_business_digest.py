"""Thai Binh's daily report: on a working morning, businesses' petitions that came in since the last working morning,
those answered then, and those overdue now, by agency — the same rows on the page, in the XLSX and the PDF; sent
once to each subscriber (My notices, internal OA), never on a day off; read by the business association with no
petitioner's name or phone."""

import datetime as dt
import io
import zoneinfo

import openpyxl
import pytest
import time_machine

from django.urls import reverse

from ketnoi.broadcasts.models import InternalNotice
from ketnoi.petitions.services import Petitioner, answer_approve, answer_submit, petition_accept, petition_submit
from ketnoi.reports.business_digest import business_digest, digest_xlsx, send_business_digests
from ketnoi.reports.services import digest_subscribe
from tests.petitions.conftest import build_petition_world

HANOI = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
TUESDAY = dt.date(2026, 12, 8)  # the morning of the report; the period is Monday 7 December


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=HANOI)


def business(pw, name: str, when: dt.datetime, *, category="doanh-nghiep", subject=None):
    petitioner = Petitioner(
        name=f"Chủ {name}", phone="0912 000 555", type="business", business_name=name, tax_code="0100109106"
    )
    with time_machine.travel(when, tick=False):
        return petition_submit(
            category=pw.categories[category],
            area=pw.province,
            subject=subject or f"Vướng mắc của {name}",
            text="Hồ sơ thuê đất chậm giải quyết, đề nghị tỉnh xem xét tháo gỡ.",
            petitioner=petitioner,
        )


@pytest.fixture
def day_of_petitions(db):
    pw = build_petition_world()
    monday = TUESDAY - dt.timedelta(days=1)
    came_in = business(pw, "Công ty TNHH Cơ khí Bình Sơn", at(monday, 9))
    answered = business(pw, "Công ty CP Dệt may Tiền Hải", at(dt.date(2026, 12, 1), 10))
    overdue = business(pw, "HTX Nông nghiệp Vũ Thư", at(dt.date(2026, 11, 2), 10), subject="Chậm cấp phép xả thải")
    business(pw, "Công ty TNHH Gốm Bình Sơn", at(TUESDAY, 8))  # this morning: tomorrow's report
    with time_machine.travel(at(monday, 9), tick=False):
        citizen = petition_submit(
            category=pw.categories["ha-tang"],
            area=pw.commune_a,
            subject="Đèn đường hỏng",
            text="Đèn đường trước nhà văn hóa bị hỏng.",
            petitioner=Petitioner(name="Nguyễn Văn An", phone="0912 000 111"),
        )
    with time_machine.travel(at(monday, 14), tick=False):
        accepted = petition_accept(actor=pw.monitor, petition=answered)
        answer_submit(actor=pw.monitor, petition=accepted, text="Sở Tài nguyên và Môi trường đã giải quyết.")
    second = _second_leader(pw)
    answer_approve(actor=second, petition=answered, at=at(monday, 16))
    return pw, came_in, answered, overdue, citizen


def _second_leader(pw):
    from ketnoi.orgs import services as orgs
    from ketnoi.orgs.roles import Role

    return orgs.official_create(
        actor=None, username="pho.chutich", full_name="Phó Chủ tịch tỉnh", password="Pho-chu-tich-2026!",
        unit=pw.province, role=Role.LEADER,
    )  # fmt: skip


def test_the_digest_says_what_came_in_was_answered_and_is_overdue_by_agency(day_of_petitions, client):
    pw, came_in, answered, overdue, citizen = day_of_petitions
    digest = business_digest(official=pw.monitor, day=TUESDAY)
    assert digest.since == TUESDAY - dt.timedelta(days=1)
    assert [line.code for line in digest.received] == [came_in.tracking_code]
    assert [line.code for line in digest.answered] == [answered.tracking_code]
    assert [line.code for line in digest.overdue] == [overdue.tracking_code]
    assert digest.received[0].business == "Công ty TNHH Cơ khí Bình Sơn"
    assert digest.answered[0].answered == TUESDAY - dt.timedelta(days=1)
    assert digest.overdue[0].days_overdue == (TUESDAY - overdue.answer_due).days > 0
    agency = overdue.owner_agency.short_name or overdue.owner_agency.name
    assert [(a.agency, a.received, a.answered, a.open, a.overdue) for a in digest.agencies] == [(agency, 1, 1, 2, 1)]
    summary = digest.summary()
    assert "07/12/2026" in summary and "1" in summary and agency in summary
    assert citizen.tracking_code not in str(digest.tables())  # businesses only

    workbook = openpyxl.load_workbook(io.BytesIO(digest_xlsx(digest)))
    assert workbook.sheetnames == ["agencies", "received", "answered", "overdue"]
    overdue_sheet = [list(r) for r in workbook["overdue"].iter_rows(min_row=3, values_only=True)]
    assert overdue_sheet[0][:2] == [overdue.tracking_code, "HTX Nông nghiệp Vũ Thư"]
    assert overdue_sheet[0][-1] == digest.overdue[0].days_overdue

    client.force_login(pw.association)  # the association reads it: no petitioner's name or phone anywhere
    page = client.get(reverse("console:business_digest"), {"day": "2026-12-08"}).content.decode()
    assert came_in.tracking_code in page and overdue.tracking_code in page and "Chậm cấp phép xả thải" in page
    assert "Chủ Công ty" not in page and "0912" not in page and "091" not in page
    xlsx = client.get(reverse("console:business_digest_xlsx"), {"day": "2026-12-08"})
    assert xlsx.status_code == 200 and b"Ch\xe1\xbb\xa7 C\xc3\xb4ng ty" not in xlsx.content
    pdf = client.get(reverse("console:business_digest_pdf"), {"day": "2026-12-08"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(pw.desk_a)
    assert client.get(reverse("console:business_digest")).status_code == 403


def test_subscribers_get_it_once_each_working_morning(day_of_petitions):
    pw, *_ = day_of_petitions
    digest_subscribe(official=pw.monitor, on=True)
    digest_subscribe(official=pw.association, on=True)
    assert send_business_digests(today=dt.date(2026, 12, 12)) == 0  # a Saturday: no report
    assert send_business_digests(today=TUESDAY) == 2
    assert send_business_digests(today=TUESDAY) == 0  # once
    notice = InternalNotice.objects.get(user=pw.monitor)
    assert "1" in notice.text and notice.url == "/console/reports/business-digest/?day=2026-12-08"
    assert [b["title"] for b in notice.buttons] == ["Mở báo cáo", "Tải XLSX", "Tải PDF"]
    digest_subscribe(official=pw.association, on=False)
    assert send_business_digests(today=TUESDAY + dt.timedelta(days=1)) == 1
