"""Reusable templates (with a leader's pre-approval: the emergency fast path)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ketnoi.broadcasts import selectors
from ketnoi.broadcasts.services import template_pre_approve, template_save
from ketnoi.core.errors import ApplicationError

from ..base import ConsoleView
from .forms import TemplateForm


class TemplateListView(ConsoleView):
    template_name = "console/broadcasts/templates.html"
    capability = "broadcasts.compose"
    nav_key = "broadcasts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            templates=selectors.template_list(official=self.request.user),
            form=kwargs.get("form") or TemplateForm(official=self.request.user),
            can_approve=self.scope.can("broadcasts.approve"),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = TemplateForm(request.POST, official=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                template_save(
                    actor=request.user,
                    unit=data["unit"],
                    name=data["name"],
                    text=data["text"],
                    text_en=data["text_en"],
                    topic=data["topic"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Template saved."))
                return redirect("console:broadcast_templates")
        return self.render_to_response(self.get_context_data(form=form))


class TemplatePreApproveView(ConsoleView):
    capability = "broadcasts.approve"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        template = selectors.template_get(official=request.user, uuid=self.kwargs["uuid"])
        try:
            template_pre_approve(actor=request.user, template=template)
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("Template pre-approved for emergency alerts."))
        return redirect("console:broadcast_templates")
