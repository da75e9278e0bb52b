"""Form 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Circular 01/2018), A5, with the lookup QR."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ketnoi.core.redaction import mask_phone
from ketnoi.dossiers.desk import documents_received
from ketnoi.dossiers.models import Dossier
from ketnoi.dossiers.tokens import lookup_url

from .pdf import render_pdf
from .qr import qr_data_uri


def return_place(dossier: Dossier) -> str:
    if dossier.postal_registered_at:
        return _("By post to: %(address)s") % {"address": dossier.postal_address}
    if dossier.collection_place:
        return dossier.collection_place
    agency = dossier.receiving_agency
    parts = [dossier.desk.name if dossier.desk else "", agency.name, agency.address]
    return ", ".join(p for p in parts if p)


def receipt_context(dossier: Dossier) -> dict:
    agency = dossier.receiving_agency
    officer = dossier.received_by
    url = lookup_url(dossier)
    return {
        "code": dossier.receipt_code,
        "agency_name": agency.name,
        "parent_agency_name": agency.parent.name if agency.parent_id else agency.unit.name,
        "applicant_name": dossier.applicant_name,
        "applicant_id_masked": dossier.applicant_id_masked,
        "applicant_phone": mask_phone(dossier.applicant_phone),
        "applicant_address": dossier.applicant_address,
        "procedure_name": dossier.procedure.name,
        "procedure_code": dossier.procedure.code,
        "received_at": timezone.localtime(dossier.received_at or dossier.created_at),
        "due_date": dossier.due_date,
        "documents": documents_received(dossier),
        "return_place": return_place(dossier),
        "lookup_hint": f"{settings.PUBLIC_BASE_URL}{reverse('portal:lookup')}",
        "officer_name": (officer.get_full_name() or officer.get_username()) if officer else "",
        "lookup_url": url,
        "qr": qr_data_uri(url),
    }


def receipt_pdf(dossier: Dossier) -> bytes:
    """In the citizen's language (Vietnamese unless they chose English at the desk), whatever the officer's."""
    with translation.override(dossier.language if dossier.language in ("vi", "en") else "vi"):
        return render_pdf("console/documents/receipt.html", {"r": receipt_context(dossier)})
