"""Thai Binh's daily report of businesses' petitions in the console: the morning's digest for a day (the page, XLSX
and PDF hold the same tables), subscribing to it, for leaders (reports.view) and the business association
(petitions.oversee, read-only)."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.reports.business_digest import (
    XLSX_TYPE,
    business_digest,
    can_read,
    digest_file_name,
    digest_xlsx,
    is_subscribed,
    previous_working_day,
)
from ketnoi.reports.services import digest_subscribe

from ...documents.digest import digest_pdf
from ..base import ConsoleView


class DigestMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_read(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def day(self) -> dt.date:
        try:
            return dt.date.fromisoformat(self.request.GET.get("day", ""))
        except ValueError:
            return timezone.localdate()

    def digest(self):
        return business_digest(official=self.request.user, day=self.day())


class BusinessDigestView(DigestMixin, ConsoleView):
    template_name = "console/reports/business_digest.html"
    nav_key = "reports"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        digest = self.digest()
        context.update(
            digest=digest,
            tables=digest.tables(),
            subscribed=is_subscribed(self.request.user),
            earlier=previous_working_day(digest.day),
            later=digest.day + dt.timedelta(days=1) if digest.day < timezone.localdate() else None,
        )
        return context

    def post(self, request, *args, **kwargs):
        on = request.POST.get("subscribe") == "1"
        digest_subscribe(official=request.user, on=on)
        if on:
            messages.success(request, _("You will receive this report every working morning."))
        else:
            messages.success(request, _("You will no longer receive this report."))
        return redirect("console:business_digest")


class BusinessDigestExportView(DigestMixin, ConsoleView):
    file_format = "xlsx"

    def get(self, request, *args, **kwargs):
        digest = self.digest()
        if self.file_format == "pdf":
            response = HttpResponse(digest_pdf(digest), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="{digest_file_name(digest, "pdf")}"'
        else:
            response = HttpResponse(digest_xlsx(digest), content_type=XLSX_TYPE)
            response["Content-Disposition"] = f'attachment; filename="{digest_file_name(digest, "xlsx")}"'
        response["Cache-Control"] = "private, no-store"
        return response
