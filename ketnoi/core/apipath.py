"""Calls to the integration API skip the middleware made for people in browsers.

/api/v1/ is for machines: each call carries its bearer token and gets JSON. Static files, sessions, CSRF cookies,
the signed-in user, messages, the second factor, account security, login lockouts and the frame and content-security
headers do nothing for it, and together they were about a sixth of a status event's CPU in process (0.5 of 3.3 ms).
`ApiFastPathMiddleware` sits after the proxy, request-id and security middleware; for an /api/v1/ path it chooses the
language as ChosenLanguageMiddleware does and calls the view handler directly: the one `ApiFastPathEnd`, the last
middleware, wraps. Every other path goes through the whole stack. (Django still runs CsrfViewMiddleware's
process_view for the view, which lets the API's csrf-exempt views through at once.)
"""

import threading

from django.core.exceptions import ImproperlyConfigured

from .middleware import ChosenLanguageMiddleware

PREFIX = "/api/v1/"

_built = threading.local()  # Django builds the chain last middleware first, in one thread


class ApiFastPathEnd:
    """The last middleware: hands the handler it wraps (URL resolution and the view) to ApiFastPathMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        _built.inner = get_response

    def __call__(self, request):
        return self.get_response(request)


class ApiFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        inner = getattr(_built, "inner", None)
        _built.inner = None
        if inner is None:
            raise ImproperlyConfigured("ketnoi.core.apipath.ApiFastPathEnd must be the last middleware.")
        self.api = ChosenLanguageMiddleware(inner)

    def __call__(self, request):
        if request.path_info.startswith(PREFIX):
            return self.api(request)
        return self.get_response(request)
