"""Console pages of the working-day calendar and the procedure catalog: who may use them, and what they do."""

import datetime as dt
import io
import json

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ketnoi.core.models import CalendarDay
from ketnoi.core.workdays import is_working_day
from ketnoi.procedures.demo import seed as seed_demo_procedures
from ketnoi.procedures.models import Procedure

CALENDAR_ROUTES = [("get", "console:calendar", {}), ("post", "console:calendar_seed", {})]
CALENDAR_ROUTES += [("post", "console:calendar_day_remove", {"date": "2026-02-17"})]


@pytest.mark.parametrize("method, route, kwargs", CALENDAR_ROUTES)
@pytest.mark.parametrize("who", ["unit_admin_a", "desk_a", "leader_a"])
def test_only_system_administrators_reach_the_calendar(client, world, method, route, kwargs, who):
    client.force_login(getattr(world, who))
    assert getattr(client, method)(reverse(route, kwargs=kwargs)).status_code == 403
    assert "calendar/" not in client.get(reverse("console:home")).content.decode()


def test_calendar_year_page_seed_add_and_remove(client, world):
    client.force_login(world.admin)
    response = client.post(reverse("console:calendar_seed"), {"year": "2026"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2026")
    page = client.get(reverse("console:calendar"), {"year": "2026"}).content.decode()
    assert "Nghị quyết 28/2026/QH16" in page and "17/02/2026" in page
    saturday = dt.date(2026, 10, 10)
    form = {"date": "2026-10-10", "kind": "working_day", "name": "Làm bù", "source_document": "CV 12/UBND (demo)"}
    assert client.post(reverse("console:calendar") + "?year=2026", form).status_code == 302
    assert is_working_day(saturday)
    assert "CV 12/UBND (demo)" in client.get(reverse("console:calendar"), {"year": "2026"}).content.decode()
    bad = client.post(reverse("console:calendar"), {**form, "name": "", "date": "10/10"})
    assert bad.status_code == 200 and CalendarDay.objects.get(date=saturday).name == "Làm bù"
    client.post(reverse("console:calendar_day_remove", kwargs={"date": "2026-10-10"}))
    assert not is_working_day(saturday)
    assert client.post(reverse("console:calendar_day_remove", kwargs={"date": "not-a-date"})).status_code == 302


def test_every_official_reads_the_catalog(client, world):
    seed_demo_procedures()
    client.force_login(world.desk_a)
    page = client.get(reverse("console:procedure_list"), {"q": "ly lich tu phap"}).content.decode()
    assert "Cấp phiếu lý lịch tư pháp" in page and "Nhập từ tệp" not in page
    procedure = Procedure.objects.get(code="2.000488")
    detail = client.get(reverse("console:procedure_detail", kwargs={"uuid": procedure.uuid}))
    assert detail.status_code == 200 and "Sở Tư pháp" in detail.content.decode()
    assert client.get(reverse("console:procedure_import")).status_code == 403
    upload = SimpleUploadedFile("a.json", b"[]")
    assert client.post(reverse("console:procedure_import"), {"file": upload}).status_code == 403


def test_import_page_reports_problems_and_imports(client, world):
    client.force_login(world.admin)
    rows = [{"code": "9.1", "name": "Thủ tục một", "processing_days": "ba"}, {"code": "", "name": "Hai"}]
    upload = SimpleUploadedFile("bad.json", json.dumps(rows).encode())
    page = client.post(reverse("console:procedure_import"), {"file": upload}).content.decode()
    assert "Chưa nhập gì" in page and "processing_days" in page and "ba" in page
    assert not Procedure.objects.exists()
    good = io.BytesIO("code,name,processing_days\n9.1,Thủ tục một,3\n".encode())
    upload = SimpleUploadedFile("good.csv", good.getvalue())
    page = client.post(reverse("console:procedure_import"), {"file": upload}).content.decode()
    assert "1 mới" in page
    assert Procedure.objects.get(code="9.1").processing_days == 3
