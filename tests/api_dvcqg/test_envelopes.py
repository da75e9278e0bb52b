"""Both envelopes replayed with the reference's synthetic payloads: the adapter (authentication, one endpoint
dispatching on `service`) and the bare arrays (TD's URLs, HG's query string), with the answers their callers
read: error_code 0 / "0", "3" + "đã tồn tại" on a create that exists, "thành công" on success."""

import json

from ketnoi.api.dvcqg.models import DvcqgRecord, DvcqgRequest
from ketnoi.dossiers.models import Dossier, DossierEvent, EventSource
from ketnoi.dossiers.selectors import dossier_find_by_code

from . import payloads


def test_adapter_authentication_refuses_a_wrong_password_and_a_missing_session(dvcqg, client):
    wrong = client.post(
        "/api/dvcqg/adapter/auth", {"username": dvcqg.client.username, "password": "x"}, content_type="application/json"
    )
    assert wrong.status_code == 401 and wrong.json()["error_code"] == 401
    body = {"session": "forged", "service": "DongBoHoSoMC", "data": [payloads.dossier()]}
    refused = client.post("/api/dvcqg/adapter/service", body, content_type="application/json")
    assert refused.status_code == 401 and Dossier.objects.count() == 0
    assert isinstance(dvcqg.session(), str) and len(dvcqg.session()) > 20


def test_adapter_sync_creates_then_answers_already_exists_then_updates(dvcqg):
    first = dvcqg.service("DongBoHoSoMC", [payloads.dossier()], isUpdating="False")
    assert first.status_code == 200, first.content
    assert first.json()["error_code"] == 0 and "thành công" in first.json()["message"]
    dossier = Dossier.objects.get()
    assert dossier.receipt_code == payloads.CODE and dossier.state == "processing"
    assert dossier.applicant_phone == "+84900000000" and dossier.applicant_id_masked.endswith("0000")
    assert dossier.channel == "online" and dossier.due_date.isoformat() == "2026-11-22"
    assert str(dossier.external_system) == str(dvcqg.client.api_client.uuid)  # the native API's own key
    assert set(DossierEvent.objects.filter(dossier=dossier).values_list("source", flat=True)) == {EventSource.API}

    again = dvcqg.service("DongBoHoSoMC", [payloads.dossier()], isUpdating="False")
    assert again.json()["error_code"] == 3 and "đã tồn tại" in again.json()["message"]
    update = dvcqg.service("DongBoHoSoMC", [payloads.dossier(ChuHoSo="Nguyễn Văn Á")], isUpdating="True")
    assert update.json()["error_code"] == 0
    assert Dossier.objects.get().applicant_name == "Nguyễn Văn Á" and Dossier.objects.count() == 1

    steps = dvcqg.service("CapNhatTienDoHoSoMC", payloads.steps())
    assert steps.json()["error_code"] == 0 and "thành công" in steps.json()["message"]


def test_adapter_lookups_answer_from_ketnoi(dvcqg):
    unknown = dvcqg.service("TraCuuHoSo", mahoso=payloads.CODE).json()
    assert unknown == {"error_code": 0, "message": "Tra cứu thành công.", "result": []}
    dvcqg.service("DongBoHoSoMC", [payloads.dossier()], isUpdating="False")
    found = dvcqg.service("TraCuuHoSo", mahoso=payloads.CODE).json()["result"]
    assert found[0]["TrangThaiHoSo"] == "4" and found[0]["NgayTiepNhan"] == "20261115093200"
    procedure = dvcqg.service("LayThuTuc", maTTHC="1.001193.000.00.00.H90").json()["result"]
    assert procedure[0]["TENTTHC"] == "Đăng ký khai sinh"
    assert procedure[0]["LINHVUCTHUCHIEN"][0]["TENLINHVUC"] == "Hộ tịch"
    assert dvcqg.service("LayThuTuc", maTTHC="9.999999").json()["result"] == []


