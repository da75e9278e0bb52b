"""The account rules on every console and admin request: active account, recent activity, second factor.

- A deactivated official's session ends at their next request (whatever backend signed them in).
- A session idle for longer than SESSION_IDLE_SECONDS ends; activity is noted at most once a minute, so a busy
  console does not write its session on every click. A page's own polling (htmx elements send X-Poll) is not
  activity: an inbox left open on an empty desk still signs out.
- Under /console/ and the Django admin, an official who has a second factor must have used it in this session,
  and one whose role requires it (ketnoi.accounts.policy) must first set it up; until then only the sign-in,
  set-up and sign-out pages answer.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import twofactor
from .policy import idle_seconds, second_factor_required

LAST_SEEN_KEY = "ketnoi_last_seen"
GATED_PREFIXES = ("/console/", "/django-admin/")
# Console pages reachable before the second factor: signing in, setting up the factor, leaving, one-time links.
OPEN_URL_NAMES = (
    "console:login",
    "console:login_verify",
    "console:logout",
    "console:two_factor_setup",
    "console:password_forgot",
    "console:first_run",
)


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open_paths is None:
            paths = [reverse(name) for name in OPEN_URL_NAMES]
            paths.append(reverse("console:account_link", kwargs={"token": "x"})[: -len("x/")])
            self._open_paths = tuple(paths)
        return self._open_paths

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request, user):
        if not user.is_active:
            logout(request)
            return None
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - int(last_seen) > idle_seconds():
            logout(request)
            if request.path.startswith(GATED_PREFIXES):
                messages.info(request, _("You were signed out after a period without activity."))
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
            return None
        polling = request.headers.get("X-Poll") == "1"
        if last_seen is None or (now - int(last_seen) >= 60 and not polling):
            request.session[LAST_SEEN_KEY] = now
        if not request.path.startswith(GATED_PREFIXES) or request.path.startswith(self.open_paths()):
            return None
        if user.is_verified():
            return None
        next_query = urlencode({"next": request.get_full_path()})
        if twofactor.has_second_factor(user):
            return redirect(f"{reverse('console:login_verify')}?{next_query}")
        if second_factor_required(user):
            return redirect(f"{reverse('console:two_factor_setup')}?{next_query}")
        return None
