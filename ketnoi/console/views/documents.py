"""Documents to process: the official's own, nearest deadline first, each opening in the document-management
system. What arrives here is also told on the internal channel (My notices, internal OA)."""

from django.utils import timezone

from ketnoi.core.workdays import add_working_days
from ketnoi.documents.selectors import assignments_for
from ketnoi.documents.services import REMIND_WORKING_DAYS

from .base import ConsoleView


class DocumentListView(ConsoleView):
    template_name = "console/assigned_documents/list.html"
    capability = None  # every official: their own documents
    nav_key = "documents"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        include_closed = self.request.GET.get("all") == "1"
        today = timezone.localdate()
        page = self.paginate(assignments_for(official=self.request.user, include_closed=include_closed))
        soon = add_working_days(today, REMIND_WORKING_DAYS)
        for assignment in page:
            deadline = assignment.document.deadline
            assignment.overdue = bool(deadline and deadline < today)
            assignment.due_soon = bool(deadline and today <= deadline <= soon)
        context.update(page=page, include_closed=include_closed)
        return context
