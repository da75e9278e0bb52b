"""Webhook intake: /c/<type code>/<channel uuid>/receive. Verify, store, answer 200; processing happens later."""

from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .cache import active_channel
from .intake import store_event
from .types import get_channel_type
from .types.base import InvalidRequest


@csrf_exempt
@require_POST
def receive(request, type_code: str, uuid):
    """Forged or stale requests get 403 and leave nothing behind; anything correctly signed is kept (even if it
    cannot be parsed) and acknowledged, so the provider stops retrying.

    The channel comes from the in-process cache (ketnoi.channels.cache); a request that fails verification is
    checked once more against a fresh read, so a secret rotated by another process is honoured at once.
    """
    try:
        channel_type = get_channel_type(type_code)
    except LookupError:
        raise Http404 from None
    channel = active_channel(type_code, uuid)
    if channel is None:
        raise Http404
    try:
        channel_type.verify_request(channel, request)
    except InvalidRequest:
        channel = active_channel(type_code, uuid, fresh=True)
        if channel is None:
            raise Http404 from None
        try:
            channel_type.verify_request(channel, request)
        except InvalidRequest:
            return HttpResponseForbidden("forbidden", content_type="text/plain")
    body = channel_type.inbound_body(channel, request)
    _event, created = store_event(channel=channel, body=body, headers=dict(request.headers))
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    return JsonResponse({"ok": True, "duplicate": not created})
