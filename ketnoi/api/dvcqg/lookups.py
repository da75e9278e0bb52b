"""The adapter's read services: TraCuuHoSo (does the dossier exist here? `{"result": []}` when not, so the caller
sends it as new) and LayThuTuc (the procedure's name and field, which OpenCPS copies into TenTTHC/MaLinhVuc)."""

from django.utils import timezone

from ketnoi.dossiers.states import NATIONAL_CODE
from ketnoi.procedures.models import Procedure

from . import fields
from .models import DvcqgClient

DATE = "%Y%m%d%H%M%S"


def _stamp(value) -> str:
    return timezone.localtime(value).strftime(DATE) if value else ""


def dossier(client: DvcqgClient, params: dict) -> list[dict]:
    from .services.intake import find_dossier

    code = fields.text(params.get("mahoso") or params.get("MaHoSo"))
    found = find_dossier(client, code) if code else None
    if found is None:
        return []
    return [
        {
            "MaHoSo": code,
            "MaTTHC": found.procedure.code,
            "TenTTHC": found.procedure.name,
            "TrangThaiHoSo": str(NATIONAL_CODE[found.state]),
            "NgayTiepNhan": _stamp(found.received_at),
            "NgayHenTra": found.due_date.strftime("%Y%m%d") + "170000" if found.due_date else "",
            "NgayKetThucXuLy": _stamp(found.finished_at),
        }
    ]


def procedure(params: dict) -> list[dict]:
    raw = fields.text(params.get("maTTHC") or params.get("MaTTHC"))
    if not raw:
        return []
    base = ".".join(raw.split(".")[:2])
    found = Procedure.objects.filter(code__in=[raw, base]).order_by("-code").first()
    if found is None:
        return []
    field = getattr(found, "field", "") or ""
    return [
        {
            "MATTHC": raw,
            "TENTTHC": found.name,
            "LINHVUCTHUCHIEN": [{"MALINHVUC": "", "TENLINHVUC": field}] if field else [],
        }
    ]
