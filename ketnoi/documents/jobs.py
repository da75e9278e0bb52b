"""Scheduled jobs of documents to process (settings.SCHEDULED_JOBS)."""

from .services import remind_due_documents


def remind_due_job() -> None:
    remind_due_documents()
