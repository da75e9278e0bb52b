"""Scheduled jobs that need the console's documents (settings.SCHEDULED_JOBS)."""

from ketnoi.reports.business_digest import send_business_digests

from .documents.digest import digest_pdf_file


def business_digest_job() -> None:
    """Each working morning: the daily report of businesses' petitions to its subscribers, with the PDF attached."""
    send_business_digests(attachment=digest_pdf_file)
