"""A request id on every log line written while a request is handled, and in the X-Request-ID answer header.

nginx sends its own $request_id (deploy/nginx/ketnoi.conf), so its access log and ours share the id; it is taken
only if it looks like one (letters, digits, dashes, at most 64), else a new one is made.
"""

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("ketnoi_request_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def current_request_id() -> str:
    return REQUEST_ID.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _VALID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id
        REQUEST_ID.set(request_id)  # kept until the response is finished: Django logs a 5xx after the middleware
        response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", request_id)
        return response


@receiver(request_finished, dispatch_uid="core.requestid.forget")
def forget_request_id(**kwargs) -> None:
    REQUEST_ID.set("")


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record ("-" outside a request), for the plain and the JSON formats alike."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True
