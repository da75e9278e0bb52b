"""POST /v4/oa/access_token (reference §1.4): form body, header `secret_key` = the app secret.

grant_type=authorization_code (code, app_id, code_verifier) or refresh_token (refresh_token, app_id). Success is
{"access_token", "refresh_token", "expires_in": "90000"} with expires_in a STRING. A refresh token works once:
using it returns a new pair and invalidates it.

Assumption: Zalo documents no error code for a bad refresh token (§1.4). Errors here use OAuth v4's shape
{"error": <negative>, "error_name", "error_reason", "error_description"} with the codes in ERRORS; clients should
treat any answer without access_token as terminal.
"""

import base64
import datetime as dt
import hashlib
import hmac

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .conf import sandbox_setting
from .faults import effective_faults
from .gateway import apply_faults_after, apply_faults_before
from .models import AuthCode, Grant, SandboxApp, SandboxOA

ERRORS = {
    "invalid_param": (-14001, "Invalid parameter"),
    "invalid_app": (-14002, "Invalid app id"),
    "invalid_secret": (-14004, "Invalid secret key"),
    "invalid_verifier": (-14010, "Invalid code verifier"),
    "invalid_refresh": (-14014, "Invalid refresh token"),
    "invalid_code": (-14019, "Invalid authorization code"),
}


def oauth_error(key: str, reason: str = "") -> JsonResponse:
    code, name = ERRORS[key]
    return JsonResponse(
        {"error_name": name, "error_reason": reason or name, "ref_doc": "", "error_description": name, "error": code}
    )


def issue_grant(oa: SandboxOA) -> Grant:
    now = timezone.now()
    return Grant.objects.create(
        oa=oa,
        access_expires_at=now + dt.timedelta(seconds=sandbox_setting("ACCESS_TOKEN_TTL")),
        refresh_expires_at=now + dt.timedelta(seconds=sandbox_setting("REFRESH_TOKEN_TTL")),
    )


def new_auth_code(oa: SandboxOA, code_challenge: str = "") -> AuthCode:
    expires = timezone.now() + dt.timedelta(seconds=sandbox_setting("AUTH_CODE_TTL"))
    return AuthCode.objects.create(oa=oa, code_challenge=code_challenge, expires_at=expires)


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def token_answer(grant: Grant) -> JsonResponse:
    return JsonResponse(
        {
            "access_token": grant.access_token,
            "refresh_token": grant.refresh_token,
            "expires_in": str(sandbox_setting("ACCESS_TOKEN_TTL")),
        }
    )


@csrf_exempt
@require_POST
def access_token(request: HttpRequest) -> JsonResponse:
    app = SandboxApp.objects.filter(app_id=request.POST.get("app_id", "")).first()
    faults = effective_faults(None, app)
    early = apply_faults_before(faults)
    if early is not None:
        return early
    response = _exchange(request, app)
    apply_faults_after(faults)
    return response


@transaction.atomic
def _exchange(request: HttpRequest, app: SandboxApp | None) -> JsonResponse:
    if app is None:
        return oauth_error("invalid_app")
    if not hmac.compare_digest(request.headers.get("secret_key", ""), app.secret_key):
        return oauth_error("invalid_secret")
    grant_type = request.POST.get("grant_type", "")
    now = timezone.now()
    if grant_type == "refresh_token":
        old = (
            Grant.objects.select_for_update()
            .filter(refresh_token=request.POST.get("refresh_token", ""), oa__app=app)
            .select_related("oa")
            .first()
        )
        if old is None or old.refresh_used_at is not None or old.refresh_expires_at <= now:
            return oauth_error("invalid_refresh", "refresh_token is invalid, used or expired")
        old.refresh_used_at = now
        old.save(update_fields=["refresh_used_at"])
        return token_answer(issue_grant(old.oa))
    if grant_type == "authorization_code":
        code = (
            AuthCode.objects.select_for_update()
            .filter(code=request.POST.get("code", ""), oa__app=app)
            .select_related("oa")
            .first()
        )
        if code is None or code.used_at is not None or code.expires_at <= now:
            return oauth_error("invalid_code")
        verifier = request.POST.get("code_verifier", "")
        if code.code_challenge and not hmac.compare_digest(pkce_challenge(verifier), code.code_challenge):
            return oauth_error("invalid_verifier")
        code.used_at = now
        code.save(update_fields=["used_at"])
        return token_answer(issue_grant(code.oa))
    return oauth_error("invalid_param", "grant_type is invalid")


PERMISSION_ERRORS = {
    "invalid_app": (-14002, "Invalid app id"),
    "invalid_redirect": (-14003, "Invalid redirect uri"),
    "no_oa": (-223, "OA has not authorized this API"),
}


def permission(request: HttpRequest):
    """GET /v4/oa/permission?app_id&redirect_uri&code_challenge&state: Zalo's OA permission page, where an OA's
    administrator lets an app manage the OA. Allow → redirect_uri?code&oa_id&state (a code valid AUTH_CODE_TTL,
    usable once, bound to the code_challenge); Deny → redirect_uri?error=access_denied&state.

    The sandbox's "administrator" may grant any OA of the app (real Zalo lists the OAs the signed-in Zalo user
    administers). Assumption: a redirect_uri must be http(s); real Zalo also requires it to equal the app's saved
    "Official Account Callback Url" (-14003 otherwise), which the sandbox does not record.
    """
    from urllib.parse import urlencode

    from django.http import HttpResponseRedirect
    from django.shortcuts import render

    params = request.POST if request.method == "POST" else request.GET
    app = SandboxApp.objects.filter(app_id=params.get("app_id", "")).first()
    redirect_uri = params.get("redirect_uri", "")
    state = params.get("state", "")
    error = None
    if app is None:
        error = PERMISSION_ERRORS["invalid_app"]
    elif not redirect_uri.startswith(("https://", "http://")):
        error = PERMISSION_ERRORS["invalid_redirect"]
    elif not app.oas.exists():
        error = PERMISSION_ERRORS["no_oa"]
    if error is not None:
        return render(request, "sandbox/permission.html", {"error": error}, status=400)
    if request.method == "POST":
        separator = "&" if "?" in redirect_uri else "?"
        if request.POST.get("action") != "allow":
            return HttpResponseRedirect(
                f"{redirect_uri}{separator}{urlencode({'error': 'access_denied', 'state': state})}"
            )
        oa = app.oas.filter(oa_id=request.POST.get("oa_id", "")).first()
        if oa is not None:
            code = new_auth_code(oa, params.get("code_challenge", ""))
            query = urlencode({"code": code.code, "oa_id": oa.oa_id, "state": state})
            return HttpResponseRedirect(f"{redirect_uri}{separator}{query}")
    return render(
        request,
        "sandbox/permission.html",
        {
            "app": app,
            "oas": app.oas.all(),
            "params": {k: params.get(k, "") for k in ("app_id", "redirect_uri", "code_challenge", "state")},
        },
    )
