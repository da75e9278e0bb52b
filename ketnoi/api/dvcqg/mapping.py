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


def dossier_data(client: DvcqgClient, item: dict, *, madonvi: str = "") -> DossierData:
    code = dossier_code(item)
    status = fields.code(item.get("TrangThaiHoSo"))
    others = [fields.text(item.get(k)) for k in ("MaHoSoKhac", "IDHoSo")]
    return DossierData(
        external_id=code,
        receipt_code=code,
        other_codes=[o for o in others if o and o != code],
        procedure_code=procedure_code(item.get("MaTTHC")),
        receiving_agency_code=agency_code(client, item, madonvi),
        applicant_name=fields.text(item.get("ChuHoSo")) or ANONYMOUS_OWNER,
        applicant_type=fields.APPLICANT_TYPES.get(fields.code(item.get("LoaiDoiTuong")), "citizen"),
        applicant_phone=quirks.phone_of(item),
        applicant_id_number=quirks.id_number_of(item),
        applicant_email=fields.text(item.get("Email")),
        channel=fields.CHANNELS.get(fields.code(item.get("KenhThucHien")), "in_person"),
        summary=fields.text(item.get("TrichYeuHoSo"))[:1000],
        received_at=fields.moment(item.get("NgayTiepNhan")) or fields.moment(item.get("NgayNopHoSo")),
        due_date=fields.day(item.get("NgayHenTra")),
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
    code = fields.code(item.get("TrangThaiHoSo"))
    if code is None or not 1 <= code <= 10:
        return None
    if code == 9 and quirks.ambiguous_nine(item):
        return None
    at = fields.moment(item.get(STATUS_DATE.get(code, "")))
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


def step_event(step: dict, *, record: dict | None = None) -> StatusEvent:
    """One progress step (CapNhatTienDoHoSoMC item): TrangThai is the dossier status at that step."""
    dossier = dossier_code(step)
    wording = fields.text(step.get("NoiDungXuLy"))
    code = quirks.unfolded_code(fields.code(step.get("TrangThai")), wording)
    if code is None:
        code = 4  # TD's default when the step carries no status
    at = fields.moment(step.get("ThoiDiemXuLy")) or fields.moment(step.get("NgayBatDau"))
    if at is None:
        raise ApplicationError("The step has no ThoiDiemXuLy.", code="missing_time")
    who = fields.text(step.get("NguoiXuLy"))
    title = fields.text(step.get("ChucDanh"))
    return StatusEvent(
        event_id=quirks.step_event_id(step),
        receipt_code=dossier,
        status_code=code,
        occurred_at=at,
        actor_label=(f"{who} ({title})" if who and title else who)[:150],
        note=wording,
        missing=quirks.supplement_items(record or {}) if code == 5 else [],
    )
