"""Synthetic payloads from the reference (dvcqg-sync.md §5, fake data), with the procedure code of the demo
province's birth registration so the catalog knows it. Each function returns a fresh copy to edit."""

import copy

CODE = "000.00.12.H90-261115-0042"
OTHER_CODE = "H90.90001-261115-51234"  # MaHoSoKhac: TD's 5-digit random suffix

_DOSSIER = {
    "MaHoSo": CODE,
    "MaTTHC": "1.001193.000.00.00.H90",
    "TenTTHC": "Thủ tục mẫu (giả lập)",
    "MaLinhVuc": "G09-TP01",
    "TenLinhVuc": "Lĩnh vực mẫu",
    "KenhThucHien": "2",
    "SoGiayToChuHoSo": "001099000000",
    "ChuHoSo": "Nguyễn Văn A",
    "LoaiDoiTuong": "1",
    "MaDoiTuong": "",
    "ThongTinKhac": "",
    "Email": "",
    "Fax": "",
    "SoDienThoai": "0900000000",
    "TrichYeuHoSo": "Đề nghị cấp giấy (dữ liệu giả lập)",
    "NgayTiepNhan": "20261115093200",
    "NgayHenTra": "20261122170000",
    "TrangThaiHoSo": "4",
    "NgayTra": "",
    "ThongTinTra": "",
    "HinhThuc": "0",
    "NgayKetThucXuLy": "",
    "DonViXuLy": "UBND xã Mẫu",
    "GhiChu": "",
    "TaiLieuNop": [
        {
            "TepDinhKemId": "",
            "TenTepDinhKem": "To khai.pdf",
            "IsDeleted": "False",
            "MaThanhPhanHoSo": "",
            "DuongDanTaiTepTin": "https://example.invalid/f/1.pdf",
            "DuocSoHoa": "1",
            "DuocTaiSuDung": "0",
            "DuocLayTuKhoDMQG": "0",
            "MaKetQuaThayThe": "",
        }
    ],
    "DanhSachLePhi": [],
    "DanhSachTepDinhKemKhac": [],
    "DanhSachHoSoBoSung": [],
    "DanhSachGiayToKetQua": [],
    "NoiNopHoSo": "2",
    "HoSoCoThanhPhanSoHoa": "1",
    "TaiKhoanDuocXacThucVoiVNeID": "0",
    "DuocThanhToanTrucTuyen": "0",
    "NgayTuChoi": "",
    "DinhDanhCHS": [{"LoaiDinhDanh": "1", "SoDinhDanh": "001099000000"}],
    "NgayNopHoSo": "20261115091000",
    "DSKetNoiCSDL": [{"MaCSDL": "7"}],
}

_STEPS = [
    {
        "MaHoSo": CODE,
        "NguoiXuLy": "Cán bộ một cửa",
        "ChucDanh": "",
        "ThoiDiemXuLy": "20261115093200",
        "PhongBanXuLy": "",
        "NoiDungXuLy": "Tiếp nhận hồ sơ",
        "TrangThai": "2",
        "NgayBatDau": "",
        "NgayKetThucTheoQuyDinh": "",
    },
    {
        "MaHoSo": CODE,
        "NguoiXuLy": "Trần Thị B",
        "ChucDanh": "Chuyên viên",
        "ThoiDiemXuLy": "20261116081500",
        "PhongBanXuLy": "Phòng Tư pháp",
        "NoiDungXuLy": "Chuyển xử lý",
        "TrangThai": "4",
        "NgayBatDau": "20261116081500",
        "NgayKetThucTheoQuyDinh": "20261120170000",
    },
]


def dossier(**changes) -> dict:
    item = copy.deepcopy(_DOSSIER)
    item.update(changes)
    return item


def steps() -> list[dict]:
    return copy.deepcopy(_STEPS)


def step(when: str, code: str, wording: str, **changes) -> dict:
    item = {
        "MaHoSo": CODE,
        "NguoiXuLy": "Trần Thị B",
        "ChucDanh": "Chuyên viên",
        "ThoiDiemXuLy": when,
        "PhongBanXuLy": "Phòng Tư pháp",
        "NoiDungXuLy": wording,
        "TrangThai": code,
        "NgayBatDau": when,
        "NgayKetThucTheoQuyDinh": "",
    }
    item.update(changes)
    return item


def adapter(service: str, session: str, data, **extra) -> dict:
    return {"session": session, "madonvi": "000.00.12.H90", "service": service, "data": data, **extra}
