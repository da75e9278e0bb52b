from django import forms
from django.utils.translation import gettext_lazy as _

from ketnoi.core.errors import ApplicationError
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.dossiers.protect import clean_id_number

SCORE_CHOICES = [(2, "2"), (1, "1"), (0, "0")]
# Circular 01/2018 Art. 12-15: the nine indicators, as a citizen reads them.
INDICATORS = [
    _("Total time compared with the time limit"),
    _("Time at each agency taking part"),
    _("Number of times you had to come to complete the dossier"),
    _("Number of agencies you had to contact"),
    _("Handled entirely at the one-stop desk"),
    _("Procedure information was published"),
    _("Attitude of the officers"),
    _("Feedback and petitions handled on time"),
    _("Online service progress"),
]


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Receipt code"), max_length=80)


class SecondFactorForm(forms.Form):
    phone_digits = forms.RegexField(
        label=_("Last 4 digits of the applicant's phone"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Type the last 4 digits.")},
    )


class PostalForm(forms.Form):
    address = forms.CharField(label=_("Delivery address"), max_length=300, min_length=10)


class AuthorizeForm(forms.Form):
    name = forms.CharField(label=_("Full name of the person collecting"), max_length=200)
    id_number = forms.CharField(label=_("Their ID number"), max_length=20)
    phone = forms.CharField(label=_("Their phone"), max_length=30, required=False)

    def clean_id_number(self):
        try:
            return clean_id_number(self.cleaned_data["id_number"])
        except ApplicationError:
            raise forms.ValidationError(_("An ID number has 12 digits (or 9 for an old identity card).")) from None

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except InvalidPhoneNumber:
            raise forms.ValidationError(_("This is not a phone number.")) from None


class AttachForm(forms.Form):
    name = forms.CharField(label=_("Which document is it?"), max_length=200, required=False)
    file = forms.FileField(label=_("Photo or PDF (up to 10 MB)"))


class RatingForm(forms.Form):
    method = forms.ChoiceField(choices=[("quick", _("Quick")), ("full", _("Nine indicators"))], initial="quick")
    stars = forms.TypedChoiceField(
        label=_("Your rating"), coerce=int, required=False, choices=[(n, str(n)) for n in range(5, 0, -1)]
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, label in enumerate(INDICATORS, start=1):
            self.fields[f"i{number}"] = forms.TypedChoiceField(
                label=f"{number}. {label}", coerce=int, required=False, choices=SCORE_CHOICES
            )

    @property
    def indicator_fields(self):
        return [self[f"i{n}"] for n in range(1, 10)]

    def clean(self):
        data = super().clean()
        if data.get("method") == "quick":
            if not data.get("stars"):
                raise forms.ValidationError(_("Choose from 1 to 5."))
        else:
            values = {str(n): data.get(f"i{n}") for n in range(1, 10)}
            if any(v is None or v == "" for v in values.values()):
                raise forms.ValidationError(_("Score each of the nine indicators."))
            data["indicators"] = values
        return data
