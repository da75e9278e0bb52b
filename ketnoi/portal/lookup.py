"""Public dossier lookup (/tra-cuu/): by receipt code (masked), or by the receipt's QR token (full view and the
citizen's actions). Rate-limited per client so codes cannot be enumerated; see ketnoi.portal.ratelimit."""

import hmac

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ketnoi.core.errors import ApplicationError
from ketnoi.core.redaction import mask_phone
from ketnoi.dossiers.follow import follow_target
from ketnoi.dossiers.models import Dossier, EventKind, EventSource
from ketnoi.dossiers.selectors import dossier_find_by_code, dossier_timeline, missing_items
from ketnoi.dossiers.services import delivery
from ketnoi.dossiers.states import BEFORE_COLLECTION, State
from ketnoi.dossiers.tokens import dossier_from_token, dossier_token, lookup_url

from . import ratelimit as rl
from .codes import normalize_receipt_code
from .lookup_forms import AttachForm, AuthorizeForm, CodeForm, PostalForm, RatingForm, SecondFactorForm

PUBLIC_EVENT_KINDS = {
    EventKind.RECEIVED,
    EventKind.TRANSITION,
    EventKind.SUPPLEMENT_REQUESTED,
    EventKind.SUPPLEMENT_RECEIVED,
    EventKind.APOLOGY,
    EventKind.RESULT_READY,
    EventKind.RESULT_RETURNED,
    EventKind.API_STATUS,
}
PHONE_DIGITS = 4


def too_many(request):
    response = render(request, "portal/lookup/too_many.html", status=429)
    response["Retry-After"] = "60"
    return response


def public_view(dossier: Dossier) -> dict:
    """What anyone with the code may see: the status, its dates and the desk's collection place. Codes are
    sequential, so a guessed one must show nothing a citizen wrote or was told (what is missing, the collection
    note, the name): the template shows those only in the full view, behind the QR token or the second factor."""
    events = [e for e in dossier_timeline(dossier=dossier) if e.kind in PUBLIC_EVENT_KINDS]
    return {
        "dossier": dossier,
        "status": State(dossier.state).label,
        "events": events,
        "missing": missing_items(dossier),
        "overdue": dossier.is_overdue,
    }


def lookup(request):
    code_form = CodeForm(request.GET or None)
    context = {"code_form": code_form}
    if code_form.is_bound:
        if not rl.hit(rl.lookup_windows(), rl.client_address(request)):
            return too_many(request)
        if code_form.is_valid():
            code = normalize_receipt_code(code_form.cleaned_data["code"])
            dossier = dossier_find_by_code(code=code) if code else None
            if dossier is None:
                context["not_found"] = True
            else:
                context.update(public_view(dossier), code=dossier.receipt_code, factor_form=SecondFactorForm())
    return render(request, "portal/lookup/lookup.html", context)


@require_POST
def second_factor(request):
    """Code + the last four digits of the applicant's phone: the full view, as the QR token gives."""
    client = rl.client_address(request)
    if rl.exceeded(rl.second_factor_client_windows(), client) or not rl.hit(rl.lookup_windows(), client):
        return too_many(request)
    form = SecondFactorForm(request.POST)
    code = normalize_receipt_code(request.POST.get("code", ""))
    dossier = dossier_find_by_code(code=code) if code else None
    if dossier is not None and rl.exceeded(rl.second_factor_dossier_windows(), str(dossier.pk)):
        return too_many(request)
    if form.is_valid() and dossier is not None and dossier.applicant_phone:
        digits = form.cleaned_data["phone_digits"]
        if hmac.compare_digest(dossier.applicant_phone[-PHONE_DIGITS:], digits):
            return redirect("portal:lookup_token", token=dossier_token(dossier))
    rl.hit(rl.second_factor_client_windows(), client)
    if dossier is not None:
        rl.hit(rl.second_factor_dossier_windows(), str(dossier.pk))
    messages.error(request, _("The code and the phone digits do not match."))
    return redirect(f"{reverse('portal:lookup')}?code={code}" if code else reverse("portal:lookup"))


