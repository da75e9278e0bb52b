from django import forms
from django.utils.translation import gettext_lazy as _

from ketnoi.core.errors import ApplicationError
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.dossiers.models import ApplicantType, SubmissionChannel
from ketnoi.dossiers.protect import clean_id_number
from ketnoi.procedures.models import Procedure


class IntakeForm(forms.Form):
    """What the desk types for a new dossier. The procedure is chosen by type-ahead (see ProcedurePickerView)."""

    q = forms.CharField(label=_("Procedure"), required=False, max_length=200)
    procedure = forms.UUIDField(required=False)
    applicant_name = forms.CharField(label=_("Applicant's full name"), max_length=200)
    applicant_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    applicant_id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    applicant_address = forms.CharField(label=_("Address"), max_length=300, required=False)
    applicant_type = forms.ChoiceField(label=_("Applicant"), choices=ApplicantType.choices)
    channel = forms.ChoiceField(label=_("Submitted"), choices=SubmissionChannel.choices)
    documents = forms.MultipleChoiceField(label=_("Documents received"), required=False, choices=())
    notes = forms.CharField(label=_("Notes"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, procedure: Procedure | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.procedure_obj = procedure
        names = [d.get("name", "") for d in (procedure.documents if procedure else [])]
        self.fields["documents"].choices = [(n, n) for n in names if n]

    def clean_procedure(self):
        if self.procedure_obj is None:
            raise forms.ValidationError(_("Choose the procedure: type part of its name and pick it from the list."))
        return self.procedure_obj

    def clean_applicant_phone(self):
        raw = self.cleaned_data["applicant_phone"].strip()
        if not raw:
            return ""
        try:
            return normalize_phone(raw)
        except InvalidPhoneNumber:
            raise forms.ValidationError(_("“%(raw)s” is not a Vietnamese phone number.") % {"raw": raw}) from None

    def clean_applicant_id_number(self):
        try:
            return clean_id_number(self.cleaned_data["applicant_id_number"])
        except ApplicationError:
            raise forms.ValidationError(_("An ID number has 12 digits (or 9 for an old identity card).")) from None


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SupplementForm(forms.Form):
    missing = forms.CharField(
        label=_("What is missing (one per line)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(label=_("Bring it by"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)

    def clean_missing(self):
        items = [line.strip(" -•\t") for line in self.cleaned_data["missing"].splitlines()]
        items = [item for item in items if item]
        if not items:
            raise forms.ValidationError(_("Say exactly what is missing."))
        return items


class ResultReadyForm(forms.Form):
    collection_place = forms.CharField(label=_("Where to collect"), max_length=300, required=False)
    collection_note = forms.CharField(label=_("What to bring, opening hours"), max_length=500, required=False)
    result_file = forms.FileField(label=_("Electronic result (signed PDF)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class ReturnForm(forms.Form):
    collected_by = forms.CharField(label=_("Collected by"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class ApologyForm(forms.Form):
    new_due_date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason for the delay"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PostalForm(forms.Form):
    address = forms.CharField(label=_("Delivery address"), max_length=300)


class AuthorizeForm(forms.Form):
    name = forms.CharField(label=_("Authorized person's full name"), max_length=200)
    id_number = forms.CharField(label=_("Their ID number"), max_length=20)
    phone = forms.CharField(label=_("Their phone"), max_length=30, required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Reason (to reject)"), max_length=500, required=False)


MOVE_FORMS = {
    "supplement_requested": SupplementForm,
    "result_ready": ResultReadyForm,
    "result_returned": ReturnForm,
}
EXTRA_FORMS = {"apology": ApologyForm, "postal": PostalForm, "authorize": AuthorizeForm}


def form_class_for(action: str):
    return MOVE_FORMS.get(action) or EXTRA_FORMS.get(action) or NoteForm


def action_forms(dossier, moves: list[str], *, bound: dict | None = None) -> list[tuple[str, object]]:
    """[(action, form)] for each legal move of the dossier, a bound (invalid) form where one was just posted."""
    bound = bound or {}
    return [(move, bound.get(move) or form_class_for(move)(prefix=move)) for move in moves]
