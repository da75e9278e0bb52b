"""DVCQG values that cannot be used are never accepted silently. Per field: a TrangThaiHoSo / TrangThai outside
1-10 refuses the item (the state cannot be guessed); an unreadable NgayHenTra is ignored and the due date left
empty (none of ours is told); an unreadable phone, an unknown LoaiDoiTuong or KenhThucHien are ignored with the
usual default; each is named in the item's result and the answer says so. The raw record keeps the values.
Also: the owner's NgayHenTra is the date of the receipt notice, and a supplement step that says what is missing
only in NoiDungXuLy tells the citizen that text, with no blank deadline."""

import pytest

from ketnoi.api.dvcqg.models import DvcqgRecord
from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.dossiers.models import Dossier
from ketnoi.outbox.models import OutboundMessage

from . import payloads


@pytest.fixture
def follower(world):
    channel = Channel.objects.create(unit=world.commune_a, type_code="zalo", name="OA Phường Đông Hòa")
    contact = Contact.objects.create(name="Nguyễn Văn A", phone="+84900000000")  # the payload's phone, proven
    return ChannelContact.objects.create(channel=channel, contact=contact, user_id="u-a", is_follower=True)


def texts():
    return [m.payload.get("text", "") for m in OutboundMessage.objects.filter(source_type="dossier").order_by("id")]


def create(dvcqg, **changes):
    return dvcqg.service("DongBoHoSoMC", [payloads.dossier(**changes)], isUpdating="False").json()


def test_the_owners_ngayhentra_is_the_date_in_the_receipt_notice(dvcqg, follower):
    answer = create(dvcqg, TrangThaiHoSo="2", NgayHenTra="20261211170000")
    assert answer["error_code"] == 0, answer
    assert str(Dossier.objects.get().due_date) == "2026-12-11"
    [receipt] = texts()
    assert "Ngày hẹn trả kết quả: 11/12/2026" in receipt


def test_the_owners_date_holds_on_the_bare_array_path_too(dvcqg, follower):
    item = payloads.dossier(TrangThaiHoSo="2", NgayHenTra="11/12/2026 17:00:00")
    assert dvcqg.array("ThemMoi", [item]).json()["error_code"] == "0"
    assert "Ngày hẹn trả kết quả: 11/12/2026" in texts()[0]


def test_a_supplement_step_with_its_list_only_in_noidungxuly(dvcqg, follower):
    create(dvcqg, TrangThaiHoSo="2")
    step = payloads.step("20261116081500", "5", "Bổ sung bản sao giấy khai sinh của con")
    assert dvcqg.service("CapNhatTienDoHoSoMC", [step]).json()["error_code"] == 0
    assert Dossier.objects.get().state == "supplement_requested"
    notice = texts()[-1]
    assert "cần bổ sung: Bổ sung bản sao giấy khai sinh của con." in notice
    assert "trước ngày" not in notice and ": ." not in notice


def test_a_folded_supplement_step_says_nothing_of_the_documents_and_gets_the_wording_without_a_list(dvcqg, follower):
    create(dvcqg, TrangThaiHoSo="2")
    step = payloads.step("20261117080000", "9", "Cán bộ trả hồ sơ bổ sung")
    dvcqg.service("CapNhatTienDoHoSoMC", [step])
    notice = texts()[-1]
    assert "cần bổ sung giấy tờ;" in notice and "Cán bộ trả" not in notice and ": ." not in notice


def test_an_unknown_status_refuses_the_item_and_says_so(dvcqg, follower):
    answer = create(dvcqg, TrangThaiHoSo="11", NgayHenTra="30/02/2026 17:00:00")
    assert answer["error_code"] == -1
    [result] = answer["results"]
    assert result["status"] == "error" and result["code"] == "invalid_status"
    assert "TrangThaiHoSo '11'" in result["message"] and "TrangThaiHoSo '11'" in answer["message"]
    assert not Dossier.objects.exists() and texts() == []
    assert DvcqgRecord.objects.get().raw["TrangThaiHoSo"] == "11"  # kept raw: nothing lost


def test_unreadable_values_are_ignored_with_a_warning_and_no_date_of_ours_is_told(dvcqg, follower):
    answer = create(
        dvcqg,
        TrangThaiHoSo="2",
        NgayHenTra="30/02/2026 17:00:00",
        LoaiDoiTuong="7",
        KenhThucHien="9",
        SoGiayToChuHoSo="0010990",
    )
    assert answer["error_code"] == 0 and "thành công" in answer["message"]
    assert "NgayHenTra" in answer["message"]
    [result] = answer["results"]
    assert result["status"] == "created"
    ignored = {i["field"]: i for i in result["ignored"]}
    assert set(ignored) == {"NgayHenTra", "LoaiDoiTuong", "KenhThucHien", "SoGiayToChuHoSo"}
    assert ignored["NgayHenTra"]["value"] == "30/02/2026 17:00:00"
    assert ignored["SoGiayToChuHoSo"]["value"] == "***0990"  # masked in the stored results
    dossier = Dossier.objects.get()
    assert dossier.due_date is None and dossier.channel == "in_person" and dossier.applicant_type == "citizen"
    [receipt] = texts()
    assert "hẹn trả" not in receipt and "đã tiếp nhận hồ sơ" in receipt


def test_an_unreadable_phone_is_named_and_masked(dvcqg):
    answer = create(dvcqg, TrangThaiHoSo="2", SoDienThoai="0900 00")
    [result] = answer["results"]
    assert result["ignored"] == [
        {
            "field": "SoDienThoai",
            "value": "******",
            "message": "Not a phone number: ignored; the citizen cannot be reached by phone.",
        }
    ]
    assert Dossier.objects.get().applicant_phone == ""


def test_steps_with_bad_values(dvcqg, follower):
    create(dvcqg, TrangThaiHoSo="2")
    steps = [
        payloads.step("20261116081500", "11", "Chuyển xử lý"),
        payloads.step("30/02/2026 08:00:00", "4", "Chuyển xử lý", NgayBatDau=""),
        payloads.step("", "4", "Chuyển xử lý", NgayBatDau="20261116090000"),
        payloads.step("20261116100000", "", "Đang thẩm định"),
    ]
    answer = dvcqg.service("CapNhatTienDoHoSoMC", steps).json()
    results = answer["results"]
    assert [r["status"] for r in results] == ["error", "error", "applied", "unchanged"]
    assert results[0]["code"] == "invalid_status" and results[1]["code"] == "missing_time"
    assert "'30/02/2026 08:00:00' is not a date" in results[1]["message"]
    assert results[2]["ignored"][0]["field"] == "ThoiDiemXuLy"
    assert results[3]["ignored"] == [{"field": "TrangThai", "value": "", "message": "Empty: taken as 4."}]
