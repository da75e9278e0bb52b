from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from ketnoi.orgs import selectors as orgs
from ketnoi.orgs.roles import Role
from ketnoi.orgs.scoping import scope_of


class OfficialCreateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[A-Za-z0-9._-]+$",
        error_messages={"invalid": _("Use letters without accents, digits, dots, dashes or underscores.")},
    )
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, min_length=8)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    agency = forms.ModelChoiceField(label=_("Agency (optional)"), queryset=None, required=False)
    desk = forms.ModelChoiceField(label=_("Desk (optional)"), queryset=None, required=False)

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = orgs.unit_list(official=official)
        self.fields["agency"].queryset = orgs.agency_list(official=official)
        self.fields["desk"].queryset = orgs.desk_list(official=official)
        if not scope_of(official).is_system_admin:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.SYSTEM_ADMIN]

    def clean_password(self):
        password = self.cleaned_data["password"]
        validate_password(password)
        return password
