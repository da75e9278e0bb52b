"""A DVCQG client writes and reads only within its unit, like the native API's clients: a dossier of commune B
is neither found by TraCuuHoSo nor updated, and an agency of commune B cannot be mapped to."""

from ketnoi.dossiers.models import Dossier
from ketnoi.orgs.models import Agency

from . import payloads
from .conftest import Caller, make_client


def test_a_client_reaches_only_its_own_unit(world, client, dvcqg):
    other, key = make_client(
        world, name="Một cửa Bình An", username="motcua.binhan", receiving_agency=Agency.objects.get(code="H90.90007")
    )
    theirs = Caller(client, other, key)
    # a procedure decided by a province department: commune A is neither receiver nor competent agency
    record = payloads.dossier(MaTTHC="2.000488.000.00.00.H90")
    assert theirs.array("ThemMoi", [record]).json()["error_code"] == "0"
    dossier = Dossier.objects.get()
    assert dossier.unit == world.commune_b

    assert dvcqg.service("TraCuuHoSo", mahoso=payloads.CODE).json()["result"] == []
    steps = dvcqg.service(
        "CapNhatTienDoHoSoMC",
        [payloads.step("20261117080000", "9", "Kết thúc xử lý hồ sơ", NgayKetThucXuLy="20261117080000")],
    ).json()
    assert steps["results"][0]["status"] == "parked"  # not visible: kept for a dossier of its own, if one comes
    update = dvcqg.service("DongBoHoSoMC", [{**record, "ChuHoSo": "Kẻ lạ"}], isUpdating="True").json()
    # commune B's dossier is none of A's business: A's "update" makes a dossier of its own under that code (receipt
    # codes are unique within a unit), and the answer does not tell A that B has the code
    assert update["error_code"] == 0, update
    assert Dossier.objects.filter(receipt_code=payloads.CODE).count() == 2
    dossier.refresh_from_db()
    assert dossier.applicant_name == "Nguyễn Văn A" and dossier.state == "processing"

    # mapping an agency of another unit is refused
    dvcqg.client.agency_map = {"UBND xã Mẫu": "H90.90007"}
    dvcqg.client.save()
    mapped = dvcqg.service(
        "DongBoHoSoMC", [payloads.dossier(MaHoSo="000.00.12.H90-261115-0099")], isUpdating="False"
    ).json()
    assert mapped["results"][0]["code"] == "not_permitted"
