from django.conf import settings
from django.contrib.auth import views as auth_views

from ketnoi.orgs.services import setup_needed


class LoginView(auth_views.LoginView):
    """Django's login; django-axes locks a username+address out after repeated failures. The second step (a code
    from the authenticator app) follows at console:login_verify, sent there by ketnoi.accounts.middleware."""

    template_name = "console/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(setup_needed=setup_needed(), single_sign_on=bool(getattr(settings, "OIDC_RP_CLIENT_ID", "")))
        return context


class LogoutView(auth_views.LogoutView):
    next_page = "console:login"
