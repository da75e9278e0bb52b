"""Reads of documents to process: an official sees their own assignments (the document-management system keeps the
rest); the API client reads back what it sent."""

from django.db.models import F, QuerySet

from .models import Assignment, AssignmentState, Document


def assignments_for(*, official, include_closed: bool = False) -> QuerySet[Assignment]:
    """The official's documents, the nearest deadline first (no deadline last)."""
    return _of(official.pk, include_closed)


def open_count(*, user_id: int | None) -> int:
    """For the navigation and the home page: the official's documents still to process."""
    return _of(user_id, False).count() if user_id else 0


def _of(user_id: int, include_closed: bool) -> QuerySet[Assignment]:
    rows = Assignment.objects.filter(official_id=user_id).select_related("document")
    if not include_closed:
        rows = rows.filter(state=AssignmentState.OPEN, document__is_done=False)
    return rows.order_by(F("document__deadline").asc(nulls_last=True), "-assigned_at", "id")


def documents_of(*, system: str, external_id: str = "") -> QuerySet[Document]:
    rows = Document.objects.filter(external_system=system).prefetch_related("assignments__official")
    return rows.filter(external_id=external_id) if external_id else rows.order_by("-updated_at", "-id")
