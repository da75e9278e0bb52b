"""The inbox list: folders, live rows (htmx polls every few seconds), the official's duty switch per unit."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.core.errors import ApplicationError
from ketnoi.inbox.report import conversation_report
from ketnoi.inbox.selectors import FOLDERS, handoff_list, team_of, team_units
from ketnoi.inbox.services import duty_set
from ketnoi.inbox.services.common import MANAGE, can

from ..base import ConsoleView

POLL_SECONDS = 4
FOLDER_LABELS = {
    "waiting": gettext_lazy("Waiting for us"),
    "mine": gettext_lazy("Mine"),
    "unassigned": gettext_lazy("Unassigned"),
    "all": gettext_lazy("All open"),
    "closed": gettext_lazy("Closed"),
}


class InboxListView(ConsoleView):
    template_name = "console/inbox/list.html"
    capability = "inbox.answer"
    nav_key = "inbox"

    def folder(self) -> str:
        folder = self.request.GET.get("folder", "waiting")
        return folder if folder in FOLDERS else "waiting"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, folder, now = self.request.user, self.folder(), timezone.now()
        handoffs = handoff_list(official=user, folder=folder, query=self.request.GET.get("q", ""), now=now)
        context.update(
            folder=folder,
            folders=[
                (
                    key,
                    FOLDER_LABELS[key],
                    handoff_list(official=user, folder=key, now=now).count() if key != "closed" else None,
                )
                for key in ("waiting", "mine", "unassigned", "all", "closed")
            ],
            page=self.paginate(handoffs),
            is_htmx=bool(self.request.headers.get("HX-Request")),
            now=now,
            poll_seconds=POLL_SECONDS,
            q=self.request.GET.get("q", ""),
            teams=[
                {"unit": unit, "members": team_of(unit), "can_manage": can(user, MANAGE, unit)}
                for unit in team_units(official=user)
            ],
        )
        return context

    def get_template_names(self):
        if self.request.headers.get("HX-Request"):
            return ["console/inbox/_rows.html"]
        return [self.template_name]


class DutyView(ConsoleView):
    """Switch duty for a unit of the official's team: their own, or (inbox.manage) a colleague's."""

    http_method_names = ["post"]
    capability = "inbox.answer"

    def post(self, request, unit_uuid):
        units = {str(u.uuid): u for u in team_units(official=request.user)}
        unit = units.get(str(unit_uuid))
        if unit is None:
            raise Http404
        user = request.user
        if request.POST.get("user"):
            user = get_user_model().objects.filter(pk=request.POST["user"]).first()
            if user is None:
                raise Http404
        try:
            duty_set(actor=request.user, user=user, unit=unit, on_duty=request.POST.get("on_duty") == "1")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Duty updated."))
        return redirect("console:inbox_list")


class ConversationReportView(ConsoleView):
    """Per team: conversations handed to it in a period (opened there or passed to it), passed on, answered, and
    whether the first reply met the team's target (ketnoi.inbox.report). A passed conversation counts for the
    unit that answers it."""

    template_name = "console/inbox/report.html"
    capability = "inbox.answer"
    nav_key = "inbox"

    def period(self) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        start = parse_date(self.request.GET.get("from") or "") or today.replace(day=1)
        end = parse_date(self.request.GET.get("to") or "") or today
        return (start, end) if start <= end else (end, start)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        start, end = self.period()
        context.update(
            start=start, end=end, teams=conversation_report(official=self.request.user, start=start, end=end)
        )
        return context
