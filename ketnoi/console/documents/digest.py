"""The daily report of businesses' petitions as a PDF (A4 landscape): the console's download and the file sent on
the internal OA (Zalo takes PDF, DOC and DOCX files, not spreadsheets)."""

from django.utils import timezone

from ketnoi.reports.business_digest import Digest, digest_file_name

from .pdf import render_pdf


def digest_pdf(digest: Digest) -> bytes:
    context = {"digest": digest, "tables": digest.tables(), "printed_at": timezone.localtime()}
    return render_pdf("console/documents/business_digest.html", context)


def digest_pdf_file(digest: Digest) -> tuple[str, bytes, str]:
    """(file name, content, content type): what send_business_digests attaches on the internal OA."""
    return digest_file_name(digest, "pdf"), digest_pdf(digest), "application/pdf"
