"""Public registries in the console: the list of the official's communes, and the import of a file."""

from django import forms
from django.utils.translation import gettext_lazy

from ketnoi.registries.models import RegistryKind
from ketnoi.registries.selectors import registry_entries_for
from ketnoi.registries.services import registry_import

from ..base import ConsoleView
from ..imports import FileImportView


class RegistryListView(ConsoleView):
    template_name = "console/registries/list.html"
    capability = "registries.manage"
    nav_key = "registries"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:200]
        kind = self.request.GET.get("kind", RegistryKind.FOOD_SAFETY)
        kind = kind if kind in RegistryKind.values else RegistryKind.FOOD_SAFETY
        entries = registry_entries_for(self.request.user, kind=kind, query=query)
        context.update(page=self.paginate(entries), q=query, kind=kind, kinds=RegistryKind.choices)
        return context


class RegistryImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Registry"), choices=RegistryKind.choices)
    file = forms.FileField(
        label=gettext_lazy("Registry file"),
        help_text=gettext_lazy("A .csv or .xlsx file, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class RegistryImportView(FileImportView):
    template_name = "console/registries/import.html"
    capability = "registries.manage"
    nav_key = "registries"
    form_class = RegistryImportForm

    def import_file(self, form, file_name, content):
        return registry_import(
            actor=self.request.user, kind=form.cleaned_data["kind"], file_name=file_name, content=content
        )
