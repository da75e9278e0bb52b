"""Request bodies larger than Django's form limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB), where a view must still
read them: a citizen's very long message reaches us signed by the provider, and it is kept and answered in words
rather than refused with a bare 400. Only views that call this read more; every other view keeps Django's limit."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware


class BodyTooLarge(Exception):
    def __init__(self, size: int, limit: int):
        super().__init__(f"The request body has {size} bytes; at most {limit} are read.")
        self.size, self.limit = size, limit


def read_body(request: HttpRequest, *, limit: int) -> bytes:
    """The raw body, up to `limit` bytes even past DATA_UPLOAD_MAX_MEMORY_SIZE; afterwards request.body and
    request.POST read the same bytes. BodyTooLarge past `limit` (nothing is read then)."""
    size = int(request.META.get("CONTENT_LENGTH") or 0)
    if size > limit:  # also below Django's form limit: `limit` is this wire's, whichever is smaller
        raise BodyTooLarge(size, limit)
    try:
        return request.body
    except RequestDataTooBig:
        pass
    body = request.read(size)
    # HttpRequest.body caches what it read in _body (it would refuse to read this much itself); setting it here makes
    # request.body, and request.POST for a form, return these bytes.
    request._body = body
    return body


def csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """For a csrf_exempt view that read a large form with read_body (the CSRF middleware reads the form before the
    view, and would refuse it for its size): the same CSRF check, run now. None: the request passes."""
    return CsrfViewMiddleware(lambda _request: HttpResponse()).process_view(request, None, (), {})
