"""A unit's inbox settings: canned replies and response targets with office hours (inbox.manage)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.inbox.selectors import canned_reply_get, canned_reply_list
from ketnoi.inbox.services import canned_reply_delete, canned_reply_save, service_policy_save
from ketnoi.inbox.services.common import MANAGE
from ketnoi.inbox.timers import policy_for
from ketnoi.orgs.models import AdministrativeUnit

from ..base import ConsoleView
from .forms import CannedReplyForm, PolicyForm


def _managed_units(scope) -> list[AdministrativeUnit]:
    """Units where the official manages the inbox: their memberships' units carrying inbox.manage."""
    if scope.everything:
        return list(AdministrativeUnit.objects.filter(valid_to__isnull=True).order_by("path"))
    paths = {g.unit_path for g in scope.narrowed(MANAGE).grants}
    return list(AdministrativeUnit.objects.filter(path__in=paths).order_by("path"))


class CannedReplyListView(ConsoleView):
    template_name = "console/inbox/canned.html"
    capability = "inbox.manage"
    nav_key = "inbox_canned"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        units = _managed_units(self.scope)
        context.update(
            canned=canned_reply_list(official=self.request.user),
            units=units,
            form=kwargs.get("form") or CannedReplyForm(),
            policies=[(unit, policy_for(unit)) for unit in units],
        )
        return context

    def post(self, request):
        form = CannedReplyForm(request.POST)
        units = {str(u.uuid): u for u in _managed_units(self.scope)}
        unit = units.get(request.POST.get("unit", ""))
        if unit is None:
            messages.error(request, _("Choose a unit."))
        elif form.is_valid():
            try:
                canned_reply_save(actor=request.user, unit=unit, **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Canned reply saved."))
                return redirect("console:inbox_canned_list")
        return self.render_to_response(self.get_context_data(form=form))


class CannedReplyEditView(ConsoleView):
    template_name = "console/inbox/canned_edit.html"
    capability = "inbox.manage"
    nav_key = "inbox_canned"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        canned = canned_reply_get(official=self.request.user, uuid=self.kwargs["uuid"])
        context.update(
            canned=canned,
            form=kwargs.get("form") or CannedReplyForm(initial={"title": canned.title, "text": canned.text}),
        )
        return context

    def post(self, request, uuid):
        canned = canned_reply_get(official=request.user, uuid=uuid)
        form = CannedReplyForm(request.POST)
        if form.is_valid():
            try:
                canned_reply_save(actor=request.user, unit=canned.unit, canned=canned, **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Canned reply saved."))
                return redirect("console:inbox_canned_list")
        return self.render_to_response(self.get_context_data(form=form))


class CannedReplyDeleteView(ConsoleView):
    http_method_names = ["post"]
    capability = "inbox.manage"

    def post(self, request, uuid):
        canned = canned_reply_get(official=request.user, uuid=uuid)
        try:
            canned_reply_delete(actor=request.user, canned=canned)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Canned reply deleted."))
        return redirect("console:inbox_canned_list")


class PolicyView(ConsoleView):
    """A unit's response targets and office hours."""

    template_name = "console/inbox/policy.html"
    capability = "inbox.manage"
    nav_key = "inbox_canned"

    def unit(self) -> AdministrativeUnit:
        units = {str(u.uuid): u for u in _managed_units(self.scope)}
        unit = units.get(str(self.kwargs["uuid"]))
        if unit is None:
            raise Http404
        return unit

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.unit()
        policy = policy_for(unit)
        initial = {
            "first_response_minutes": policy.first_response_minutes,
            "resolution_minutes": policy.resolution_minutes,
            "day_start": policy.day_start,
            "day_end": policy.day_end,
            "reopen_hours": policy.reopen_hours,
        }
        context.update(unit=unit, policy=policy, form=kwargs.get("form") or PolicyForm(initial=initial))
        return context

    def post(self, request, uuid):
        unit = self.unit()
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                service_policy_save(actor=request.user, unit=unit, **form.cleaned_data)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Response targets saved."))
                return redirect("console:inbox_canned_list")
        return self.render_to_response(self.get_context_data(form=form))
