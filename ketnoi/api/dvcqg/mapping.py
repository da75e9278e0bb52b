"""DVCQG dossier and step objects -> the dossier services' own inputs (DossierData, StatusEvent), so both the
native API and these endpoints go through dossiers.services.sync."""

import datetime as dt
import hashlib

from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.services.sync import DossierData, StatusEvent
from ketnoi.procedures.models import Procedure

from . import fields, quirks
from .models import DvcqgClient

# Which date of the dossier object says when each status was reached.
STATUS_DATE = {1: "NgayNopHoSo", 2: "NgayTiepNhan", 3: "NgayTuChoi", 9: "NgayKetThucXuLy", 10: "NgayTra"}
DATE_FIELDS = ("NgayNopHoSo", "NgayTiepNhan", "NgayTuChoi", "NgayKetThucXuLy", "NgayTra")
ANONYMOUS_OWNER = "Chủ hồ sơ"  # ChuHoSo is optional upstream (OpenCPS "ko bb")


def dossier_code(item: dict) -> str:
    code = fields.text(item.get("MaHoSo"))
    if not code:
        raise ApplicationError("MaHoSo is empty.", code="missing_code")
    return code


def procedure_code(raw: str) -> str:
    """MaTTHC as sent (1.001229.000.00.00.H56) or its national base code (1.001229), whichever the catalog has."""
    raw = fields.text(raw)
    if not raw:
        raise ApplicationError("MaTTHC is empty.", code="unknown_procedure")
    base = ".".join(raw.split(".")[:2])
    for candidate in (raw, base):
        if Procedure.objects.filter(code=candidate).exists():
            return candidate
    raise ApplicationError(f"No procedure has the code '{raw}' (nor '{base}').", code="unknown_procedure")


def agency_code(client: DvcqgClient, item: dict, madonvi: str) -> str:
    mapping = client.agency_map or {}
    for key in (fields.text(item.get("DonViXuLy")), madonvi):
        if key and key in mapping:
            return mapping[key]
    return client.receiving_agency.code


def status_of(item: dict, name: str, ignored: fields.Ignored, *, empty: int | None) -> int | None:
    """TrangThaiHoSo / TrangThai. A value that is not a national code 1-10 ("11", "0", "x") refuses the item: what
    state the dossier is in cannot be guessed, and a notice would tell the citizen something untrue. Empty: `empty`
    (noted when it is a stand-in)."""
    raw = fields.text(item.get(name))
    if not raw:
        if empty is not None:
            ignored.add(name, raw, f"Empty: taken as {empty}" + (" for a new dossier." if empty == 2 else "."))
        return empty
    value = fields.code(raw)
    if value is None or not 1 <= value <= 10:
        raise ApplicationError(f"{name} '{raw[:20]}' is not a national status code (1 to 10).", code="invalid_status")
    return value


