"""The page of a spreadsheet import: the upload form, the size check, the domain's all-or-nothing import service,
and its per-row report (console/_import_report.html). Procedures, registries and households use it."""

from typing import ClassVar

from django import forms
from django.utils.translation import gettext_lazy

from ketnoi.core.tabular import MAX_BYTES, ImportReport

from .base import ConsoleView


class FileImportView(ConsoleView):
    form_class: ClassVar[type[forms.Form]]

    def make_form(self, data=None, files=None) -> forms.Form:
        return self.form_class(data, files)

    def import_file(self, form: forms.Form, file_name: str, content: bytes) -> ImportReport:
        """Call the domain's import service with the form's other fields (the acting official is self.request.user)."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.make_form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST, request.FILES)
        report = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_BYTES:
                form.add_error("file", gettext_lazy("The file is larger than 10 MB."))
            else:
                report = self.import_file(form, upload.name, upload.read())
        return self.render_to_response(self.get_context_data(form=form, report=report))
