"""The procedure catalog in the console: every official reads it (it is province-wide and public); administrators
with procedures.manage import files into it."""

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy

from ketnoi.core.models import AuditEntry
from ketnoi.procedures.models import Procedure
from ketnoi.procedures.selectors import procedure_search
from ketnoi.procedures.services import procedure_import

from .base import ConsoleView
from .imports import FileImportView


class ProcedureListView(ConsoleView):
    template_name = "console/procedures/list.html"
    nav_key = "procedures"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:200]
        if query:
            procedures = procedure_search(query=query, limit=100, include_inactive=True)
        else:
            procedures = Procedure.objects.select_related("agency").order_by("field", "name")
        context.update(
            page=self.paginate(procedures),
            q=query,
            params=self.request.GET,
            can_manage=self.scope.can("procedures.manage"),
        )
        return context


class ProcedureDetailView(ConsoleView):
    template_name = "console/procedures/detail.html"
    nav_key = "procedures"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procedure = Procedure.objects.select_related("agency").filter(uuid=self.kwargs["uuid"]).first()
        if procedure is None:
            raise Http404
        history = AuditEntry.objects.filter(target_type="procedures.procedure", target_id=str(procedure.uuid))
        context.update(procedure=procedure, history=history[:20])
        return context


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Procedure file"),
        help_text=gettext_lazy("A .csv, .xlsx or .json file, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.json"}),
    )


class ProcedureImportView(FileImportView):
    template_name = "console/procedures/import.html"
    capability = "procedures.manage"
    nav_key = "procedures"
    form_class = ImportForm

    def import_file(self, form, file_name, content):
        return procedure_import(actor=self.request.user, file_name=file_name, content=content)
