"""An official's own account: the second sign-in step, setting up the authenticator, recovery codes, password,
and the one-time links of invitations and resets. Writes go through ketnoi.accounts.services."""

import django_otp

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ketnoi.accounts import services, twofactor
from ketnoi.accounts.policy import second_factor_required
from ketnoi.core.errors import ApplicationError

from .base import ConsoleView


def _next_url(request, default: str = "console:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(default) if default else ""


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class LoginVerifyView(LoginRequiredMixin, View):
    """Second step of signing in: a code from the authenticator app, or one recovery code."""

    template_name = "console/account/verify.html"

    def get(self, request):
        if request.user.is_verified() or not twofactor.has_second_factor(request.user):
            return redirect(_next_url(request))
        return render(request, self.template_name, {"form": CodeForm(), "next": _next_url(request, "")})

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            device = twofactor.check_code(request.user, form.cleaned_data["code"])
            if device is not None:
                django_otp.login(request, device)
                if device.__class__.__name__ == "StaticDevice":
                    left = twofactor.recovery_codes_count(request.user)
                    messages.warning(request, _("You used a recovery code; %(n)s left.") % {"n": left})
                return redirect(_next_url(request))
            form.add_error("code", _("That code is not right."))
        return render(request, self.template_name, {"form": form, "next": _next_url(request, "")})


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Set up the authenticator app: scan the QR (or type the key), then prove it with one code."""

    template_name = "console/account/two_factor.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and twofactor.has_second_factor(user) and not user.is_verified():
            # Replacing a factor needs the current one first.
            return redirect("console:login_verify")
        return super().dispatch(request, *args, **kwargs)

    def context(self, request, form=None):
        device = twofactor.pending_totp(request.user) or services.totp_start(user=request.user)
        return {
            "form": form or CodeForm(),
            "qr_svg": twofactor.qr_svg(device),
            "secret": twofactor.secret_for_typing(device),
            "required": second_factor_required(request.user),
            "next": _next_url(request, ""),
        }

    def get(self, request):
        if twofactor.has_second_factor(request.user):
            return redirect("console:account")
        return render(request, self.template_name, self.context(request))

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                device, codes = services.totp_confirm(user=request.user, code=form.cleaned_data["code"])
            except ApplicationError as exc:
                form.add_error("code", exc.message)
            else:
                django_otp.login(request, device)
                return render(
                    request,
                    "console/account/recovery_codes.html",
                    {"codes": codes, "next": _next_url(request), "first_time": True},
                )
        return render(request, self.template_name, self.context(request, form))


class AccountView(ConsoleView):
    template_name = "console/account/account.html"
    nav_key = "account"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            has_second_factor=twofactor.has_second_factor(user),
            required=second_factor_required(user),
            recovery_left=twofactor.recovery_codes_count(user),
            password_form=kwargs.get("password_form") or PasswordChangeForm(user),
            memberships=user.memberships.filter(is_active=True).select_related("unit", "agency", "desk"),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        user = request.user
        if action == "password":
            form = PasswordChangeForm(user, request.POST)
            if form.is_valid():
                try:
                    services.password_change(user=user, new_password=form.cleaned_data["new_password1"])
                except ApplicationError as exc:
                    form.add_error(None, exc.message)
                else:
                    update_session_auth_hash(request, user)
                    messages.success(request, _("Password changed."))
                    return redirect("console:account")
            return self.render_to_response(self.get_context_data(password_form=form))
        if action == "recovery_codes":
            try:
                codes = services.recovery_codes_renew(user=user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect("console:account")
            return render(
                request, "console/account/recovery_codes.html", {"codes": codes, "next": resolve_url("console:account")}
            )
        if action == "second_factor_off":
            try:
                services.second_factor_off(user=user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Two-step sign-in turned off."))
        return redirect("console:account")


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(label=gettext_lazy("New password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=gettext_lazy("New password again"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        return data


class AccountLinkView(View):
    """An invitation or reset link: choose a password, then sign in (with the second factor if any)."""

    template_name = "console/account/link.html"

    def get(self, request, token):
        link = services.link_find(token)
        return render(
            request, self.template_name, {"link": link, "form": SetPasswordForm()}, status=200 if link else 410
        )

    def post(self, request, token):
        link = services.link_find(token)
        form = SetPasswordForm(request.POST)
        if link is not None and form.is_valid():
            try:
                user = services.link_use(token=token, password=form.cleaned_data["password1"])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Password set. Sign in with your username %(u)s.") % {"u": user.username})
                return redirect("console:login")
        return render(request, self.template_name, {"link": link, "form": form}, status=200 if link else 410)


class ForgotForm(forms.Form):
    login = forms.CharField(label=gettext_lazy("Username or e-mail address"), max_length=254)


class PasswordForgotView(View):
    template_name = "console/account/forgot.html"

    def get(self, request):
        return render(request, self.template_name, {"form": ForgotForm()})

    def post(self, request):
        form = ForgotForm(request.POST)
        if form.is_valid():
            services.reset_requested(login=form.cleaned_data["login"], client=request.META.get("REMOTE_ADDR", ""))
            return render(request, self.template_name, {"form": ForgotForm(), "sent": True})
        return render(request, self.template_name, {"form": form})
