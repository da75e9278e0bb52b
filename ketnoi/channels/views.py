"""Webhook intake: /c/<type code>/<channel uuid>/receive. Verify, store, answer 200; processing happens later.

Every answer is JSON: `{"ok": true, "duplicate": ...}`, or `{"ok": false, "error": <code>, ...}` with 403 (forged
or stale), 404 (no such channel), 405 (not a POST) or 413 (a body over CHANNEL_WEBHOOK_MAX_BYTES; the web chat
gets a sentence instead)."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ketnoi.core.http import BodyTooLarge, read_body
from ketnoi.core.tally import tally

from .cache import active_channel
from .intake import store_event
from .types import get_channel_type
from .types.base import InvalidRequest


def refused(status: int, error: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"ok": False, "error": error, "message": message, **extra}, status=status)


def _handshake(request, type_code: str, uuid) -> HttpResponse | None:
    """The provider checking the webhook URL before it subscribes it (Messenger: hub.challenge echoed when the verify
    token is the channel's); None when the channel's type has no such check."""
    try:
        channel_type = get_channel_type(type_code)
    except LookupError:
        return None
    channel = active_channel(type_code, uuid)
    if channel is None:
        return None
    answer = channel_type.handshake(channel, request)
    if answer is None:
        return None
    status, text = answer
    tally("webhook_acks", channel_type=type_code, result="handshake" if status == 200 else "forbidden")
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
def receive(request, type_code: str, uuid):
    """Forged or stale requests get 403 and leave nothing behind; anything correctly signed is kept (even if it
    cannot be parsed) and acknowledged, so the provider stops retrying.

    The channel comes from the in-process cache (ketnoi.channels.cache); a request that fails verification is
    checked once more against a fresh read, so a secret rotated by another process is honoured at once.

    A body past Django's form limit is still read, up to CHANNEL_WEBHOOK_MAX_BYTES: a citizen's very long message is
    kept and the chat answers it in words. Past that, 413 in the wire's shape (JSON; a sentence for the web chat).
    """
    if request.method == "GET":
        handshake = _handshake(request, type_code, uuid)
        if handshake is not None:
            return handshake
    if request.method != "POST":
        response = refused(405, "method_not_allowed", "Send the event with POST.")
        response["Allow"] = "POST"
        return response
    try:
        channel_type = get_channel_type(type_code)
    except LookupError:
        return refused(404, "not_found", "No such channel.")
    channel = active_channel(type_code, uuid)
    if channel is None:
        return refused(404, "not_found", "No such channel.")
    limit = getattr(settings, "CHANNEL_WEBHOOK_MAX_BYTES", 12 * 1024 * 1024)
    try:
        read_body(request, limit=limit)
    except BodyTooLarge as exc:
        tally("webhook_acks", channel_type=type_code, result="too_large")
        if request.headers.get("HX-Request"):
            megabytes = {"size": round(exc.size / 1048576, 1), "max": limit // 1048576}
            text = _("This is too large to send (%(size)s MB; at most %(max)s MB). Nothing was sent.") % megabytes
            return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")
        return refused(413, "too_large", f"The body is larger than {limit:,} bytes.", max_bytes=limit)
    try:
        channel_type.verify_request(channel, request)
    except InvalidRequest:
        channel = active_channel(type_code, uuid, fresh=True)
        if channel is None:
            return refused(404, "not_found", "No such channel.")
        try:
            channel_type.verify_request(channel, request)
        except InvalidRequest:
            tally("webhook_acks", channel_type=type_code, result="forbidden")
            return refused(403, "forbidden", "The signature or the timestamp does not check.")
    body = channel_type.inbound_body(channel, request)
    _event, created = store_event(channel=channel, body=body, headers=dict(request.headers))
    tally("webhook_acks", channel_type=type_code, result="stored" if created else "duplicate")
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)
    return JsonResponse({"ok": True, "duplicate": not created})
