"""What every Zalo endpoint of the sandbox does before its own work: the fault switch, the `access_token` header
(-216 invalid, -220 expired), the per-app rate limit (-32, with X-RateLimit-Limit / X-RateLimit-Remain), and
Zalo's way of answering: HTTP 200 with {"error": <code>, "message": ...}."""

import hashlib
import hmac
import json
import random
import time
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ketnoi.core.bodylimit import read_within

from . import quota
from .conf import sandbox_setting
from .faults import Faults, effective_faults
from .models import Grant, SandboxApp, SandboxOA


class ZaloError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def zalo_json(data: Any = None, *, error: int = 0, message: str = "Success") -> JsonResponse:
    body: dict[str, Any] = {"error": error, "message": message}
    if data is not None:
        body["data"] = data
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def params(request: HttpRequest) -> dict[str, Any]:
    """POST: the JSON body. GET: the single JSON-encoded `data` query parameter (reference §1.5)."""
    raw = request.body if request.method == "POST" else request.GET.get("data", "{}").encode()
    try:
        value = json.loads(raw or b"{}")
    except ValueError as exc:
        raise ZaloError(-201, "data is invalid") from exc
    if not isinstance(value, dict):
        raise ZaloError(-201, "data is invalid")
    return value


def apply_faults_before(faults: Faults) -> HttpResponse | None:
    if faults.latency_ms:
        time.sleep(faults.latency_ms / 1000)
    if faults.timeout_rate and random.random() < faults.timeout_rate:  # noqa: S311
        time.sleep(faults.timeout_seconds)
        return HttpResponse("Gateway Timeout", status=504, content_type="text/plain")
    if faults.error_rate and random.random() < faults.error_rate:  # noqa: S311
        return HttpResponse("Service Unavailable", status=503, content_type="text/plain")
    return None


def apply_faults_after(faults: Faults) -> None:
    if faults.lost_response_rate and random.random() < faults.lost_response_rate:  # noqa: S311
        time.sleep(faults.timeout_seconds)


def too_large() -> JsonResponse:
    return zalo_json(error=-201, message="request body is too large")


@csrf_exempt
def not_supported(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """A path Zalo's OpenAPI and business hosts do not have: HTTP 200 and an error code, never an HTML page."""
    code, message = sandbox_setting("UNKNOWN_API_ERROR")
    return zalo_json(error=code, message=message)


@csrf_exempt
def message_v2_shut_down(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    code, message = sandbox_setting("MESSAGE_V2_ERROR")
    return zalo_json(error=code, message=message)


def zalo_endpoint(*, rate_limited: bool = True, methods: tuple[str, ...] = ("GET", "POST")):
    """Wrap view(request, oa) -> JsonResponse with Zalo's gatekeeping."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not read_within(request, sandbox_setting("MAX_BODY_BYTES")):
                return too_large()
            token = request.headers.get("access_token", "")
            grant = Grant.objects.select_related("oa__app").filter(access_token=token).first() if token else None
            oa: SandboxOA | None = grant.oa if grant else None
            faults = effective_faults(oa)
            early = apply_faults_before(faults)
            if early is not None:
                return early
            headers: dict[str, str] = {}
            if grant is None or grant.revoked_at is not None:
                response = zalo_json(error=-216, message="Access token is invalid")
            elif grant.access_expires_at <= timezone.now():
                response = zalo_json(error=-220, message="access_token is expired or removed")
            elif not _proof_ok(request, grant):
                response = zalo_json(error=-242, message="Invalid appsecret_proof")
            elif request.method not in methods:
                response = zalo_json(error=-201, message="method is invalid")
            else:
                response = _limited(request, oa, faults, rate_limited, headers) or _run(view, request, oa, args, kwargs)
            for name, value in headers.items():
                response[name] = value
            apply_faults_after(faults)
            return response

        return wrapper

    return decorate


def _proof_ok(request: HttpRequest, grant: Grant) -> bool:
    """appsecret_proof is optional (§1.5); when sent it must be hex(HMAC-SHA256(app_secret, access_token))."""
    proof = request.headers.get("appsecret_proof")
    if proof is None:
        return True
    expected = hmac.new(grant.oa.app.secret_key.encode(), grant.access_token.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(proof.lower(), expected)


def _limited(request, oa: SandboxOA, faults: Faults, counted: bool, headers: dict[str, str]) -> HttpResponse | None:
    app: SandboxApp = oa.app
    if counted:
        allowed, limit, remain = quota.hit(app)
        headers["X-RateLimit-Limit"] = str(limit)
        headers["X-RateLimit-Remain"] = str(remain)
        if not allowed:
            return zalo_json(error=-32, message="Your application reached limit call api")
    if faults.rate_limited:
        headers["X-RateLimit-Remain"] = "0"
        return zalo_json(error=-32, message="Your application reached limit call api")
    return None


def _run(view, request, oa, args, kwargs) -> HttpResponse:
    try:
        return view(request, oa, *args, **kwargs)
    except ZaloError as exc:
        return zalo_json(error=exc.code, message=exc.message)
