"""Every quirk of the reference (§1.2-§1.4, §5 edge cases) replayed: folded statuses 5/6/8 sent as 9, invented
first and last steps, updates before creates, duplicate steps, phone in Fax, ID number in MaDoiTuong, "" for
absent values, ISO and dd/MM/yyyy dates."""

import pytest

from ketnoi.api.dvcqg.models import DvcqgRecord
from ketnoi.dossiers.models import Dossier, DossierEvent, EventOutcome
from ketnoi.outbox.models import OutboundMessage

from . import payloads

RECEIVED = "20261115093200"
INVENTED_FIRST = payloads.step(RECEIVED, "2", "Tiếp nhận hồ sơ", NguoiXuLy="Cán bộ một cửa", ChucDanh="")


def history(dossier):
    return list(
        DossierEvent.objects.filter(dossier=dossier, outcome=EventOutcome.APPLIED)
        .exclude(to_state="")
        .order_by("occurred_at", "id")
        .values_list("to_state", flat=True)
    )


@pytest.mark.parametrize(
    ("wording", "state"),
    [
        ("Cán bộ trả hồ sơ bổ sung", "supplement_requested"),
        ("Công dân thực hiện NVTC", "financial_obligation"),
        ("Cán bộ trả bổ sung hồ sơ", "refused"),
    ],
)
def test_statuses_folded_into_nine_are_unfolded_by_the_invented_last_step(dvcqg, wording, state):
    folded = payloads.dossier(TrangThaiHoSo="9", NgayKetThucXuLy="")
    answer = dvcqg.service("DongBoHoSoMC", [folded], isUpdating="False").json()
    assert answer["error_code"] == 0
    assert Dossier.objects.get().state == "received"  # a bare 9 without a result is not taken as "done"
    steps = [
        INVENTED_FIRST,
        payloads.step("20261116081500", "4", "Chuyển xử lý"),
        payloads.step("20261117100000", "9", wording),
    ]
    assert dvcqg.service("CapNhatTienDoHoSoMC", steps).json()["error_code"] == 0
    dossier = Dossier.objects.get()
    assert dossier.state == state
    assert history(dossier) == ["received", "processing", state]
    assert not DossierEvent.objects.filter(dossier=dossier, to_state="result_ready").exists()


def test_a_real_nine_with_an_end_time_is_result_ready_and_the_invented_last_step_changes_nothing(dvcqg):
    done = payloads.dossier(TrangThaiHoSo="9", NgayKetThucXuLy="20261118160000")
    dvcqg.service("DongBoHoSoMC", [done], isUpdating="False")
    assert Dossier.objects.get().state == "result_ready"
    last = payloads.step("20261118160000", "9", "Kết thúc xử lý hồ sơ")
    answer = dvcqg.service("CapNhatTienDoHoSoMC", [INVENTED_FIRST, last]).json()
    assert answer["error_code"] == 0
    assert [r["status"] for r in answer["results"]] == ["stale", "unchanged"]
    assert Dossier.objects.get().state == "result_ready"


def test_updates_before_creates_are_kept_and_applied_when_the_dossier_arrives(dvcqg):
    steps = [
        INVENTED_FIRST,
        payloads.step("20261116081500", "4", "Chuyển xử lý"),
        payloads.step("20261117080000", "5", "Yêu cầu bổ sung giấy tờ"),
    ]
    early = dvcqg.service("CapNhatTienDoHoSoMC", [*steps, steps[1]]).json()  # one step twice in the array
    assert early["error_code"] == 0 and [r["status"] for r in early["results"]] == ["parked"] * 4
    assert Dossier.objects.count() == 0
    assert len(DvcqgRecord.objects.get(code=payloads.CODE).pending_steps) == 3
    again = dvcqg.service("CapNhatTienDoHoSoMC", steps).json()  # sent twice before the dossier: kept once
    assert again["error_code"] == 0 and len(DvcqgRecord.objects.get().pending_steps) == 3
    # an update (isUpdating=True) for a dossier we never saw creates it
    rounds = [{"NoiDungBoSung": "Bản sao giấy khai sinh", "TrangThaiBoSung": "0"}]
    answer = dvcqg.service(
        "DongBoHoSoMC", [payloads.dossier(TrangThaiHoSo="5", DanhSachHoSoBoSung=rounds)], isUpdating="True"
    ).json()
    assert answer["results"][0]["status"] == "created"
    dossier = Dossier.objects.get()
    assert dossier.state == "supplement_requested" and dossier.supplement_items == ["Bản sao giấy khai sinh"]
    assert history(dossier) == ["received", "processing", "supplement_requested"]
    assert DvcqgRecord.objects.get().pending_steps == []


