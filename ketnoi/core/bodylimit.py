"""A size limit per wire, answered in that wire's own error shape.

Django refuses a body above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) with its HTML 400 page, whatever the caller
speaks. Each machine-facing entry point (the integration API, the DVCQG endpoints, the Zalo sandbox; the channel
webhooks call core.http.read_body themselves) instead states its own limit and how to say "too large" to its
callers; `body_limit` checks the declared length before anything reads the body, and reads a body that fits.
"""

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse

from .http import read_body

TooLarge = Callable[[HttpRequest, int], HttpResponse]


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def read_within(request: HttpRequest, max_bytes: int) -> bool:
    """False if the body is over max_bytes (nothing read). True once the body, if any, is read where `request.body`
    finds it (core.http.read_body: even above Django's form limit). Uploads are left to Django, which streams them
    to files."""
    if declared_length(request) > max_bytes:
        return False
    if request.content_type != "multipart/form-data":
        read_body(request, limit=max_bytes)
    return True


def body_limit(max_bytes: Callable[[], int] | int, too_large: TooLarge):
    """Decorate a view: a body over the limit gets too_large(request, limit) and the view never runs.

    max_bytes may be a callable, read on each request, so a setting changed by a test or an operator applies."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            limit = max_bytes() if callable(max_bytes) else max_bytes
            if not read_within(request, limit):
                return too_large(request, limit)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
