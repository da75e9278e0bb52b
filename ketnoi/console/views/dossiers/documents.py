"""The receipt (Form 01, A5) and apology slip (Form 04, A5) of a dossier, the follow poster (A4) of a desk."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from ketnoi.dossiers.selectors import dossier_get
from ketnoi.orgs import selectors as orgs

from ...documents.apology import apology_pdf
from ...documents.poster import poster_pdf
from ...documents.receipt import receipt_pdf
from ..base import ConsoleView


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class DossierReceiptView(ConsoleView):
    capability = "dossiers.view"

    def get(self, request, uuid):
        dossier = dossier_get(official=request.user, uuid=uuid)
        return pdf_response(receipt_pdf(dossier), f"{dossier.receipt_code}.pdf")


class DeskPosterView(ConsoleView):
    capability = "dossiers.view"

    def get(self, request, uuid):
        desk = get_object_or_404(orgs.desk_list(official=request.user), uuid=uuid)
        return pdf_response(poster_pdf(desk), f"poster-{desk.agency.code}-{desk.code}.pdf")


class DossierApologyView(ConsoleView):
    capability = "dossiers.view"

    def get(self, request, uuid):
        dossier = dossier_get(official=request.user, uuid=uuid)
        if dossier.apology_issued_at is None:
            raise Http404
        return pdf_response(apology_pdf(dossier), f"{dossier.receipt_code}-xin-loi.pdf")
