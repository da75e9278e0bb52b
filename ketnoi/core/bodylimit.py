"""A size limit per wire, answered in that wire's own error shape.

Django refuses a body above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) with its HTML 400 page, whatever the caller
speaks. Each machine-facing entry point (the integration API, the DVCQG endpoints, the Zalo sandbox; the channel
webhooks call core.http.read_body themselves) instead states its own limit and how to say "too large" to its
callers; `body_limit` checks the declared length before anything reads the body, and reads a body that fits.
"""

import json
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

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


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def holds_nul(request: HttpRequest) -> bool:
    """A NUL character (U+0000) anywhere in the query string or a JSON or form body: PostgreSQL stores no text with
    it, so the wires refuse it up front in their own shape instead of failing at the database. Call it after the
    body was read within the wire's limit."""
    if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in [key, *values]):
        return True
    body = request.body if request.content_type != "multipart/form-data" else b""
    if b"\x00" in body:
        return True
    if b"\\u0000" in body.lower():  # an escaped NUL in JSON: look at the decoded strings to be sure
        try:
            return _holds_nul(json.loads(body))
        except ValueError:
            return False
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            return any("\x00" in value for _key, values in request.POST.lists() for value in values)
        except MultiPartParserError:  # an unreadable form is the view's to refuse
            return False
    return False
