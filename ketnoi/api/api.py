"""The integration API: one NinjaAPI, OpenAPI at /api/v1/openapi.json.

Every refusal is JSON in the caller's wire shape, decided here and only here: `{code, message}` (plus `extra`
where there is more to say) on the native API, GeoReport v2's `[{code, description}]` under /open311/. A body
over settings.API_MAX_BODY_BYTES is refused with 413 before it is read."""

from functools import wraps

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest

from ketnoi.core.bodylimit import body_limit, holds_nul
from ketnoi.core.errors import ApplicationError, NotPermitted

from . import statuses
from .auth import ApiTokenAuth
from .endpoints import documents, dossiers, notifications, open311, petitions, procedures, units

api = NinjaAPI(
    title="ketnoi integration API",
    version="1",
    description=(
        "Procedures, dossiers, status events and petitions for the province's one-stop and other systems; "
        "notifications to citizens over the province's Zalo OAs, ZNS/ZBS and SMS for any agency's system "
        "(a sending service's key); "
        "Open311 GeoReport v2 under /open311/v2/. Every error answers `{code, message}` (Open311: "
        "`[{code, description}]`). Lists are paged: follow `next_cursor` until it is null."
    ),
    urls_namespace="api",
    auth=ApiTokenAuth(),
    docs_url=None,
)
api.add_router("", units.router)
api.add_router("", procedures.router)
api.add_router("", dossiers.router)
api.add_router("", petitions.router)
api.add_router("", documents.router)
api.add_router("", notifications.router)
api.add_router("/open311/v2", open311.router)


def api_error(request: HttpRequest, status: int, code: str, message: str, extra: dict | None = None):
    if open311.speaks_open311(request):
        return api.create_response(request, open311.errors(status, message), status=status)
    body = {"code": code, "message": message}
    if extra:
        body["extra"] = extra
    return api.create_response(request, body, status=status)


def _too_large(request: HttpRequest, limit: int):
    return api_error(request, 413, "too_large", f"The request body is larger than {limit:,} bytes.")


def refuse_nul(view):
    """Text with a NUL character (U+0000) is refused as invalid before any schema or query sees it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if holds_nul(request):
            return api_error(request, 400, "invalid", "Text may not contain the NUL character (U+0000).")
        return view(request, *args, **kwargs)

    return wrapper


# Applied in reverse order: the size limit first (nothing past it is read), then the NUL check on what was read.
api.add_decorator(refuse_nul, mode="view")
api.add_decorator(body_limit(lambda: settings.API_MAX_BODY_BYTES, _too_large), mode="view")


def api_not_found(request: HttpRequest, *args, **kwargs):
    return api_error(request, 404, "not_found", f"No endpoint at {request.path}.")


@api.exception_handler(Http404)
def not_found(request, exc):
    return api_error(request, 404, "not_found", "No such object, or not visible to this client.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    if open311.speaks_open311(request):  # GeoReport v2 answers a missing or wrong api_key with 403
        return api_error(request, 403, "unauthenticated", "Invalid api_key.")
    return api_error(request, 401, "unauthenticated", "Send Authorization: Bearer <token>.")


@api.exception_handler(AuthorizationError)
def unauthorized(request, exc):
    return api_error(request, 403, "not_permitted", "This client may not do this.")


def _plain(error: dict) -> dict:
    """A pydantic error as JSON: its context may hold the exception a validator raised."""
    if "ctx" not in error:
        return error
    return {**error, "ctx": {key: str(value) for key, value in error["ctx"].items()}}


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    errors = [_plain(error) for error in exc.errors]
    if open311.speaks_open311(request):
        first = errors[0] if errors else {}
        where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        return api_error(request, 400, "invalid", f"{where}: {first.get('msg', 'invalid')}")
    return api_error(request, 422, "invalid", "The request does not match the schema.", {"errors": errors})


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """Ninja's own refusals (a body that is not JSON, ...), in our shape instead of {"detail": ...}."""
    code = "invalid_json" if exc.status_code == 400 else "error"
    return api_error(request, exc.status_code, code, str(exc))


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return _too_large(request, settings.API_MAX_BODY_BYTES)


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    status = 403 if isinstance(exc, NotPermitted) else statuses.for_code(exc.code)
    return api_error(request, status, exc.code, exc.message, exc.extra)