def _dossier_or_404(request, token: str) -> Dossier:
    dossier = dossier_from_token(token)
    if dossier is None:
        rl.hit(rl.lookup_windows(), rl.client_address(request))  # a wrong token counts like a lookup
        raise Http404
    return dossier


def lookup_token(request, token: str, forms: dict | None = None):
    client = rl.client_address(request)
    if rl.exceeded(rl.lookup_windows(), client):
        return too_many(request)
    dossier = _dossier_or_404(request, token)
    forms = forms or {}
    procedure = dossier.procedure
    open_for_delivery = dossier.state in BEFORE_COLLECTION
    portal_url = request.build_absolute_uri(reverse("portal:home"))
    context = public_view(dossier)
    context.update(
        token=token,
        full=True,
        applicant_name=dossier.applicant_name,
        applicant_phone=mask_phone(dossier.applicant_phone),
        follow=follow_target(dossier.unit, portal_url, token),
        link_text=lookup_url(dossier),
        events=list(dossier_timeline(dossier=dossier)),
        has_result=bool(dossier.result_file),
        can_postal=open_for_delivery and procedure.allows_postal_return and not dossier.postal_registered_at,
        can_authorize=open_for_delivery and procedure.allows_authorization,
        can_rate=dossier.state == State.RESULT_RETURNED and not dossier.ratings.exists(),
        can_attach=dossier.state == State.SUPPLEMENT_REQUESTED,
        attachments=dossier.attachments.all(),
        attach_form=forms.get("attach") or AttachForm(),
        postal_fee=delivery.postal_fee_for(dossier),
        postal_form=forms.get("postal") or PostalForm(),
        authorize_form=forms.get("authorize") or AuthorizeForm(),
        rating_form=forms.get("rate") or RatingForm(),
    )
    return render(request, "portal/lookup/full.html", context, status=400 if forms else 200)


def _citizen_action(request, token: str, name: str, form_class, apply):
    if not rl.hit(rl.action_windows(), rl.client_address(request)):
        return too_many(request)
    dossier = _dossier_or_404(request, token)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            apply(dossier, form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Thank you: your request is recorded."))
            return redirect("portal:lookup_token", token=token)
    return lookup_token(request, token, forms={name: form})


@require_POST
def postal(request, token: str):
    return _citizen_action(
        request,
        token,
        "postal",
        PostalForm,
        lambda d, data: delivery.dossier_register_postal(
            actor=None, dossier=d, address=data["address"], source=EventSource.CITIZEN
        ),
    )


@require_POST
def authorize(request, token: str):
    return _citizen_action(
        request,
        token,
        "authorize",
        AuthorizeForm,
        lambda d, data: delivery.dossier_authorize_collector(
            actor=None, dossier=d, name=data["name"], id_number=data["id_number"], phone=data["phone"]
        ),
    )


@require_POST
def rate(request, token: str):
    def apply(dossier, data):
        if data["method"] == "quick":
            delivery.dossier_rate(dossier=dossier, stars=data["stars"], comment=data["comment"])
        else:
            delivery.dossier_rate(dossier=dossier, indicators=data["indicators"], comment=data["comment"])

    return _citizen_action(request, token, "rate", RatingForm, apply)


@require_POST
def attach(request, token: str):
    """A photo or PDF of a missing document, while a supplement is asked for; an officer accepts or rejects it."""

    def apply(dossier, data):
        upload = data["file"]
        delivery.dossier_attach_supplement(dossier=dossier, file=upload, name=data["name"])

    return _citizen_action(request, token, "attach", AttachForm, apply)


def result_file(request, token: str):
    dossier = _dossier_or_404(request, token)
    if not dossier.result_file:
        raise Http404
    return FileResponse(dossier.result_file.open("rb"), as_attachment=True, filename=f"{dossier.receipt_code}.pdf")