def test_duplicate_steps_apply_once_and_notify_once(dvcqg):
    dvcqg.service("DongBoHoSoMC", [payloads.dossier(TrangThaiHoSo="2")], isUpdating="False")
    steps = [INVENTED_FIRST, payloads.step("20261116081500", "4", "Chuyển xử lý")]
    dvcqg.service("CapNhatTienDoHoSoMC", steps)
    history_before = DossierEvent.objects.count()
    notices_before = OutboundMessage.objects.count()
    replay = dvcqg.service("CapNhatTienDoHoSoMC", [*steps, steps[1]]).json()  # full history again, one twice
    assert replay["error_code"] == 0
    assert [r["status"] for r in replay["results"]] == ["duplicate", "duplicate", "duplicate"]
    assert DossierEvent.objects.count() == history_before and OutboundMessage.objects.count() == notices_before
    assert Dossier.objects.get().state == "processing"


def test_phone_in_fax_id_in_ma_doi_tuong_and_empty_strings(dvcqg):
    item = payloads.dossier(
        SoDienThoai="",
        Fax="0912 345 678",
        SoGiayToChuHoSo="",
        DinhDanhCHS=[],
        MaDoiTuong="049088001234",
        Email="",
        NgayHenTra="",
        NgayTra="",
        TrangThaiHoSo="2",
        KenhThucHien="",
        LoaiDoiTuong="",
    )
    assert dvcqg.service("DongBoHoSoMC", [item], isUpdating="False").json()["error_code"] == 0
    dossier = Dossier.objects.get()
    assert dossier.applicant_phone == "+84912345678"
    assert dossier.applicant_id_masked == "********1234"
    assert dossier.channel == "in_person" and dossier.applicant_type == "citizen"
    assert dossier.due_date is not None  # no NgayHenTra: computed from the procedure's working days


def test_a_dvcqg_account_id_in_ma_doi_tuong_and_a_placeholder_id_are_not_taken_as_id_numbers(dvcqg):
    item = payloads.dossier(
        SoGiayToChuHoSo="", MaDoiTuong="a1b2c3d4-techid", DinhDanhCHS=[{"LoaiDinhDanh": "2", "SoDinhDanh": "000000001"}]
    )
    dvcqg.service("DongBoHoSoMC", [item], isUpdating="False")
    assert Dossier.objects.get().applicant_id_masked == ""


def test_iso_and_dd_mm_yyyy_dates(dvcqg):
    iso = payloads.dossier(NgayTiepNhan="2026-11-15T09:32:00.000", NgayHenTra="22/11/2026 17:00:00", TrangThaiHoSo="2")
    dvcqg.service("DongBoHoSoMC", [iso], isUpdating="False")
    dossier = Dossier.objects.get()
    assert dossier.due_date.isoformat() == "2026-11-22"
    from django.utils import timezone

    assert timezone.localtime(dossier.received_at).strftime("%Y%m%d%H%M") == "202611150932"
    step = payloads.step("2026-11-16T08:15:00.000", "4", "Chuyển xử lý")
    assert dvcqg.service("CapNhatTienDoHoSoMC", [step]).json()["error_code"] == 0
    assert Dossier.objects.get().state == "processing"


def test_numbers_instead_of_strings_and_a_step_without_a_time(dvcqg):
    item = payloads.dossier(TrangThaiHoSo=2, KenhThucHien=1, LoaiDoiTuong=2)
    assert dvcqg.service("DongBoHoSoMC", [item], isUpdating=False).json()["error_code"] == 0
    dossier = Dossier.objects.get()
    assert dossier.applicant_type == "organisation" and dossier.channel == "in_person"
    answer = dvcqg.service("CapNhatTienDoHoSoMC", [payloads.step("", "4", "Chuyển xử lý", NgayBatDau="")]).json()
    assert answer["error_code"] == -1 and answer["results"][0]["code"] == "missing_time"
