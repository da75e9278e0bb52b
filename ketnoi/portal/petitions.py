"""Public petition pages: the form (/phan-anh/gui/), the petitioner's page behind the token (follow, read the answer,
rate, reopen), lookup by tracking code (status only), the public disclosure (/phan-anh/: published answers with
personal data removed, searchable without diacritics, each agency's on-time rate) and the business companion page
(/doanh-nghiep/). Submissions and lookups are rate-limited per client."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import COMMUNE_KINDS, AdministrativeUnit
from ketnoi.petitions.models import BusinessPolicy, EventKind, Petition, PetitionerType
from ketnoi.petitions.selectors import (
    agency_records,
    business_hotline,
    category_choices,
    petition_by_code,
    published_petitions,
    published_policies,
)
from ketnoi.petitions.services import (
    Attachment,
    Location,
    Origin,
    Petitioner,
    petition_rate,
    petition_reopen,
    petition_submit,
)
from ketnoi.petitions.states import State, state_label
from ketnoi.petitions.tokens import petition_from_token, petition_token

from . import ratelimit as rl

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PUBLIC_EVENTS = {
    EventKind.RECEIVED,
    EventKind.ACCEPTED,
    EventKind.FORWARDED,
    EventKind.REFUSED,
    EventKind.MERGED,
    EventKind.ANSWERED,
    EventKind.REOPENED,
    EventKind.CLOSED,
}


def submit_windows() -> list[rl.Window]:
    return [rl.Window("petition-submit", 3600, int(getattr(settings, "PETITION_SUBMITS_PER_HOUR", 10)))]


def _province() -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.filter(parent__isnull=True, valid_to__isnull=True).order_by("pk").first()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned = [super(PhotosField, self).clean(item, initial) for item in files]
        for item in cleaned:
            if item.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("%(name)s is larger than 5 MB.") % {"name": item.name})
        if len(cleaned) > 5:
            raise forms.ValidationError(_("At most 5 photos or files."))
        return cleaned


class PetitionForm(forms.Form):
    petitioner_type = forms.ChoiceField(
        label=gettext_lazy("You are"), choices=PetitionerType.choices, widget=forms.RadioSelect, initial="citizen"
    )
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    phone = forms.CharField(label=gettext_lazy("Phone (to receive the answer)"), max_length=20, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    business_name = forms.CharField(label=gettext_lazy("Business name"), max_length=200, required=False)
    tax_code = forms.CharField(label=gettext_lazy("Tax code"), max_length=16, required=False)
    category = forms.ChoiceField(label=gettext_lazy("Topic"))
    area = forms.ChoiceField(label=pgettext_lazy("where the issue is", "Where"))
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    text = forms.CharField(label=gettext_lazy("Your petition or question"), widget=forms.Textarea, max_length=5000)
    location_text = forms.CharField(label=gettext_lazy("Place (street, landmark)"), max_length=300, required=False)
    photos = PhotosField(label=gettext_lazy("Photos or documents (up to 5)"), required=False)
    consent_to_publish = forms.BooleanField(
        label=gettext_lazy("I agree that the answer may be published without my personal data"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, province=None, business=False, **kwargs):
        super().__init__(*args, **kwargs)
        audience = "business" if business else None
        self.categories = (
            {str(c.uuid): c for c in category_choices(unit=province, audience=audience)} if province else {}
        )
        self.fields["category"].choices = [(k, c.name) for k, c in self.categories.items()]
        units = AdministrativeUnit.objects.filter(valid_to__isnull=True, kind__in=COMMUNE_KINDS)
        if province is not None:
            units = units.filter(path__startswith=province.path)
        self.units = {str(u.uuid): u for u in units.order_by("name")}
        self.fields["area"].choices = ([(str(province.uuid), province.name)] if province else []) + [
            (k, u.name) for k, u in self.units.items()
        ]
        if province is not None:
            self.units[str(province.uuid)] = province
        if business:
            self.fields["petitioner_type"].initial = "business"


def petition_form(request):
    province = _province()
    business = request.GET.get("doi-tuong") == "doanh-nghiep" or request.POST.get("petitioner_type") == "business"
    form = PetitionForm(request.POST or None, request.FILES or None, province=province, business=business)
    if request.method == "POST" and form.is_valid():
        if not rl.hit(submit_windows(), rl.client_address(request)):
            return _too_many(request)
        data = form.cleaned_data
        try:
            petition = petition_submit(
                category=form.categories[data["category"]],
                area=form.units[data["area"]],
                subject=data["subject"],
                text=data["text"],
                petitioner=Petitioner(
                    name=data["name"],
                    type=data["petitioner_type"],
                    phone=data["phone"],
                    email=data["email"],
                    business_name=data["business_name"],
                    tax_code=data["tax_code"],
                    language=request.LANGUAGE_CODE or "vi",
                ),
                location=Location(text=data["location_text"]),
                origin=Origin(attachments=[Attachment(file=f) for f in data["photos"]]),
                consent_to_publish=data["consent_to_publish"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Thank you. Your tracking code is %(code)s. Keep this page.") % {"code": petition.tracking_code},
            )
            return redirect("portal:petition_track", token=petition_token(petition))
    return render(request, "portal/petitions/form.html", {"form": form, "business": business})


def _too_many(request):
    response = render(request, "portal/lookup/too_many.html", status=429)
    response["Retry-After"] = "60"
    return response


def _public_events(petition: Petition) -> list:
    return [e for e in petition.events.all() if e.kind in PUBLIC_EVENTS]


def petition_lookup(request):
    """By tracking code: the status and dates only (no text, no names)."""
    code = (request.GET.get("code") or "").strip()
    context = {"code": code}
    if code:
        if not rl.hit(rl.lookup_windows(), rl.client_address(request)):
            return _too_many(request)
        petition = petition_by_code(code)
        if petition is None:
            context["not_found"] = True
        else:
            context.update(petition=petition, status=state_label(petition.state, request.LANGUAGE_CODE))
    return render(request, "portal/petitions/lookup.html", context)


def _petition_for_token(request, token: str) -> Petition:
    petition = petition_from_token(token)
    if petition is None:
        rl.hit(rl.lookup_windows(), rl.client_address(request))
        raise Http404
    return petition


def petition_track(request, token: str):
    petition = _petition_for_token(request, token)
    answer = petition.answers.filter(status="approved").order_by("-reviewed_at", "-id").first()
    context = {
        "petition": petition,
        "token": token,
        "status": state_label(petition.state, request.LANGUAGE_CODE),
        "events": _public_events(petition),
        "answer": answer,
        "can_rate": petition.state in (State.ANSWERED, State.CLOSED),
        "can_reopen": petition.state == State.ANSWERED,
        "attachments": petition.attachments.all(),
        "stars": range(5, 0, -1),
    }
    return render(request, "portal/petitions/track.html", context)


@require_POST
def petition_rate_view(request, token: str):
    if not rl.hit(rl.action_windows(), rl.client_address(request)):
        return _too_many(request)
    petition = _petition_for_token(request, token)
    try:
        petition_rate(petition=petition, rating=request.POST.get("rating"), comment=request.POST.get("comment", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for rating the answer."))
    return redirect("portal:petition_track", token=token)


@require_POST
def petition_reopen_view(request, token: str):
    if not rl.hit(rl.action_windows(), rl.client_address(request)):
        return _too_many(request)
    petition = _petition_for_token(request, token)
    try:
        petition_reopen(petition=petition, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your petition was reopened; you will receive a new answer."))
    return redirect("portal:petition_track", token=token)


def petitions_public(request):
    query = (request.GET.get("q") or "").strip()[:200]
    petitions = published_petitions(query=query)[:50]
    return render(
        request,
        "portal/petitions/public.html",
        {"petitions": petitions, "query": query, "records": agency_records()},
    )


def petition_public_detail(request, code: str):
    petition = get_object_or_404(published_petitions(), tracking_code__iexact=code)
    return render(request, "portal/petitions/public_detail.html", {"petition": petition})


def business_home(request):
    """The business companion page: policies, Q&A, feedback, the hotline and dossier lookup."""
    return render(
        request,
        "portal/petitions/business.html",
        {
            "policies": published_policies(limit=5),
            "questions": published_petitions(business_only=True)[:5],
            "hotline": business_hotline(),
        },
    )


def business_policies(request):
    return render(request, "portal/petitions/policies.html", {"policies": published_policies(limit=200)})


def business_policy_detail(request, uuid):
    policy = get_object_or_404(BusinessPolicy, uuid=uuid, is_published=True)
    return render(request, "portal/petitions/policy_detail.html", {"policy": policy})


def business_questions(request):
    query = (request.GET.get("q") or "").strip()[:200]
    return render(
        request,
        "portal/petitions/public.html",
        {"petitions": published_petitions(query=query, business_only=True)[:50], "query": query, "business": True},
    )
