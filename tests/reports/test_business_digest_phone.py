"""The morning digest on the internal OA, over the sandbox: the summary with its buttons, then the PDF itself as a
file message (uploaded to the OA after the notice is committed, as the morning job does)."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from ketnoi.broadcasts.services import official_link_code
from ketnoi.console.documents.digest import digest_pdf_file
from ketnoi.outbox.dispatcher import dispatch_once
from ketnoi.petitions.demo_config import seed_config, seed_officials
from ketnoi.reports.business_digest import send_digest
from ketnoi.reports.services import digest_subscribe
from tests.conversations.conftest import buttons, new_phone, oa, texts  # noqa: F401  (fixtures)


def test_a_subscriber_finds_the_digest_and_its_file_on_the_internal_oa(oa, new_phone):  # noqa: F811
    seed_config()
    seed_officials()
    monitor = get_user_model().objects.get(username="giamsat.tinh")
    phone = new_phone("Lương Thị Minh Nguyệt")
    phone.follow()
    phone.say(f"#lienket {official_link_code(official=monitor).code}")
    digest_subscribe(official=monitor, on=True)
    assert send_digest(official=monitor, day=timezone.localdate(), attachment=digest_pdf_file)
    dispatch_once(rounds=4)
    arrived = phone.new_messages()
    assert "Phản ánh, kiến nghị của doanh nghiệp, báo cáo ngày" in texts(arrived)
    assert set(buttons(arrived)) >= {"Mở báo cáo", "Tải XLSX", "Tải PDF"}
    files = [m for m in arrived if (m.get("payload") or {}).get("kind") == "file" or m.get("kind") == "file"]
    assert files, arrived
