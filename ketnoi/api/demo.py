"""Demo DVCQG client: the province's one-stop system as it would be configured for Phường Đông Hòa (adapter user
`motcua.donghoa`, the demo password; bare-array base /api/dvcqg/rest/demo-dvcqg-key/), relay off, with a few
synced dossiers and steps pushed through the real endpoint code so the console shows traffic. Fictional people;
past events message nobody. Idempotent."""

import json

from django.db import transaction

from ketnoi.dossiers.notifications import notices_silenced
from ketnoi.orgs.demo import DEMO_PASSWORD
from ketnoi.orgs.models import Agency

from .dvcqg import envelope
from .dvcqg.models import DvcqgClient, Style
from .dvcqg.services.accounts import dvcqg_client_create
from .dvcqg.services.intake import dvcqg_receive

USERNAME = "motcua.donghoa"
PATH_KEY = "demo-dvcqg-key"  # demo only: a real client's key is random and shown once


def _dossier(n: int, status: str, phone: str) -> dict:
    return {
        "MaHoSo": f"000.00.12.H90-261120-00{n:02d}",
        "MaTTHC": "1.001193.000.00.00.H90",
        "TenTTHC": "Đăng ký khai sinh",
        "KenhThucHien": "2",
        "ChuHoSo": ["Lê Thị Hồng", "Đinh Văn Toàn", "Mai Thị Lệ"][n % 3],
        "LoaiDoiTuong": "1",
        "MaDoiTuong": "",
        "Email": "",
        "Fax": "",
        "SoDienThoai": phone,
        "TrichYeuHoSo": "Đăng ký khai sinh (dữ liệu demo)",
        "NgayTiepNhan": "20261120083000",
        "NgayHenTra": "",
        "TrangThaiHoSo": status,
        "NgayKetThucXuLy": "",
        "NgayTra": "",
        "DonViXuLy": "UBND phường Đông Hòa",
        "TaiLieuNop": [],
        "DanhSachGiayToKetQua": [],
    }


def _step(n: int, when: str, code: str, wording: str) -> dict:
    return {
        "MaHoSo": f"000.00.12.H90-261120-00{n:02d}",
        "NguoiXuLy": "Cán bộ một cửa" if code == "2" else "Chuyên viên Tư pháp",
        "ChucDanh": "",
        "ThoiDiemXuLy": when,
        "PhongBanXuLy": "",
        "NoiDungXuLy": wording,
        "TrangThai": code,
        "NgayBatDau": "",
        "NgayKetThucTheoQuyDinh": "",
    }


def _push(client: DvcqgClient, service: str, data: list, **extra) -> None:
    body = json.dumps({"session": "demo", "service": service, "data": data, **extra}, ensure_ascii=False).encode()
    env = envelope.adapter_envelope(json.loads(body))
    dvcqg_receive(client=client, style=Style.ADAPTER, path="service", body=body, env=env)


def seed(stdout=None) -> None:
    if DvcqgClient.objects.filter(username=USERNAME).exists():
        return
    agency = Agency.objects.filter(code="H90.90001").first()
    if agency is None:
        return
    with transaction.atomic(), notices_silenced():
        client, _ = dvcqg_client_create(
            actor=None,
            name="Hệ thống một cửa tỉnh (demo)",
            receiving_agency=agency,
            username=USERNAME,
            password=DEMO_PASSWORD,
            path_key=PATH_KEY,
        )
        _push(client, "DongBoHoSoMC", [_dossier(n, "2", f"09000000{n:02d}") for n in range(1, 4)], isUpdating="False")
        steps = [_step(n, "20261120083000", "2", "Tiếp nhận hồ sơ") for n in range(1, 4)]
        steps += [
            _step(1, "20261121090000", "4", "Chuyển xử lý"),
            _step(2, "20261121100000", "9", "Cán bộ trả hồ sơ bổ sung"),
        ]
        _push(client, "CapNhatTienDoHoSoMC", steps)
        _push(client, "DongBoHoSoMC", [_dossier(3, "4", "0900000003")], isUpdating="False")  # answered "đã tồn tại"
    if stdout is not None:
        stdout.write(f"DVCQG demo client: {USERNAME} / {DEMO_PASSWORD}, base /api/dvcqg/rest/{PATH_KEY}/")
