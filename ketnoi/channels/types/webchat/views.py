"""The web chat widget's pages on the portal: the chat page (also framed by widget.js) and the polled transcript."""

import json
from dataclasses import dataclass
from datetime import datetime

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from ketnoi.channels.models import Channel, ChannelEvent

from .models import WebChatMessage
from .type import COOKIE, COOKIE_MAX_AGE, EVENT_NAME, SALT, new_visitor_id, visitor_of

TRANSCRIPT_LENGTH = 100


@dataclass(frozen=True)
class Line:
    at: datetime
    mine: bool  # written by the visitor
    text: str
    buttons: tuple[dict, ...] = ()
    media_url: str = ""


def _channel(request) -> Channel | None:
    channels = Channel.objects.filter(type_code="webchat", is_active=True).order_by("created_at", "pk")
    wanted = request.GET.get("c", "")
    if wanted:
        try:
            return channels.filter(uuid=wanted).first()
        except ValueError:  # not a uuid
            return None
    return channels.first()


def transcript(channel: Channel, visitor_id: str) -> list[Line]:
    lines = []
    events = ChannelEvent.objects.filter(channel=channel, user_id=visitor_id, provider_event=EVENT_NAME)
    for event in events.order_by("-received_at")[:TRANSCRIPT_LENGTH]:
        try:
            data = json.loads(event.raw_body)
            text = str(data.get("label") or data.get("text", ""))
            if not text and isinstance(data.get("attachment"), dict):
                text = "📎 " + str(data["attachment"].get("name", ""))
        except ValueError:
            continue
        lines.append(Line(event.received_at, True, text))
    replies = WebChatMessage.objects.filter(channel=channel, visitor_id=visitor_id).order_by("-created_at")
    for message in replies[:TRANSCRIPT_LENGTH]:
        lines.append(Line(message.created_at, False, message.text, tuple(message.buttons), message.media_url))
    return sorted(lines, key=lambda line: line.at)[-TRANSCRIPT_LENGTH:]


@require_GET
@xframe_options_sameorigin
def chat_page(request):
    channel = _channel(request)
    visitor = visitor_of(request)
    is_new = not visitor
    if is_new:
        visitor = new_visitor_id()
    context = {
        "channel": channel,
        "embed": request.GET.get("embed") == "1",
        "lines": transcript(channel, visitor) if channel else [],
        "receive_url": reverse("channels:receive", kwargs={"type_code": "webchat", "uuid": channel.uuid})
        if channel
        else "",
    }
    response = render(request, "webchat/chat_embed.html" if context["embed"] else "webchat/chat.html", context)
    if is_new:
        response.set_signed_cookie(
            COOKIE,
            visitor,
            salt=SALT,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@require_GET
@xframe_options_sameorigin
def chat_messages(request):
    channel = _channel(request)
    visitor = visitor_of(request)
    lines = transcript(channel, visitor) if channel and visitor else []
    return render(request, "webchat/_log.html", {"lines": lines})
