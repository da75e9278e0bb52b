"""Forms of the inbox pages. They only clean input; the inbox services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ketnoi.inbox.services.replies import MAX_NOTE, MAX_REPLY
from ketnoi.inbox.services.team import MAX_CANNED_TEXT


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


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=80)
    text = forms.CharField(label=_("Text"), max_length=MAX_CANNED_TEXT, widget=forms.Textarea(attrs={"rows": 4}))


class PolicyForm(forms.Form):
    first_response_minutes = forms.IntegerField(label=_("First response within (business minutes)"), min_value=1)
    resolution_minutes = forms.IntegerField(label=_("Resolution within (business minutes)"), min_value=1)
    day_start = forms.TimeField(label=_("Office hours start"), widget=forms.TimeInput(attrs={"type": "time"}))
    day_end = forms.TimeField(label=_("Office hours end"), widget=forms.TimeInput(attrs={"type": "time"}))
    reopen_hours = forms.IntegerField(label=_("Reopen when the citizen writes within (hours)"), min_value=0)
