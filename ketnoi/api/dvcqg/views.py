"""The DVCQG-compatible endpoints (no CSRF: machine callers; no cookies).

Adapter style:     POST /api/dvcqg/adapter/auth     {username, password}        -> {error_code: 0, session}
                   POST /api/dvcqg/adapter/service  {session, madonvi, service, ...}
Bare-array style:  POST /api/dvcqg/rest/<key>/<action>[?isUpdating=True&MaDinhDanhDV=...]  [ {...}, ... ]
                   actions: ThemMoi, CapNhat, DongBoHoSoMC, DongBoTienTrinh, CapNhatTienDoHoSoMC
"""

import logging
from functools import wraps

from axes.conf import settings as axes_conf
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ketnoi.core.bodylimit import body_limit, holds_nul
from ketnoi.core.errors import ApplicationError

from . import answers, envelope, relay
from .models import Style
from .services import accounts
from .services.intake import dvcqg_receive

logger = logging.getLogger(__name__)
LOCKED_MESSAGE = "Đăng nhập sai quá nhiều lần: tài khoản tạm khóa, hãy thử lại sau."


def _max_body() -> int:
    return settings.DVCQG_MAX_BODY_BYTES


def _too_large(request: HttpRequest, limit: int) -> JsonResponse:
    """The adapter's callers read a numeric error_code, the bare-array URLs' callers a string one."""
    return answers.respond(answers.FAILED, answers.too_large_message(limit), numeric=_numeric(request), status=413)


def _numeric(request: HttpRequest) -> bool:
    return request.resolver_match is None or request.resolver_match.url_name != "array_action"


def refuse_nul(view):
    """A NUL character (U+0000) in the call is refused up front: PostgreSQL keeps no text with it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if holds_nul(request):
            message = "Dữ liệu chứa ký tự NUL (U+0000), không lưu được; hãy bỏ ký tự này và gửi lại."
            return answers.respond(answers.FAILED, message, numeric=_numeric(request), status=400)
        return view(request, *args, **kwargs)

    return wrapper


def _status_for(error: ApplicationError | None) -> int:
    return 413 if error is not None and error.code == envelope.TOO_MANY_ITEMS else 400


@csrf_exempt
@require_POST
@body_limit(_max_body, _too_large)
def adapter_auth(request: HttpRequest) -> JsonResponse:
    try:
        payload = envelope.parse_json(request.body)
    except ApplicationError as exc:
        return answers.respond(answers.FAILED, exc.message, numeric=True, status=400)
    payload = payload if isinstance(payload, dict) else {}
    username = str(payload.get("username", ""))
    # The console's lockout (django-axes, same limit and cool-off), per user name and address; the names live in
    # their own namespace so a DVCQG client and an official with one name never lock each other out.
    credentials = {"username": f"dvcqg:{username}"}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return _locked_out(request)
    client = accounts.client_for_login(username=username, password=str(payload.get("password", "")))
    if client is None:
        AxesProxyHandler.user_login_failed(sender=adapter_auth, credentials=credentials, request=request)
        if request.axes_locked_out:  # this failure reached the limit
            return _locked_out(request)
        return answers.respond(answers.UNAUTHENTICATED, "Sai tên đăng nhập hoặc mật khẩu.", numeric=True, status=401)
    if axes_conf.AXES_RESET_ON_SUCCESS:
        AxesProxyHandler.reset_attempts(username=credentials["username"], ip_address=request.axes_ip_address)
    return JsonResponse(
        {"error_code": 0, "message": "Xác thực thành công.", "session": accounts.session_open(client=client)}
    )


def _locked_out(request: HttpRequest) -> JsonResponse:
    """429 in the wire's own shape (the axes middleware would answer with the console's lockout page)."""
    request.axes_locked_out = False
    response = answers.respond(answers.UNAUTHENTICATED, LOCKED_MESSAGE, numeric=True, status=429)
    cool_off = get_cool_off(request)
    response["Retry-After"] = str(int(cool_off.total_seconds()) if cool_off else 3600)
    return response


def _answer(outcome, numeric: bool) -> JsonResponse:
    extra = dict(outcome.extra)
    if outcome.results:
        extra["results"] = outcome.results
    return answers.respond(outcome.error_code, outcome.message, numeric=numeric, **extra)


@csrf_exempt
@require_POST
@body_limit(_max_body, _too_large)
@refuse_nul
def adapter_service(request: HttpRequest) -> JsonResponse:
    try:
        payload = envelope.parse_json(request.body)
    except ApplicationError as exc:
        return answers.respond(answers.FAILED, exc.message, numeric=True, status=400)
    session = payload.get("session", "") if isinstance(payload, dict) else ""
    client = accounts.client_for_session(str(session))
    if client is None:
        return answers.respond(
            answers.UNAUTHENTICATED, "Phiên làm việc không hợp lệ hoặc đã hết hạn.", numeric=True, status=401
        )
    env, error = None, None
    try:
        env = envelope.adapter_envelope(payload)
    except ApplicationError as exc:
        error = exc
    target = relay.adapter_target(client, request.headers.get("dstcode", ""))
    _, outcome = dvcqg_receive(
        client=client,
        style=Style.ADAPTER,
        path="service",
        body=request.body,
        env=env,
        error=error,
        relay_target=target,
    )
    return _with_status(_answer(outcome, numeric=True), _status_for(error) if env is None else 200)


@csrf_exempt
@require_POST
@body_limit(_max_body, _too_large)
@refuse_nul
def array_action(request: HttpRequest, key: str, action: str) -> JsonResponse:
    client = accounts.client_for_path_key(key)
    if client is None:
        return answers.respond(answers.UNAUTHENTICATED, "Đường dẫn không hợp lệ.", numeric=False, status=401)
    query = request.META.get("QUERY_STRING", "")
    env, error = None, None
    try:
        env = envelope.array_envelope(action, envelope.parse_json(request.body), request.GET)
    except ApplicationError as exc:
        error = exc
    _, outcome = dvcqg_receive(
        client=client,
        style=Style.ARRAY,
        path=action + ("?" + query if query else ""),
        body=request.body,
        env=env,
        error=error,
        relay_target=relay.array_target(client, action, query),
    )
    return _with_status(_answer(outcome, numeric=False), _status_for(error) if env is None else 200)


def _with_status(response: JsonResponse, status: int) -> JsonResponse:
    response.status_code = status
    return response
