"""What real one-stop systems do to the payload (reference dvcqg-sync.md §1.2-§1.4, §5 edge cases), undone here:

- the owner's phone in `Fax` (OpenCPS), `SoDienThoai` empty or not a phone;
- the ID number in `MaDoiTuong` (Hà Giang) instead of a DVCQG account id, or only in `DinhDanhCHS`;
- statuses 5, 6 and 8 sent as 9 (Tân Dân), recognisable only by the invented last step's wording;
- invented first ("Tiếp nhận hồ sơ", code 2) and last steps: harmless, they replay states we already have;
- "" for every absent value, `GhiChu` omitted; duplicate steps (an idempotent event id per step).
"""

import hashlib

from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.text import fold

from . import fields

# The invented last step of a folded status: its wording tells the real code (TD SyncLocalDataToDVCQGService).
FOLDED_STEP_TEXTS = {
    fold("Cán bộ trả hồ sơ bổ sung"): 5,
    fold("Công dân thực hiện NVTC"): 6,
    fold("Cán bộ trả bổ sung hồ sơ"): 8,
}
PLACEHOLDER_IDS = {"000000001", "000000000", "000000000000"}  # TD's fallback when the owner has no ID number


def phone_of(item: dict) -> str:
    """The owner's phone, E.164: SoDienThoai, else Fax when it holds a phone. '' when neither reads as one."""
    for key in ("SoDienThoai", "Fax"):
        raw = fields.text(item.get(key))
        if not raw:
            continue
        try:
            return normalize_phone(raw)
        except InvalidPhoneNumber:
            continue
    return ""


def _id_like(value: str) -> bool:
    return value.isdigit() and len(value) in (9, 12) and value not in PLACEHOLDER_IDS


def id_number_of(item: dict) -> str:
    """SoGiayToChuHoSo, else the first DinhDanhCHS, else MaDoiTuong when it is a 9/12-digit ID (not a TechID)."""
    candidates = [fields.text(item.get("SoGiayToChuHoSo"))]
    candidates += [
        fields.text(d.get("SoDinhDanh")) for d in fields.as_list(item.get("DinhDanhCHS")) if isinstance(d, dict)
    ]
    candidates.append(fields.text(item.get("MaDoiTuong")))
    return next((c for c in candidates if _id_like(c)), "")


def unfolded_code(code: int | None, wording: str) -> int | None:
    """A step sent as 9 whose wording is the invented last step of a folded 5, 6 or 8: the real code."""
    if code == 9:
        return FOLDED_STEP_TEXTS.get(fold(wording), code)
    return code


def ambiguous_nine(item: dict) -> bool:
    """Dossier status 9 with no sign of a result (no end-of-processing time, no result papers, not returned) may
    be a folded 5/6/8: it does not move the dossier; the step that follows says which it is."""
    return not (
        fields.moment(item.get("NgayKetThucXuLy"))
        or fields.moment(item.get("NgayTra"))
        or fields.as_list(item.get("DanhSachGiayToKetQua"))
    )


def step_event_id(step: dict) -> str:
    """The same step sent twice (full history on every sync) is the same event."""
    parts = [fields.text(step.get(k)) for k in ("MaHoSo", "ThoiDiemXuLy", "TrangThai", "NoiDungXuLy", "NguoiXuLy")]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
    return f"dvcqg-step:{digest}"


def items_in_wording(wording: str) -> list[str]:
    """A supplement step often says what is missing only in its NoiDungXuLy: that text is the list, unless it is
    the invented last step of a folded status, which says nothing about the documents."""
    if not wording or fold(wording) in FOLDED_STEP_TEXTS:
        return []
    return [wording]


def supplement_items(item: dict) -> list[str]:
    """What the citizen must bring: the latest supplement round's content, when the dossier object has one."""
    rounds = [r for r in fields.as_list(item.get("DanhSachHoSoBoSung")) if isinstance(r, dict)]
    if not rounds:
        return []
    content = fields.text(rounds[-1].get("NoiDungBoSung"))
    return [content] if content else []