def dossier_data(
    client: DvcqgClient, item: dict, *, madonvi: str = "", ignored: fields.Ignored | None = None
) -> DossierData:
    """Per field: an empty MaHoSo, an unknown MaTTHC or a TrangThaiHoSo outside 1-10 refuse the item; other unreadable
    values are ignored and listed in `ignored` (the raw record keeps them): an unreadable NgayHenTra leaves the due
    date empty rather than telling the citizen a date of ours, an unreadable phone leaves no phone, an unknown
    LoaiDoiTuong or KenhThucHien takes the usual default."""
    ignored = fields.Ignored() if ignored is None else ignored
    code = dossier_code(item)
    status = status_of(item, "TrangThaiHoSo", ignored, empty=2)
    others = [fields.text(item.get(k)) for k in ("MaHoSoKhac", "IDHoSo")]
    due_date = ignored.moment(
        item,
        "NgayHenTra",
        "ignored; a new dossier gets no due date (none is calculated), an existing one keeps its own",
    )
    received_at = ignored.moment(item, "NgayTiepNhan", "ignored; the received time is NgayNopHoSo or now")
    submitted_at = ignored.moment(item, "NgayNopHoSo")
    for key in ("NgayTuChoi", "NgayKetThucXuLy", "NgayTra"):
        ignored.moment(item, key)
    phone = quirks.phone_of(item)
    for key in ("SoDienThoai", "Fax"):
        raw = fields.text(item.get(key))
        if raw and not phone and (key == "SoDienThoai" or any(ch.isdigit() for ch in raw)):
            ignored.add(key, raw, "Not a phone number: ignored; the citizen cannot be reached by phone.")
    id_number = quirks.id_number_of(item)
    raw_id = fields.text(item.get("SoGiayToChuHoSo"))
    if raw_id and raw_id != id_number and raw_id not in quirks.PLACEHOLDER_IDS:
        ignored.add("SoGiayToChuHoSo", raw_id, "Not a 9- or 12-digit ID number: ignored.")
    for key in ("TaiLieuNop", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua", "DinhDanhCHS", "DanhSachLePhi"):
        value = item.get(key)
        if value not in (None, "") and not isinstance(value, list):
            ignored.add(key, str(value), "Not a list: ignored.")
    return DossierData(
        external_id=code,
        receipt_code=code,
        other_codes=[o for o in others if o and o != code],
        procedure_code=procedure_code(item.get("MaTTHC")),
        receiving_agency_code=agency_code(client, item, madonvi),
        applicant_name=fields.text(item.get("ChuHoSo")) or ANONYMOUS_OWNER,
        applicant_type=ignored.choice(item, "LoaiDoiTuong", fields.APPLICANT_TYPES, "citizen", "taken as a citizen"),
        applicant_phone=phone,
        applicant_id_number=id_number,
        applicant_email=fields.text(item.get("Email")),
        channel=ignored.choice(item, "KenhThucHien", fields.CHANNELS, "in_person", "taken as in person (1)"),
        summary=fields.text(item.get("TrichYeuHoSo"))[:1000],
        received_at=received_at or submitted_at,
        due_date=due_date,
        due_date_unreadable=due_date is None and bool(fields.text(item.get("NgayHenTra"))),
        status_code=1 if status == 1 else 2,
    )


def _latest_date(item: dict) -> dt.datetime | None:
    dates = [fields.moment(item.get(k)) for k in DATE_FIELDS]
    return max((d for d in dates if d), default=None)


def dossier_status_event(item: dict, *, undated: bool = True) -> StatusEvent | None:
    """The dossier object's own TrangThaiHoSo as an event, at the date that status carries (else one second after
    the latest date in the object). None when there is no usable status, or it is a 9 that may be folded.

    Statuses without a date of their own (4-8) cannot be ordered among the steps; when the steps tell the
    history (`undated` False: the client sends steps), they are left to the steps, so a dossier does not go
    back and forth between the object's status and the older steps that follow it."""
    code = status_of(item, "TrangThaiHoSo", fields.Ignored(), empty=None)  # dossier_data noted it already
    if code is None:
        return None
    if code == 9 and quirks.ambiguous_nine(item):
        return None
    at = fields.moment(item.get(STATUS_DATE.get(code, "")))  # unreadable dates: noted by dossier_data
    if at is None and not undated:
        return None
    if at is None:
        latest = _latest_date(item)
        if latest is None:
            return None
        at = latest + dt.timedelta(seconds=1)
    dossier = dossier_code(item)
    stamp = at.strftime("%Y%m%d%H%M%S")
    return StatusEvent(
        event_id=f"dvcqg-status:{hashlib.sha256(dossier.encode()).hexdigest()[:16]}:{code}:{stamp}",
        receipt_code=dossier,
        status_code=code,
        occurred_at=at,
        note=fields.text(item.get("ThongTinTra")) if code in (9, 10) else "",
        due_date=fields.day(item.get("NgayHenTra")),
        missing=quirks.supplement_items(item) if code == 5 else [],
    )


def step_event(step: dict, *, record: dict | None = None, ignored: fields.Ignored | None = None) -> StatusEvent:
    """One progress step (CapNhatTienDoHoSoMC item): TrangThai is the dossier status at that step. A TrangThai
    outside 1-10 or no readable time refuses the step; an empty TrangThai is TD's default 4 (noted)."""
    ignored = fields.Ignored() if ignored is None else ignored
    dossier = dossier_code(step)
    wording = fields.text(step.get("NoiDungXuLy"))
    code = quirks.unfolded_code(status_of(step, "TrangThai", ignored, empty=4), wording)
    at = fields.moment(step.get("ThoiDiemXuLy"))
    if at is None:
        started = fields.moment(step.get("NgayBatDau"))
        raw = fields.text(step.get("ThoiDiemXuLy"))
        if started is None:
            shown = f" ('{raw[:30]}' is not a date)" if raw else ""
            raise ApplicationError(f"The step has no readable ThoiDiemXuLy{shown}.", code="missing_time")
        ignored.add(
            "ThoiDiemXuLy",
            raw,
            "Not a date: NgayBatDau taken as the step's time."
            if raw
            else "Empty: NgayBatDau taken as the step's time.",
        )
        at = started
    who = fields.text(step.get("NguoiXuLy"))
    title = fields.text(step.get("ChucDanh"))
    missing: list[str] = []
    if code == 5:  # the latest supplement round's content, else what the step says
        missing = quirks.supplement_items(record or {}) or quirks.items_in_wording(wording)
    return StatusEvent(
        event_id=quirks.step_event_id(step),
        receipt_code=dossier,
        status_code=code,
        occurred_at=at,
        actor_label=(f"{who} ({title})" if who and title else who)[:150],
        note=wording,
        missing=missing,
    )
