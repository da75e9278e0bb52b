"""Optional single sign-on through the province's identity provider (OpenID Connect, mozilla-django-oidc).

mozilla-django-oidc is a small, maintained relying party that plugs in as an authentication backend beside the
password one, so the rest of the console (roles, scope, the second factor, deactivation) stays the same. It is
switched on by settings (OIDC_RP_CLIENT_ID and the provider's endpoints, see config/settings/base.py).

Only officials who already exist may sign in this way: the provider proves who the person is, ketnoi decides what
they may do, so a new official is still invited by an administrator. The match is on the e-mail address (or the
claim named by OIDC_USERNAME_CLAIM, matched against the username). The second factor still applies after it.
"""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from django.conf import settings


class OfficialOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        claim = getattr(settings, "OIDC_USERNAME_CLAIM", "")
        if claim and claims.get(claim):
            return self.UserModel.objects.filter(username__iexact=str(claims[claim]), is_active=True)
        email = claims.get("email")
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def create_user(self, claims):  # never called while OIDC_CREATE_USER is False; refuse even if misconfigured
        return None

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