def test_bare_arrays_create_exists_update_and_steps_as_td_sends_them(dvcqg):
    created = dvcqg.array("ThemMoi", [payloads.dossier()])
    assert created.json()["error_code"] == "0"
    exists = dvcqg.array("ThemMoi", [payloads.dossier()]).json()
    assert exists["error_code"] == "3" and "đã tồn tại" in exists["message"]
    assert dvcqg.array("CapNhat", [payloads.dossier(TrichYeuHoSo="Cấp lại")]).json()["error_code"] == "0"
    progress = dvcqg.array("DongBoTienTrinh", payloads.steps())
    assert "thành công" in progress.content.decode()  # TD reads the answer as plain text
    assert Dossier.objects.get().summary == "Cấp lại"


def test_hg_relay_style_create_as_one_then_update_as_two(dvcqg):
    submitted = payloads.dossier(TrangThaiHoSo="1", KenhThucHien="2", NgayTiepNhan="")
    first = dvcqg.array("DongBoHoSoMC", [submitted], isUpdating="False", MaDinhDanhDV="000.00.01.H90")
    assert first.json()["error_code"] == "0", first.json()
    assert Dossier.objects.get().state == "submitted"
    accepted = payloads.dossier(TrangThaiHoSo="2", NgayTiepNhan="20261115100000")
    assert dvcqg.array("DongBoHoSoMC", [accepted], isUpdating="True").json()["error_code"] == "0"
    dossier = Dossier.objects.get()
    assert dossier.state == "received" and dossier.received_at is not None


def test_a_batch_answers_each_item_and_one_bad_item_loses_nothing(dvcqg):
    batch = [
        payloads.dossier(MaHoSo="000.00.12.H90-261115-0001"),
        payloads.dossier(MaHoSo="000.00.12.H90-261115-0002", MaTTHC="9.999999.000.00.00.H90"),
        payloads.dossier(MaHoSo="000.00.12.H90-261115-0003"),
        "not an object",
    ]
    answer = dvcqg.service("DongBoHoSoMC", batch, isUpdating="False").json()
    assert answer["error_code"] == -1 and "2/4" in answer["message"]
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["created", "error", "created", "error"]
    assert answer["results"][1]["code"] == "unknown_procedure"
    assert Dossier.objects.count() == 2
    request = DvcqgRequest.objects.get(service="DongBoHoSoMC")
    assert request.failed == 2 and json.loads(request.body)["data"][1]["MaTTHC"].startswith("9.999999")
    assert DvcqgRecord.objects.filter(code="000.00.12.H90-261115-0002").exists()  # the raw record of the failure


def test_bad_input_gets_a_clear_error_and_is_recorded(dvcqg, client):
    bad = client.post(f"/api/dvcqg/rest/{dvcqg.key}/ThemMoi", "{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error_code"] == "-1" and "JSON" in bad.json()["message"]
    assert DvcqgRequest.objects.get().body == "{not json"
    unknown = dvcqg.array("XoaHoSo", [payloads.dossier()])
    assert unknown.status_code == 400 and "XoaHoSo" in unknown.json()["message"]
    assert client.post("/api/dvcqg/rest/wrong-key/ThemMoi", [], content_type="application/json").status_code == 401


def test_the_upstream_code_is_an_alias_and_unknown_fields_stay_in_the_raw_record(dvcqg):
    item = payloads.dossier(MaHoSoKhac=payloads.OTHER_CODE, TruongMoi="giá trị lạ")
    del item["GhiChu"]
    dvcqg.service("DongBoHoSoMC", [item], isUpdating="False")
    dossier = Dossier.objects.get()
    assert dossier_find_by_code(code=payloads.OTHER_CODE.lower()) == dossier
    assert dossier_find_by_code(code=payloads.CODE) == dossier
    record = DvcqgRecord.objects.get(code=payloads.CODE)
    assert record.raw["TruongMoi"] == "giá trị lạ" and record.unknown_fields == ["TruongMoi"]
    assert "0900000000" not in record.raw_sealed and "001099000000" not in record.raw_sealed  # encrypted at rest
    request = DvcqgRequest.objects.get()
    assert "0900000000" in request.body and "0900000000" not in request.body_sealed
    assert record.dossier == dossier
    # steps may name the dossier by its other code
    step = payloads.step("20261117080000", "5", "Yêu cầu bổ sung", MaHoSo=payloads.OTHER_CODE)
    assert dvcqg.service("CapNhatTienDoHoSoMC", [step]).json()["error_code"] == 0
    assert Dossier.objects.get().state == "supplement_requested"
