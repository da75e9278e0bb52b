"""The first-run page: the province and its first administrator. It answers only while no administrator exists
(then it is a 404, like a page that never was), so it cannot be used to take over a running installation."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import UnitKind
from ketnoi.orgs.services import province_setup, setup_needed


class FirstRunForm(forms.Form):
    setup_token = forms.CharField(label=gettext_lazy("Set-up token"), required=False, widget=forms.PasswordInput)
    province_name = forms.CharField(label=gettext_lazy("Province or city name"), max_length=150)
    province_code = forms.RegexField(
        label=gettext_lazy("Statistics office code"),
        regex=r"^\d{2}$",
        help_text=gettext_lazy("Two digits, e.g. 68 for Lâm Đồng (list of 1 July 2025)."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[(UnitKind.PROVINCE, UnitKind.PROVINCE.label), (UnitKind.CITY, UnitKind.CITY.label)],
    )
    full_name = forms.CharField(label=gettext_lazy("Administrator's full name"), max_length=150)
    username = forms.RegexField(
        label=gettext_lazy("Administrator's username"),
        max_length=150,
        regex=r"^[A-Za-z0-9._-]+$",
        error_messages={"invalid": gettext_lazy("Use letters without accents, digits, dots, dashes or underscores.")},
    )
    email = forms.EmailField(label=gettext_lazy("Administrator's e-mail"), required=False)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not getattr(settings, "SETUP_TOKEN", ""):
            del self.fields["setup_token"]

    def clean_setup_token(self):
        value = self.cleaned_data.get("setup_token", "")
        if not constant_time_compare(value, settings.SETUP_TOKEN):
            raise forms.ValidationError(_("The set-up token is not right."))
        return value


class FirstRunView(View):
    template_name = "console/first_run.html"

    def dispatch(self, request, *args, **kwargs):
        if not setup_needed():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": FirstRunForm()})

    def post(self, request):
        form = FirstRunForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                province, user = province_setup(
                    province_name=data["province_name"],
                    province_code=data["province_code"],
                    kind=data["kind"],
                    username=data["username"],
                    full_name=data["full_name"],
                    email=data["email"],
                    password=data["password"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(province)s is set up. Sign in as %(username)s; you will set up two-step sign-in first.")
                    % {"province": province.name, "username": user.username},
                )
                return redirect("console:login")
        return render(request, self.template_name, {"form": form})
