"""Form 04 (Phiếu xin lỗi và hẹn lại ngày trả kết quả, Circular 01/2018), A5: issued once, when the dossier is late."""

from django.utils import timezone, translation

from ketnoi.dossiers.models import Dossier

from .pdf import render_pdf


def apology_context(dossier: Dossier) -> dict:
    agency = dossier.competent_agency or dossier.receiving_agency
    return {
        "code": dossier.receipt_code,
        "agency_name": agency.name,
        "parent_agency_name": agency.parent.name if agency.parent_id else agency.unit.name,
        "place": dossier.unit.name,
        "issued_at": timezone.localtime(dossier.apology_issued_at),
        "applicant_name": dossier.applicant_name,
        "procedure_name": dossier.procedure.name,
        "received_at": timezone.localtime(dossier.received_at or dossier.created_at),
        "previous_due_date": dossier.apology_previous_due_date,
        "new_due_date": dossier.apology_new_due_date,
        "reason": dossier.apology_reason,
    }


def apology_pdf(dossier: Dossier) -> bytes:
    """In the citizen's language (Vietnamese unless they chose English at the desk), whatever the officer's."""
    with translation.override(dossier.language if dossier.language in ("vi", "en") else "vi"):
        return render_pdf("console/documents/apology.html", {"a": apology_context(dossier)})
