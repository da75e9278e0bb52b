"""Webhook intake: /c/<type code>/<channel uuid>/receive. Verify, store, answer 200; processing happens later."""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ketnoi.core.http import BodyTooLarge, read_body

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

    A body past Django's form limit is still read, up to CHANNEL_WEBHOOK_MAX_BYTES: a citizen's very long message is
    kept and the chat answers it in words. Past that, 413 in the wire's shape (JSON; a sentence for the web chat).
    """
    try:
        channel_type = get_channel_type(type_code)
    except LookupError:
        raise Http404 from None
    channel = active_channel(type_code, uuid)
    if channel is None:
        raise Http404
    limit = getattr(settings, "CHANNEL_WEBHOOK_MAX_BYTES", 12 * 1024 * 1024)
    try:
        read_body(request, limit=limit)
    except BodyTooLarge as exc:
        if request.headers.get("HX-Request"):
            megabytes = {"size": round(exc.size / 1048576, 1), "max": limit // 1048576}
            text = _("This is too large to send (%(size)s MB; at most %(max)s MB). Nothing was sent.") % megabytes
            return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")
        return JsonResponse({"ok": False, "error": "too_large", "max_bytes": limit}, status=413)
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
