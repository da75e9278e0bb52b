"""Setting up the organisation from the console: every change goes through a service and writes an audit row; the
official unit list imports with a per-row report; the Django admin can only look."""

import pytest

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ketnoi.core.models import AuditEntry
from ketnoi.orgs.models import AdministrativeUnit, Agency, Desk, UnitKind

UNIT_LIST = """Mã,Tên,Loại,Mã cấp trên,Hiệu lực từ,Mã đơn vị cũ,Nghị quyết
90020,Xã Sông Cầu,Xã,,01/07/2025,,NQ 1680/NQ-UBTVQH15
90021,Phường Hòa Bình,Phường,,01/07/2025,"90004, 90010",NQ 1680/NQ-UBTVQH15
90022,Đặc khu Hòn Ngọc,Đặc khu,,01/07/2025,,NQ 1680/NQ-UBTVQH15
9002001,Thôn Bến Đò,Thôn,90020,01/07/2025,,
"""


def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"))


def post_and_count(client, url, data):
    before = AuditEntry.objects.count()
    response = client.post(url, data)
    assert response.status_code in (200, 302), (url, response.status_code)
    return response, list(AuditEntry.objects.order_by("id")[before:].values_list("action", flat=True))


def test_every_organisation_change_writes_an_audit_row(world, client):
    client.force_login(world.admin)
    _, actions = post_and_count(
        client,
        reverse("console:unit_create"),
        {"kind": UnitKind.VILLAGE, "name": "Tổ dân phố 9", "code": "", "parent": world.commune_a.pk},
    )
    assert actions == ["unit.create"]
    village = AdministrativeUnit.objects.get(name="Tổ dân phố 9")
    assert village.path == f"{world.commune_a.path}{village.pk}/"

    _, actions = post_and_count(
        client, reverse("console:unit_edit", kwargs={"uuid": village.uuid}), {"name": "Tổ dân phố 9A", "code": ""}
    )
    assert actions == ["unit.update"]

    west = AdministrativeUnit.objects.get(code="90004", valid_to__isnull=True)
    hoa_lac = AdministrativeUnit.objects.get(code="90010", valid_to__isnull=True)
    _, actions = post_and_count(
        client,
        reverse("console:unit_reorganize", kwargs={"uuid": west.uuid}),
        {
            "predecessors": [west.pk, hoa_lac.pk],
            "kind": UnitKind.WARD,
            "name": "Phường Tây Hòa",
            "code": "90004",
            "effective": "2026-01-01",
            "source": "NQ 2026",
        },
    )
    assert actions == ["unit.retire", "unit.retire", "unit.create"]

    _, actions = post_and_count(
        client,
        reverse("console:agency_create"),
        {
            "name": "Sở Tài chính",
            "short_name": "STC",
            "code": "H90.30",
            "kind": "department",
            "unit": world.province.pk,
        },
    )
    assert actions == ["agency.create"]
    agency = Agency.objects.get(code="H90.30")
    _, actions = post_and_count(
        client,
        reverse("console:agency_edit", kwargs={"uuid": agency.uuid}),
        {"name": "Sở Tài chính tỉnh", "short_name": "STC", "kind": "department", "is_active": "on"},
    )
    assert actions == ["agency.update"]
    _, actions = post_and_count(
        client, reverse("console:desk_create", kwargs={"uuid": agency.uuid}), {"code": "Q01", "name": "Quầy 1"}
    )
    assert actions == ["desk.create"]
    desk = Desk.objects.get(agency=agency)
    _, actions = post_and_count(client, reverse("console:desk_edit", kwargs={"uuid": desk.uuid}), {"name": "Quầy 1"})
    assert actions == ["desk.update"]

    _, actions = post_and_count(client, reverse("console:unit_import"), {"file": upload("units.csv", UNIT_LIST)})
    assert actions.count("unit.create") == 4 and "unit.retire" in actions  # 90010 already ended above
    assert all(AuditEntry.objects.filter(actor=world.admin, action__in=actions).values_list("actor_label", flat=True))


def test_the_unit_list_imports_with_merges_and_is_idempotent(world, client):
    client.force_login(world.admin)
    page = client.post(reverse("console:unit_import"), {"file": upload("units.csv", UNIT_LIST)})
    assert 'id="import-done"' in page.content.decode()
    merged = AdministrativeUnit.objects.get(code="90021", valid_to__isnull=True)
    assert {u.code for u in merged.predecessors.all()} == {"90004", "90010"}
    old = AdministrativeUnit.objects.get(code="90004")
    assert str(old.valid_to) == "2025-06-30" and old.successors.get() == merged
    # villages of the former units now sit under the new ward
    assert merged.children.filter(valid_to__isnull=True).count() == 6
    village = AdministrativeUnit.objects.get(code="9002001")
    assert village.parent.code == "90020" and village.kind == UnitKind.VILLAGE
    again = client.post(reverse("console:unit_import"), {"file": upload("units.csv", UNIT_LIST)})
    assert again.context["report"].unchanged and not again.context["report"].created


def test_a_bad_unit_list_imports_nothing_and_says_why_per_row(world, client):
    client.force_login(world.admin)
    bad = "Mã,Tên,Loại,Mã cấp trên,Hiệu lực từ,Mã đơn vị cũ\n90030,Xã Một,Xã,,01/07/2025,\n,Xã Hai,Huyện,,32/13/2025,99999\n"
    before = AdministrativeUnit.objects.count()
    report = client.post(reverse("console:unit_import"), {"file": upload("bad.csv", bad)}).context["report"]
    assert AdministrativeUnit.objects.count() == before
    assert {(e.row, e.field) for e in report.errors} >= {
        (3, "code"),
        (3, "kind"),
        (3, "valid_from"),
        (3, "predecessors"),
    }


