"""Reading DVCQG values: everything arrives as a string ("" for absent), dates as yyyyMMddHHmmss in Vietnam local
time (also seen: ISO 8601, dd/MM/yyyy HH:mm:ss), codes as digit strings. Unreadable values become None, never
an exception: the raw record keeps them and the item's result says what was ignored (`Ignored`, filled by the
mapping; mapping.py decides per field whether a bad value refuses the item or is ignored with a warning)."""

import datetime as dt
from zoneinfo import ZoneInfo

from ketnoi.core.redaction import mask_id_number, mask_phone
from ketnoi.dossiers.models import ApplicantType, SubmissionChannel

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
LOCAL_FORMATS = ("%Y%m%d%H%M%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y%m%d")

# LoaiDoiTuong: 1 citizen, 2 business, 3 state agency, 4 organisation / other.
APPLICANT_TYPES = {
    1: ApplicantType.CITIZEN,
    2: ApplicantType.ORGANISATION,
    3: ApplicantType.ORGANISATION,
    4: ApplicantType.ORGANISATION,
}
# KenhThucHien: 1 in person (also when absent, as the Decision 766 formulas count it), 2 online, 3 postal.
CHANNELS = {1: SubmissionChannel.IN_PERSON, 2: SubmissionChannel.ONLINE, 3: SubmissionChannel.POSTAL}

DOSSIER_FIELDS = frozenset(
    [
        "MaHoSo",
        "MaHoSoKhac",
        "IDHoSo",
        "MaTTHC",
        "TenTTHC",
        "MaLinhVuc",
        "TenLinhVuc",
        "SoBienNhan",
        "KenhThucHien",
        "ChuHoSo",
        "SoGiayToChuHoSo",
        "LoaiDoiTuong",
        "MaDoiTuong",
        "ThongTinKhac",
        "Email",
        "Fax",
        "SoDienThoai",
        "TrichYeuHoSo",
        "NgayTiepNhan",
        "NgayHenTra",
        "TrangThaiHoSo",
        "NgayTra",
        "ThongTinTra",
        "HinhThuc",
        "NgayKetThucXuLy",
        "DonViXuLy",
        "GhiChu",
        "TaiLieuNop",
        "DanhSachLePhi",
        "DanhSachTepDinhKemKhac",
        "DanhSachHoSoBoSung",
        "DanhSachGiayToKetQua",
        "NoiNopHoSo",
        "HoSoCoThanhPhanSoHoa",
        "TaiKhoanDuocXacThucVoiVNeID",
        "DuocThanhToanTrucTuyen",
        "NgayTuChoi",
        "DinhDanhCHS",
        "NgayNopHoSo",
        "DSKetNoiCSDL",
    ]
)
STEP_FIELDS = frozenset(
    [
        "MaHoSo",
        "NguoiXuLy",
        "ChucDanh",
        "ThoiDiemXuLy",
        "PhongBanXuLy",
        "NoiDungXuLy",
        "TrangThai",
        "NgayBatDau",
        "NgayKetThucTheoQuyDinh",
        "IDHoSo",
    ]
)


def text(value) -> str:
    """A string whatever came ("50000", 50000, None, True -> "True"), trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value).strip()


def moment(value) -> dt.datetime | None:
    raw = text(value)
    if not raw:
        return None
    for fmt in LOCAL_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).replace(tzinfo=VIETNAM)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM)


def day(value) -> dt.date | None:
    parsed = moment(value)
    return parsed.date() if parsed else None


def code(value) -> int | None:
    raw = text(value)
    return int(raw) if raw.isdigit() else None


def flag(value) -> bool:
    return text(value).lower() in ("1", "true", "yes")


def unknown_fields(item: dict, known: frozenset[str]) -> list[str]:
    return sorted(k for k in item if k not in known)


def as_list(value) -> list:
    return value if isinstance(value, list) else []


# Values that identify a person are shown masked in the results (they are stored, and shown in the console).
MASKED = {"SoDienThoai": mask_phone, "Fax": mask_phone, "SoGiayToChuHoSo": mask_id_number}


class Ignored(list):
    """What an item carried that could not be used: [{"field", "value", "message"}], in the item's result."""

    def add(self, name: str, value, message: str) -> None:
        shown = MASKED.get(name, lambda v: v)(text(value))[:100]
        self.append({"field": name, "value": shown, "message": message})

    def moment(self, item: dict, name: str, consequence: str = "ignored") -> dt.datetime | None:
        """The field as a date and time; an unreadable non-empty value is noted with what follows from it."""
        parsed = moment(item.get(name))
        if parsed is None and text(item.get(name)):
            self.add(name, item.get(name), f"Not a date: {consequence}.")
        return parsed

    def choice(self, item: dict, name: str, choices: dict, default, consequence: str):
        """A coded field (LoaiDoiTuong, KenhThucHien): the unknown code is noted and the default taken."""
        raw = text(item.get(name))
        if not raw:
            return default
        found = choices.get(code(raw))
        if found is None:
            self.add(name, raw, f"Unknown code: {consequence}.")
            return default
        return found
