"""Forms of the inbox pages. They only clean input; the inbox services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ketnoi.inbox.services.replies import MAX_NOTE, MAX_REPLY
from ketnoi.inbox.services.team import MAX_CANNED_TEXT
from ketnoi.orgs.models import AdministrativeUnit


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("reply to a citizen", "Answer"),
        max_length=MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=40)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    return_to_bot = forms.BooleanField(label=_("Give the chat back to the virtual assistant"), required=False)
    note = forms.CharField(label=_("Closing note (internal)"), max_length=500, required=False)


class TransferForm(forms.Form):
    """Where to pass the conversation: the teams of inbox.teams.transfer_targets, named as the citizen sees them."""

    to = forms.ModelChoiceField(label=_("Pass to"), queryset=AdministrativeUnit.objects.none(), empty_label=None)
    note = forms.CharField(label=_("Note for the officials who take over"), max_length=500, required=False)

    def __init__(self, *args, targets: list[tuple[AdministrativeUnit, str]], **kwargs):
        super().__init__(*args, **kwargs)
        names = {unit.pk: name for unit, name in targets}
        field = self.fields["to"]
        field.queryset = AdministrativeUnit.objects.filter(pk__in=names).order_by("path")
        field.label_from_instance = lambda unit: names.get(unit.pk, unit.name)
        self.has_targets = bool(targets)


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    text = forms.CharField(label=_("Text"), max_length=MAX_CANNED_TEXT, widget=forms.Textarea(attrs={"rows": 4}))


class PolicyForm(forms.Form):
    first_response_minutes = forms.IntegerField(label=_("First response within (business minutes)"), min_value=1)
    resolution_minutes = forms.IntegerField(label=_("Resolution within (business minutes)"), min_value=1)
    day_start = forms.TimeField(label=_("Office hours start"), widget=forms.TimeInput(attrs={"type": "time"}))
    day_end = forms.TimeField(label=_("Office hours end"), widget=forms.TimeInput(attrs={"type": "time"}))
    reopen_hours = forms.IntegerField(label=_("Reopen when the citizen writes within (hours)"), min_value=0)