def test_a_commune_administrator_sets_up_only_their_commune(world, client):
    client.force_login(world.unit_admin_a)
    response = client.post(
        reverse("console:unit_create"),
        {"kind": UnitKind.VILLAGE, "name": "Tổ 10", "parent": world.commune_b.pk},
    )
    assert response.status_code == 200 and not AdministrativeUnit.objects.filter(name="Tổ 10").exists()
    assert client.get(reverse("console:unit_edit", kwargs={"uuid": world.commune_b.uuid})).status_code == 404


@pytest.mark.parametrize(
    "model",
    ["orgs/administrativeunit", "orgs/agency", "orgs/desk", "orgs/membership", "auth/user"],
)
def test_the_django_admin_cannot_write_organisation_or_accounts(world, client, model):
    client.force_login(world.admin)
    assert client.get(f"/django-admin/{model}/").status_code == 200
    assert client.get(f"/django-admin/{model}/add/").status_code == 403
    app_label, model_name = model.split("/")
    from django.apps import apps

    obj = apps.get_model(app_label, model_name).objects.first()
    change = f"/django-admin/{model}/{obj.pk}/change/"
    assert client.post(change, {"name": "Changed", "username": "changed"}).status_code == 403
    assert client.post(f"/django-admin/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert apps.get_model(app_label, model_name).objects.filter(pk=obj.pk).exists()


def test_first_run_sets_up_a_province_only_while_there_is_no_administrator(client, db):
    from django.contrib.auth import get_user_model

    assert "first-run-link" in client.get(reverse("console:login")).content.decode()
    response = client.post(
        reverse("console:first_run"),
        {
            "province_name": "Tỉnh Lâm Đồng",
            "province_code": "68",
            "kind": "province",
            "full_name": "Nguyễn Thị Hoa",
            "username": "quantri",
            "email": "",
            "password": "Lam-Dong-2026!",
        },
    )
    assert response["Location"] == reverse("console:login")
    province = AdministrativeUnit.objects.get()
    assert province.code == "68" and province.path == f"/{province.pk}/"
    admin = get_user_model().objects.get(username="quantri")
    assert admin.memberships.get().role == "system_admin"
    assert AuditEntry.objects.filter(action="province.setup").exists()
    assert client.get(reverse("console:first_run")).status_code == 404
    assert client.post(reverse("console:first_run"), {"province_name": "X"}).status_code == 404
    # the first administrator must set up the second factor before anything else
    client.post(reverse("console:login"), {"username": "quantri", "password": "Lam-Dong-2026!"})
    assert client.get(reverse("console:unit_import"))["Location"].startswith(reverse("console:two_factor_setup"))


def test_setup_province_command(db):
    import os

    from django.core.management import call_command

    os.environ["KETNOI_TEST_ADMIN_PASSWORD"] = "Lam-Dong-2026!"
    call_command(
        "setup_province",
        "--name=Thành phố Cần Thơ",
        "--code=92",
        "--city",
        "--username=admin.cantho",
        "--full-name=Trần Văn Minh",
        "--password-from-env=KETNOI_TEST_ADMIN_PASSWORD",
    )
    assert AdministrativeUnit.objects.get().kind == UnitKind.CITY
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "setup_province",
            "--name=X",
            "--code=01",
            "--username=x",
            "--full-name=X",
            "--password-from-env=KETNOI_TEST_ADMIN_PASSWORD",
        )


def test_the_unit_list_imports_from_xlsx_with_codes_as_numbers(world, client):
    import datetime as dt
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Mã", "Tên", "Loại", "Mã cấp trên", "Hiệu lực từ"])
    sheet.append([90030, "Xã Suối Tiên", "Xã", None, dt.datetime(2025, 7, 1)])
    sheet.append([9030, "Phường Bến Cảng", "Phường", 90, "01/07/2025"])  # a leading zero dropped by the sheet
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(world.admin)
    report = client.post(
        reverse("console:unit_import"), {"file": SimpleUploadedFile("don-vi.xlsx", buffer.getvalue())}
    ).context["report"]
    assert report.imported, report.errors
    assert AdministrativeUnit.objects.get(code="90030").valid_from.isoformat() == "2025-07-01"
    assert AdministrativeUnit.objects.get(code="09030").kind == UnitKind.WARD


def test_the_national_list_imports_only_this_provinces_rows(world, client):
    national = """Mã TP,Tỉnh / Thành Phố,Mã,Tên,Cấp
01,Thành phố Hà Nội,00070,Phường Hoàn Kiếm,Phường
90,Tỉnh Bình Sơn,90040,Xã Núi Đỏ,Xã
90,Tỉnh Bình Sơn,90041,Phường Cầu Mới,Phường
68,Tỉnh Lâm Đồng,24820,Phường Xuân Hương - Đà Lạt,Phường
"""
    client.force_login(world.admin)
    report = client.post(reverse("console:unit_import"), {"file": upload("dmhc.csv", national)}).context["report"]
    assert report.imported and sorted(report.created) == ["90040", "90041"]
    assert any("2" in warning for warning in report.warnings)
    assert not AdministrativeUnit.objects.filter(code__in=["00070", "24820"]).exists()
