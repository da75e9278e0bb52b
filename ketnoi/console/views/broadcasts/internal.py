"""The officials' internal channel in the console: my notices, linking my Zalo account, meetings."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.broadcasts import selectors
from ketnoi.broadcasts.models import OfficialLink
from ketnoi.broadcasts.services import notice_mark_read, official_link_code, official_unlink
from ketnoi.broadcasts.services.meetings import meeting_answer, meeting_cancel, meeting_schedule, officials_in
from ketnoi.core.errors import ApplicationError
from ketnoi.core.urls import is_site_path
from ketnoi.orgs.models import COMMUNE_KINDS, PROVINCE_KINDS, AdministrativeUnit

from ..base import ConsoleView
from .forms import MeetingForm


class NoticeListView(ConsoleView):
    """Every official: notices addressed to me, and the link to my account on the internal OA."""

    template_name = "console/broadcasts/notices.html"
    nav_key = "internal"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            page=self.paginate(selectors.notices_for(official=user)),
            link=OfficialLink.objects.select_related("channel_contact__channel").filter(user=user).first(),
            code=kwargs.get("code"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("do") == "unlink":
            official_unlink(official=request.user)
            messages.success(request, _("Your account is no longer linked."))
            return redirect("console:internal_notices")
        code = official_link_code(official=request.user)
        return self.render_to_response(self.get_context_data(code=code))


class NoticeReadView(ConsoleView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        notice = selectors.notice_get(official=request.user, uuid=self.kwargs["uuid"])
        notice_mark_read(official=request.user, notice=notice)
        if is_site_path(notice.url):  # a console page; never a redirect off the site
            return redirect(notice.url)
        return redirect("console:internal_notices")


def _meeting_units(scope):
    return scope.narrowed("meetings.manage").filter(
        AdministrativeUnit.objects.filter(valid_to__isnull=True, kind__in=[*PROVINCE_KINDS, *COMMUNE_KINDS]), "path"
    )


class MeetingListView(ConsoleView):
    template_name = "console/broadcasts/meetings.html"
    nav_key = "meetings"

    def _form(self, data=None):
        units = _meeting_units(self.scope)
        first = units.first()
        participants = officials_in(first) if first else officials_in(AdministrativeUnit(path="/none/"))
        if data is not None and data.get("unit"):
            chosen = units.filter(uuid=data.get("unit")).first()
            if chosen:
                participants = officials_in(chosen)
        return MeetingForm(data, official=self.request.user, units=units, participants=participants)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_manage = self.scope.can("meetings.manage")
        context.update(
            meetings=selectors.meeting_list(official=self.request.user).order_by("-starts_at")[:100],
            form=kwargs.get("form") or (self._form() if can_manage else None),
            can_manage=can_manage,
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = meeting_schedule(
                    actor=request.user,
                    unit=data["unit"],
                    title=data["title"],
                    starts_at=data["starts_at"],
                    place=data["place"],
                    participants=data["participants"],
                    remind_minutes_before=data["remind_minutes_before"],
                )
            except ApplicationError as exc:
                form.add_error(None, _(exc.message))
            else:
                messages.success(request, _("Meeting scheduled; participants are notified."))
                return redirect("console:meeting_detail", uuid=meeting.uuid)
        return self.render_to_response(self.get_context_data(form=form))


class MeetingDetailView(ConsoleView):
    template_name = "console/broadcasts/meeting.html"
    nav_key = "meetings"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = selectors.meeting_get(official=self.request.user, uuid=self.kwargs["uuid"])
        participants = meeting.participants.select_related("user").order_by("user__username")
        context.update(
            meeting=meeting,
            participants=participants,
            mine=participants.filter(user=self.request.user).first(),
        )
        return context

    def post(self, request, *args, **kwargs):
        meeting = selectors.meeting_get(official=request.user, uuid=self.kwargs["uuid"])
        try:
            if request.POST.get("do") == "cancel":
                meeting_cancel(actor=request.user, meeting=meeting)
            else:
                meeting_answer(official=request.user, meeting=meeting, attending=request.POST.get("do") == "yes")
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        return redirect("console:meeting_detail", uuid=meeting.uuid)
