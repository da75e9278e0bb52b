"""The DVCQG-compatible endpoints (no CSRF: machine callers; no cookies).

Adapter style:     POST /api/dvcqg/adapter/auth     {username, password}        -> {error_code: 0, session}
                   POST /api/dvcqg/adapter/service  {session, madonvi, service, ...}
Bare-array style:  POST /api/dvcqg/rest/<key>/<action>[?isUpdating=True&MaDinhDanhDV=...]  [ {...}, ... ]
                   actions: ThemMoi, CapNhat, DongBoHoSoMC, DongBoTienTrinh, CapNhatTienDoHoSoMC
"""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ketnoi.core.errors import ApplicationError

from . import accounts, answers, envelope, relay
from .intake import dvcqg_receive
from .models import Style

logger = logging.getLogger(__name__)
MAX_BODY = 20 * 1024 * 1024


def _too_large(request: HttpRequest, numeric: bool) -> JsonResponse | None:
    if len(request.body) > MAX_BODY:
        return answers.respond(answers.FAILED, "Gói tin quá lớn (tối đa 20 MB).", numeric=numeric, status=413)
    return None


@csrf_exempt
@require_POST
def adapter_auth(request: HttpRequest) -> JsonResponse:
    try:
        payload = envelope.parse_json(request.body)
    except ApplicationError as exc:
        return answers.respond(answers.FAILED, exc.message, numeric=True, status=400)
    payload = payload if isinstance(payload, dict) else {}
    client = accounts.client_for_login(
        username=str(payload.get("username", "")), password=str(payload.get("password", ""))
    )
    if client is None:
        return answers.respond(answers.UNAUTHENTICATED, "Sai tên đăng nhập hoặc mật khẩu.", numeric=True, status=401)
    return JsonResponse(
        {"error_code": 0, "message": "Xác thực thành công.", "session": accounts.session_open(client=client)}
    )


def _answer(outcome, numeric: bool) -> JsonResponse:
    extra = dict(outcome.extra)
    if outcome.results:
        extra["results"] = outcome.results
    return answers.respond(outcome.error_code, outcome.message, numeric=numeric, **extra)


@csrf_exempt
@require_POST
def adapter_service(request: HttpRequest) -> JsonResponse:
    if (refused := _too_large(request, True)) is not None:
        return refused
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
    return _with_status(_answer(outcome, numeric=True), 400 if env is None else 200)


@csrf_exempt
@require_POST
def array_action(request: HttpRequest, key: str, action: str) -> JsonResponse:
    client = accounts.client_for_path_key(key)
    if client is None:
        return answers.respond(answers.UNAUTHENTICATED, "Đường dẫn không hợp lệ.", numeric=False, status=401)
    if (refused := _too_large(request, False)) is not None:
        return refused
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
    return _with_status(_answer(outcome, numeric=False), 400 if env is None else 200)


def _with_status(response: JsonResponse, status: int) -> JsonResponse:
    response.status_code = status
    return response
