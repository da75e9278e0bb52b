"""Desk intake through the console: type-ahead, a dossier in one POST, errors that keep what was typed."""

from django.urls import reverse

from ketnoi.dossiers.desk import documents_received
from ketnoi.dossiers.models import Dossier


def test_picker_finds_procedures_without_accents(world, catalog, client):
    client.force_login(world.desk_a)
    response = client.get(reverse("console:procedure_picker"), {"q": "cap lai giay khai sinh"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Cấp lại giấy khai sinh" in body
    assert 'hx-swap-oob="true"' in body  # the checklist of the first match comes along


def test_desk_officer_takes_a_dossier(world, catalog, client):
    procedure = catalog["1.004884"]
    documents = [d["name"] for d in procedure.documents]
    client.force_login(world.desk_a)
    page = client.get(reverse("console:dossier_intake"))
    assert page.status_code == 200 and b"autofocus" in page.content
    response = client.post(
        reverse("console:dossier_intake"),
        {
            "q": "khai sinh",
            "procedure": str(procedure.uuid),
            "applicant_name": "Trần Văn Bình",
            "applicant_phone": "0987 654 321",
            "applicant_id_number": "001 203 004 567",
            "applicant_address": "5 Trần Phú",
            "applicant_type": "citizen",
            "channel": "in_person",
            "documents": documents[:1],
            "notes": "Bản sao có chứng thực",
        },
    )
    assert response.status_code == 302
    dossier = Dossier.objects.get(applicant_name="Trần Văn Bình")
    assert dossier.receiving_agency.code == "H90.90001" and dossier.desk.code == "Q01"
    assert dossier.receipt_code.startswith("H90.90001-")
    assert dossier.applicant_phone == "+84987654321" and dossier.applicant_id_masked == "********4567"
    assert [d["name"] for d in documents_received(dossier)] == documents[:1]
    assert dossier.events.filter(kind="received").count() == 1
    after = client.get(reverse("console:dossier_intake")).content.decode()
    assert dossier.receipt_code in after and reverse("console:dossier_receipt", args=[dossier.uuid]) in after


def test_errors_are_clear_and_keep_what_was_typed(world, catalog, client):
    client.force_login(world.desk_a)
    response = client.post(
        reverse("console:dossier_intake"),
        {
            "q": "ket hon",
            "applicant_name": "",
            "applicant_phone": "12345",
            "applicant_address": "7 Nguyễn Huệ",
            "applicant_type": "citizen",
            "channel": "in_person",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    procedure_error = body.split('id="id_q"')[1].split('id="picker"')[0]
    assert 'class="errorlist"' in procedure_error  # the procedure is missing, said beside it
    assert "12345" in body and "7 Nguyễn Huệ" in body  # nothing typed is lost
    assert "Đăng ký kết hôn" in body  # the candidates for what was typed are offered
    assert not Dossier.objects.exists()


def test_processing_officer_cannot_take_dossiers(world, catalog, client):
    client.force_login(world.processor_a)
    assert client.get(reverse("console:dossier_intake")).status_code == 403


def test_the_picker_calls_a_same_day_procedure_same_day_not_0_working_days(world, catalog, client):
    client.force_login(world.desk_a)
    client.cookies["django_language"] = "vi"
    body = client.get(reverse("console:procedure_picker"), {"q": "dang ky khai tu"}).content.decode()
    assert "Đăng ký khai tử" in body and "1.000656 · trong ngày" in body
    assert "· 0 ngày làm việc" not in body
