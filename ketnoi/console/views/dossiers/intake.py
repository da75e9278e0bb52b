"""Desk intake: a new dossier in under a minute, keyboard only, then its receipt."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from ketnoi.core.errors import ApplicationError
from ketnoi.dossiers.desk import desk_of, dossier_receive_at_desk
from ketnoi.procedures.models import Procedure
from ketnoi.procedures.selectors import procedure_search

from ..base import ConsoleView
from .forms import IntakeForm

PICKER_LIMIT = 12


def _procedure(value: str) -> Procedure | None:
    try:
        return Procedure.objects.filter(uuid=uuid.UUID(value), is_active=True).first()
    except (ValueError, TypeError, AttributeError):
        return None


class DossierIntakeView(ConsoleView):
    template_name = "console/dossiers/intake.html"
    capability = "dossiers.intake"
    nav_key = "dossier_intake"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = desk_of(self.request.user)
        context["membership"] = membership
        context.setdefault("form", IntakeForm(initial={"channel": "in_person", "applicant_type": "citizen"}))
        form = context["form"]
        procedure = form.procedure_obj if form.is_bound else None
        context["procedure"] = procedure
        query = form.data.get("q", "") if form.is_bound else ""
        context["candidates"] = procedure_search(query=query, limit=PICKER_LIMIT) if query and not procedure else []
        context["checked_documents"] = form.data.getlist("documents") if form.is_bound else None
        last = self.request.session.get("ketnoi_last_intake")
        context["last_intake"] = last
        return context

    def post(self, request, *args, **kwargs):
        procedure = _procedure(request.POST.get("procedure", ""))
        form = IntakeForm(request.POST, procedure=procedure)
        membership = desk_of(request.user)
        if membership is None:
            form.add_error(None, _("You are not assigned to a desk. Ask your unit administrator."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                dossier = dossier_receive_at_desk(
                    actor=request.user,
                    membership=membership,
                    procedure=procedure,
                    applicant_name=data["applicant_name"],
                    applicant_phone=data["applicant_phone"],
                    applicant_id_number=data["applicant_id_number"],
                    applicant_address=data["applicant_address"],
                    applicant_type=data["applicant_type"],
                    channel=data["channel"],
                    documents_received=data["documents"],
                    notes=data["notes"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                receipt = reverse("console:dossier_receipt", args=[dossier.uuid])
                request.session["ketnoi_last_intake"] = {
                    "code": dossier.receipt_code,
                    "receipt": receipt,
                    "detail": reverse("console:dossier_detail", args=[dossier.uuid]),
                }
                messages.success(request, _("Dossier %(code)s received.") % {"code": dossier.receipt_code})
                return redirect("console:dossier_intake")
        return self.render_to_response(self.get_context_data(form=form), status=200)


class ProcedurePickerView(ConsoleView):
    """The type-ahead list of procedures (htmx fragment); the first match is chosen, arrows move the choice."""

    template_name = "console/dossiers/_picker.html"
    capability = "dossiers.intake"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        context["candidates"] = procedure_search(query=query, limit=PICKER_LIMIT) if query.strip() else []
        context["oob_documents"] = True
        return context


class ProcedureDocumentsView(ConsoleView):
    """The documents checklist of one procedure (htmx fragment), every item ticked: the desk unticks what is missing."""

    template_name = "console/dossiers/_documents.html"
    capability = "dossiers.intake"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procedure = _procedure(str(self.kwargs["uuid"]))
        if procedure is None:
            raise Http404
        context.update(procedure=procedure, checked_documents=None)
        return context
