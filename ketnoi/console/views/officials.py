"""Officials' accounts in the console: invitation by one-time link, roles with their reach in words, and the
account actions (deactivate, reactivate, reset link, reset of the second factor). Writes go through
ketnoi.accounts.services and ketnoi.orgs.services; each writes its audit row."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic.edit import FormMixin

from ketnoi.accounts import services as accounts
from ketnoi.accounts import twofactor
from ketnoi.accounts.policy import second_factor_required
from ketnoi.core.errors import ApplicationError
from ketnoi.orgs import selectors as orgs
from ketnoi.orgs import services
from ketnoi.orgs.roles import CAPABILITY_LABELS, Role, capabilities_of

from ..forms import OfficialCreateForm
from .base import ConsoleView


def role_table(scope) -> list[tuple[str, str, list[str]]]:
    """(role, label, what it may do) for every role the acting administrator may grant."""
    roles = [r for r in Role if r != Role.SYSTEM_ADMIN or scope.is_system_admin]
    return [(r.value, r.label, [str(CAPABILITY_LABELS.get(c, c)) for c in capabilities_of(r)]) for r in roles]


class InviteForm(OfficialCreateForm):
    send_email = forms.BooleanField(label=gettext_lazy("Also send the link by e-mail"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["password"]
        self.fields["role"].choices = [("", "---------"), *self.fields["role"].choices]  # chosen, never defaulted


class OfficialInviteView(FormMixin, ConsoleView):
    template_name = "console/officials/invite.html"
    capability = "orgs.manage_officials"
    nav_key = "officials"
    form_class = InviteForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "official": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = role_table(self.scope)
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            data = form.cleaned_data
            try:
                user, url = accounts.official_invite(
                    actor=request.user,
                    username=data["username"],
                    full_name=data["full_name"],
                    email=data["email"],
                    unit=data["unit"],
                    role=data["role"],
                    agency=data["agency"],
                    desk=data["desk"],
                    send_email=data["send_email"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                membership = user.memberships.get()
                return self.render_to_response(
                    self.get_context_data(
                        form=self.form_class(official=request.user),
                        invited=user,
                        invite_url=url,
                        mailed=bool(data["send_email"] and user.email),
                        scope_words=orgs.scope_in_words(
                            role=membership.role, unit=membership.unit, agency=membership.agency, desk=membership.desk
                        ),
                    )
                )
        return self.render_to_response(self.get_context_data(form=form))


class OfficialActView(ConsoleView):
    """POST one account action on the official of a membership the administrator can see."""

    capability = "orgs.manage_officials"
    http_method_names = ["post"]
    template_name = "console/officials/link.html"
    nav_key = "officials"

    def post(self, request, *args, **kwargs):
        membership = orgs.membership_get(official=request.user, uuid=self.kwargs["uuid"])
        user, action = membership.user, self.kwargs["action"]
        try:
            if action == "deactivate":
                accounts.official_deactivate(actor=request.user, user=user)
                messages.success(request, _("%(name)s can no longer sign in.") % {"name": user.username})
            elif action == "reactivate":
                accounts.official_reactivate(actor=request.user, user=user)
                messages.success(request, _("%(name)s can sign in again.") % {"name": user.username})
            elif action == "reset_2fa":
                accounts.second_factor_reset(actor=request.user, user=user)
                messages.success(request, _("Two-step sign-in reset: they set it up again at next sign-in."))
            elif action == "reset_link":
                url = accounts.reset_link_issue(
                    actor=request.user, user=user, send_email=request.POST.get("send_email") == "1"
                )
                return self.render_to_response(self.get_context_data(membership=membership, link_url=url))
            else:
                raise Http404
        except ApplicationError as exc:
            if exc.code == "not_permitted":
                raise Http404 from exc
            messages.error(request, exc.message)
        return redirect("console:membership_detail", uuid=membership.uuid)


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    agency = forms.ModelChoiceField(label=gettext_lazy("Agency (optional)"), queryset=None, required=False)
    desk = forms.ModelChoiceField(label=gettext_lazy("Desk (optional)"), queryset=None, required=False)

    def __init__(self, *args, official, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = orgs.unit_list(official=official)
        self.fields["agency"].queryset = orgs.agency_list(official=official)
        self.fields["desk"].queryset = orgs.desk_list(official=official)
        if not scope.is_system_admin:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.SYSTEM_ADMIN]


class RoleGrantView(ConsoleView):
    capability = "orgs.manage_officials"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = orgs.membership_get(official=request.user, uuid=self.kwargs["uuid"])
        form = RoleGrantForm(request.POST, official=request.user, scope=self.scope)
        if form.is_valid():
            data = form.cleaned_data
            try:
                granted = services.membership_grant(
                    actor=request.user,
                    user=membership.user,
                    unit=data["unit"],
                    role=data["role"],
                    agency=data["agency"],
                    desk=data["desk"],
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    orgs.scope_in_words(role=granted.role, unit=granted.unit, agency=granted.agency, desk=granted.desk),
                )
                return redirect("console:membership_detail", uuid=granted.uuid)
        else:
            messages.error(request, _("Choose a role and a unit."))
        return redirect("console:membership_detail", uuid=membership.uuid)


def account_context(view, membership) -> dict:
    """What the official's page shows about the account itself."""
    user = membership.user
    return {
        "account_active": user.is_active,
        "has_second_factor": twofactor.has_second_factor(user),
        "second_factor_required": second_factor_required(user),
        "scope_words": orgs.scope_in_words(
            role=membership.role, unit=membership.unit, agency=membership.agency, desk=membership.desk
        ),
        "role_words": [str(CAPABILITY_LABELS.get(c, c)) for c in capabilities_of(membership.role)],
        "other_roles": orgs.membership_list(official=view.request.user).filter(user=user).exclude(pk=membership.pk),
        "grant_form": RoleGrantForm(official=view.request.user, scope=view.scope),
        "roles": role_table(view.scope),
    }
