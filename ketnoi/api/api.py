"""The integration API: one NinjaAPI, JSON errors with a code and a message, OpenAPI at /api/v1/openapi.json."""

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from django.http import Http404

from ketnoi.core.errors import ApplicationError, NotPermitted

from .auth import ApiTokenAuth
from .endpoints import documents, dossiers, open311, petitions, procedures, units

api = NinjaAPI(
    title="ketnoi integration API",
    version="1",
    urls_namespace="api",
    auth=ApiTokenAuth(),
    docs_url=None,
)
api.add_router("", units.router)
api.add_router("", procedures.router)
api.add_router("", dossiers.router)
api.add_router("", petitions.router)
api.add_router("", documents.router)
api.add_router("/open311/v2", open311.router)


def _error(request, status: int, code: str, message: str, extra: dict | None = None):
    body = {"code": code, "message": message}
    if extra:
        body["extra"] = extra
    return api.create_response(request, body, status=status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", "No such object, or not visible to this client.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", "Send Authorization: Bearer <token>.")


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return _error(request, 422, "invalid", "The request does not match the schema.", {"errors": exc.errors})


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    status = 403 if isinstance(exc, NotPermitted) else 409 if exc.code == "duplicate_code" else 400
    return _error(request, status, exc.code, exc.message, exc.extra)
