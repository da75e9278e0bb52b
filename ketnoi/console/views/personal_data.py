"""A citizen's request about their data, carried out by a system administrator: export (a JSON file to hand over)
or erasure (ketnoi.ops.citizen_data), each recorded and audited. Province-wide, so system administrators only."""

import json

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketnoi.core.errors import ApplicationError
from ketnoi.ops.citizen_data import citizen_erase, citizen_export
from ketnoi.ops.models import DataRequest

from .base import ConsoleView


class DataRequestForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Request"),
        choices=[
            ("export", gettext_lazy("Export the citizen's data")),
            ("erase", gettext_lazy("Erase the citizen's data")),
        ],
    )
    phone = forms.CharField(label=gettext_lazy("Phone number"), required=False, max_length=20)
    id_number = forms.CharField(label=gettext_lazy("ID number"), required=False, max_length=20)
    reason = forms.CharField(label=gettext_lazy("The citizen's request (reference, how it was made)"), max_length=255)
    confirm = forms.BooleanField(
        label=gettext_lazy("I checked who is asking; erasure cannot be undone"), required=False
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("phone")) == bool(data.get("id_number")):
            raise forms.ValidationError(_("Give either a phone number or an ID number."))
        if data.get("action") == "erase" and not data.get("confirm"):
            raise forms.ValidationError(_("Tick the box to confirm the erasure."))
        return data


class PersonalDataView(ConsoleView):
    template_name = "console/personal_data.html"
    capability = "personal_data.manage"
    nav_key = "audit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", DataRequestForm())
        context["requests"] = DataRequest.objects.all()[:50]
        return context

    def post(self, request):
        form = DataRequestForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        who = {"phone": form.cleaned_data["phone"], "id_number": form.cleaned_data["id_number"]}
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["action"] == "export":
                record, data = citizen_export(actor=request.user, reason=reason, **who)
                response = HttpResponse(
                    json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
                )
                name = f"ketnoi-du-lieu-{timezone.localdate():%Y%m%d}-{record.uuid.hex[:8]}.json"
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                response["Cache-Control"] = "private, no-store"
                return response
            record = citizen_erase(actor=request.user, reason=reason, **who)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Erased the data of %(subject)s.") % {"subject": record.subject})
        return redirect("console:personal_data")
