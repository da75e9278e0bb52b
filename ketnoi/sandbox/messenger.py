"""The Messenger stand-in: Facebook's side of a page, for `make run` and tests (issue 22).

- Graph API: POST /sandbox/facebook/v25.0/<page id>/messages — the Send API with Facebook's checks and error shapes
  (a wrong token 190, an unknown person 100/2018001, outside the 24-hour window 10/2018278, a tag that does not
  apply 100, malformed messages 100), answered {recipient_id, message_id}; the person's phone then reports a
  `delivery` webhook.
- Webhooks: {"object": "page", "entry": [{"id", "time", "messaging": [...]}]} signed
  `X-Hub-Signature-256: sha256=HMAC-SHA256(app secret, body)`, posted on the sandbox's background pool after the
  transaction commits, retried on the sandbox's ladder. Subscribing a callback URL first makes Facebook's GET
  handshake (hub.mode, hub.verify_token, hub.challenge) and refuses a URL that does not echo the challenge.
- The person: the sandbox phone's user (ZaloUser, the same person who may follow Zalo OAs) opens the page's chat
  (Get started, optionally through an m.me link's ref), writes, taps quick replies and postback buttons.
  Control API under /sandbox/control/messenger/, a chat page under /sandbox/messenger/<page id>.
"""

import datetime as dt
import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import webhooks
from .conf import sandbox_setting
from .control import BadRequest, control, need
from .models import PageDelivery, PageMessage, PageThread, SandboxPage, ZaloUser

API_VERSION = "v25.0"
STANDARD_WINDOW = dt.timedelta(hours=24)
HUMAN_AGENT_WINDOW = dt.timedelta(days=7)
TAGS = ("ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "HUMAN_AGENT")
MAX_TEXT, MAX_TEMPLATE_TEXT, MAX_TITLE, MAX_QUICK_REPLIES, MAX_PAYLOAD = 2000, 640, 20, 13, 1000
GET_STARTED = "GET_STARTED"


def now_ms() -> int:
    return int(time.time() * 1000)


def sign(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


# -- the Graph API ------------------------------------------------------------------------------------------------


class GraphError(Exception):
    def __init__(self, code: int, message: str, *, subcode: int = 0, status: int = 400, kind: str = "OAuthException"):
        super().__init__(message)
        self.code, self.subcode, self.status, self.kind = code, subcode, status, kind

    def response(self) -> JsonResponse:
        error: dict[str, Any] = {"message": str(self), "type": self.kind, "code": self.code}
        if self.subcode:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = "sandbox" + str(now_ms())
        return JsonResponse({"error": error}, status=self.status)


def _token_of(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.GET.get("access_token", "")


def _check_message(message: Any) -> str:
    """Facebook's checks of a `message`; returns what the phone shows as its text."""
    if not isinstance(message, dict):
        raise GraphError(100, "(#100) param message must be an object")
    text = message.get("text")
    attachment = message.get("attachment")
    if (text is None) == (attachment is None):
        raise GraphError(100, "(#100) Exactly one of message.text and message.attachment must be set")
    shown = ""
    if text is not None:
        if not isinstance(text, str) or not text.strip():
            raise GraphError(100, "(#100) message.text must be a non-empty string")
        if len(text) > MAX_TEXT:
            raise GraphError(100, f"(#100) Length of param message[text] must be less than or equal to {MAX_TEXT}")
        shown = text
    else:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        kind = attachment.get("type") if isinstance(attachment, dict) else None
        if not isinstance(payload, dict) or kind not in ("template", "image", "file", "audio", "video"):
            raise GraphError(100, "(#100) Invalid attachment")
        if kind == "template":
            if payload.get("template_type") != "button":
                raise GraphError(100, "(#100) The sandbox knows the button template only")
            shown = str(payload.get("text") or "")
            if not shown or len(shown) > MAX_TEMPLATE_TEXT:
                raise GraphError(100, f"(#100) param message[attachment][payload][text] must be 1-{MAX_TEMPLATE_TEXT}")
            buttons = payload.get("buttons")
            if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
                raise GraphError(100, "(#100) param buttons must have 1-3 elements")
            for b in buttons:
                if not isinstance(b, dict) or b.get("type") not in ("web_url", "postback", "phone_number"):
                    raise GraphError(100, "(#100) Invalid button type")
                if not b.get("title") or len(str(b["title"])) > MAX_TITLE:
                    raise GraphError(100, f"(#100) Button title must be 1-{MAX_TITLE} characters")
                if b["type"] == "web_url" and not str(b.get("url", "")).startswith(("http://", "https://")):
                    raise GraphError(100, "(#100) web_url buttons need a URL")
                if b["type"] != "web_url" and not b.get("payload"):
                    raise GraphError(100, "(#100) This button needs a payload")
        elif not str(payload.get("url", "")).startswith(("http://", "https://")):
            raise GraphError(100, "(#100) The attachment needs a URL")
    replies = message.get("quick_replies")
    if replies is not None:
        if not isinstance(replies, list) or not 1 <= len(replies) <= MAX_QUICK_REPLIES:
            raise GraphError(100, f"(#100) param quick_replies must have 1-{MAX_QUICK_REPLIES} elements")
        for r in replies:
            if not isinstance(r, dict) or r.get("content_type") != "text":
                raise GraphError(100, "(#100) The sandbox knows text quick replies only")
            if not r.get("title") or len(str(r["title"])) > MAX_TITLE:
                raise GraphError(100, f"(#100) Quick reply title must be 1-{MAX_TITLE} characters")
            if not r.get("payload") or len(str(r["payload"])) > MAX_PAYLOAD:
                raise GraphError(100, f"(#100) Quick reply payload must be 1-{MAX_PAYLOAD} characters")
    return shown


def _check_window(thread: PageThread, messaging_type: str, tag: str, now: dt.datetime) -> None:
    last = thread.last_message_at
    within = last is not None and now - last < STANDARD_WINDOW
    if messaging_type in ("RESPONSE", "UPDATE"):
        if tag:
            raise GraphError(100, "(#100) A tag goes with messaging_type MESSAGE_TAG only")
        if not within:
            raise GraphError(
                10, "(#10) This message is sent outside of allowed window.", subcode=2018278, kind="OAuthException"
            )
        return
    if messaging_type != "MESSAGE_TAG":
        raise GraphError(100, "(#100) param messaging_type must be one of RESPONSE, UPDATE, MESSAGE_TAG")
    if tag not in TAGS:
        raise GraphError(100, f"(#100) param tag must be one of {', '.join(TAGS)}")
    if tag == "HUMAN_AGENT" and (last is None or now - last >= HUMAN_AGENT_WINDOW):
        raise GraphError(10, "(#10) This message is sent outside of allowed window.", subcode=2018278)
    if last is None:
        raise GraphError(10, "(#10) This message is sent outside of allowed window.", subcode=2018278)


@csrf_exempt
def send_api(request: HttpRequest, page_id: str):
    """POST /<page id>/messages (and /me/messages with the page's token)."""
    if request.method != "POST":
        return GraphError(100, "Unsupported get request.", kind="GraphMethodException").response()
    try:
        page = _page_by_token(page_id, _token_of(request))
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise GraphError(100, "(#100) The request body is not JSON") from None
        if not isinstance(body, dict):
            raise GraphError(100, "(#100) The request body is not an object")
        recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
        thread = PageThread.objects.filter(page=page, psid=str(recipient.get("id") or "")).first()
        if thread is None:
            raise GraphError(100, "(#100) No matching user found", subcode=2018001)
        now = timezone.now()
        _check_window(thread, str(body.get("messaging_type") or ""), str(body.get("tag") or ""), now)
        shown = _check_message(body.get("message"))
    except GraphError as exc:
        return exc.response()
    with transaction.atomic():
        message = PageMessage.objects.create(
            thread=thread,
            direction=PageMessage.OUT,
            text=shown,
            message=body["message"],
            messaging_type=str(body.get("messaging_type") or ""),
            tag=str(body.get("tag") or ""),
        )
        webhooks.later(sandbox_setting("RECEIVED_DELAY"), _delivered, message.pk)
    return JsonResponse({"recipient_id": thread.psid, "message_id": message.mid})


def _page_by_token(page_id: str, token: str) -> SandboxPage:
    if not token:
        raise GraphError(190, "An access token is required to request this resource.")
    page = SandboxPage.objects.filter(access_token=token).first()
    if page is None:
        raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")
    if page_id not in ("me", page.page_id):
        raise GraphError(100, "(#100) The page access token is not this page's", subcode=33)
    return page


def _delivered(message_id: int) -> None:
    """The person's phone received the message: a `delivery` webhook."""
    message = PageMessage.objects.select_related("thread__page").filter(pk=message_id).first()
    if message is None:
        return
    message.delivered_at = timezone.now()
    message.save(update_fields=["delivered_at"])
    emit(message.thread, {"delivery": {"mids": [message.mid], "watermark": now_ms()}})


# -- webhooks -----------------------------------------------------------------------------------------------------


def body_for(page: SandboxPage, psid: str, event: dict[str, Any]) -> bytes:
    at = now_ms()
    item = {"sender": {"id": psid}, "recipient": {"id": page.page_id}, "timestamp": at, **event}
    entry = {"id": page.page_id, "time": at, "messaging": [item]}
    return json.dumps({"object": "page", "entry": [entry]}, ensure_ascii=False, separators=(",", ":")).encode()


def emit(thread: PageThread, event: dict[str, Any]) -> PageDelivery | None:
    """Record the webhook and post it after the current transaction commits (nothing without a callback URL)."""
    page = thread.page
    if not page.webhook_url:
        return None
    body = body_for(page, thread.psid, event)
    delivery = PageDelivery.objects.create(
        page=page,
        field=next(iter(event)),
        psid=thread.psid,
        url=page.webhook_url,
        body=body.decode(),
        signature=sign(page.app_secret, body),
    )
    webhooks.later(0, _attempt, delivery.pk, 0)
    return delivery


def _attempt(delivery_id: int, number: int) -> None:
    delivery = PageDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": delivery.signature}
    status, error = None, ""
    try:
        response = httpx.post(
            delivery.url, content=delivery.body.encode(), headers=headers, timeout=sandbox_setting("WEBHOOK_TIMEOUT")
        )
        status = response.status_code
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    ok = status is not None and 200 <= status < 300
    delays = sandbox_setting("WEBHOOK_RETRY_DELAYS")
    delivery.attempts = [*delivery.attempts, {"at": now_ms(), "status": status, "error": error}]
    if ok:
        delivery.state = PageDelivery.DELIVERED
    elif number >= len(delays):
        delivery.state = PageDelivery.FAILED
    delivery.save(update_fields=["attempts", "state"])
    if not ok and number < len(delays):
        webhooks.later(delays[number], _attempt, delivery_id, number + 1)


def subscribe(page: SandboxPage, url: str) -> None:
    """Facebook's check before it saves a callback URL: GET with a challenge, which must come back verbatim."""
    challenge = str(now_ms())
    query = {"hub.mode": "subscribe", "hub.verify_token": page.verify_token, "hub.challenge": challenge}
    try:
        response = httpx.get(url, params=query, timeout=sandbox_setting("WEBHOOK_TIMEOUT") * 5)
    except httpx.HTTPError as exc:
        raise BadRequest(f"The callback URL could not be reached: {type(exc).__name__}") from exc
    if response.status_code != 200 or response.text != challenge:
        raise BadRequest("The URL couldn't be validated. Callback verification failed.")
    page.webhook_url = url
    page.save(update_fields=["webhook_url"])


# -- what the person does -----------------------------------------------------------------------------------------


def thread_for(person: ZaloUser, page: SandboxPage) -> PageThread:
    thread, _created = PageThread.objects.get_or_create(page=page, person=person)
    return thread


@transaction.atomic
def start(*, person: ZaloUser, page: SandboxPage, ref: str = "") -> PageThread:
    """The person opens the page's chat and taps "Get started" (through an m.me link with `ref`, if given); in a
    thread they already have, an m.me link arrives as a referral."""
    thread, created = PageThread.objects.get_or_create(page=page, person=person)
    thread.last_message_at = timezone.now()
    thread.save(update_fields=["last_message_at"])
    referral = {"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"} if ref else None
    if created or not ref:
        postback: dict[str, Any] = {"title": "Bắt đầu", "payload": GET_STARTED, "mid": PageMessage().mid}
        if referral:
            postback["referral"] = referral
        emit(thread, {"postback": postback})
    else:
        emit(thread, {"referral": referral})
    return thread


@transaction.atomic
def say(*, person: ZaloUser, page: SandboxPage, text: str) -> PageMessage:
    thread = thread_for(person, page)
    message = PageMessage.objects.create(thread=thread, direction=PageMessage.IN, text=text, message={"text": text})
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_message_at"])
    emit(thread, {"message": {"mid": message.mid, "text": text}})
    return message


@transaction.atomic
def tap(*, person: ZaloUser, page: SandboxPage, payload: str, title: str = "", kind: str = "quick_reply") -> None:
    """A quick reply (a message with the reply's payload) or a postback button (a postback event)."""
    thread = thread_for(person, page)
    message = PageMessage.objects.create(
        thread=thread, direction=PageMessage.IN, text=title or payload, message={kind: {"payload": payload}}
    )
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_message_at"])
    if kind == "postback":
        emit(thread, {"postback": {"mid": message.mid, "title": title, "payload": payload}})
    else:
        emit(thread, {"message": {"mid": message.mid, "text": title or payload, "quick_reply": {"payload": payload}}})


def shown(message: PageMessage) -> dict[str, Any]:
    """A message as the phone shows it: text, link/call buttons, postback buttons and quick replies."""
    body = message.message if isinstance(message.message, dict) else {}
    template = (body.get("attachment") or {}).get("payload") or {}
    return {
        "mid": message.mid,
        "direction": message.direction,
        "text": message.text,
        "buttons": template.get("buttons") or [],
        "quick_replies": body.get("quick_replies") or [],
        "image": (body.get("attachment") or {}).get("payload", {}).get("url", "")
        if (body.get("attachment") or {}).get("type") == "image"
        else "",
        "messaging_type": message.messaging_type,
        "tag": message.tag,
        "at": message.created_at.isoformat(),
        "delivered": message.delivered_at is not None,
    }


# -- control API (tests, make run) --------------------------------------------------------------------------------


def page_json(page: SandboxPage) -> dict[str, Any]:
    return {
        "page_id": page.page_id,
        "name": page.name,
        "app_secret": page.app_secret,
        "access_token": page.access_token,
        "verify_token": page.verify_token,
        "webhook_url": page.webhook_url,
    }


def _person(body: dict[str, Any]) -> ZaloUser:
    uid = str(need(body, "user"))
    person = ZaloUser.objects.filter(uid=uid).first()
    if person is None:
        raise BadRequest(f"no user {uid}")
    return person


def _page(body: dict[str, Any]) -> SandboxPage:
    page = SandboxPage.objects.filter(page_id=str(need(body, "page_id"))).first()
    if page is None:
        raise BadRequest("no such page")
    return page


@control()
def control_pages(request, body):
    """POST {name, verify_token?} -> the page and its app's credentials."""
    fields = {"name": str(need(body, "name"))}
    if body.get("verify_token"):
        fields["verify_token"] = str(body["verify_token"])
    return page_json(SandboxPage.objects.create(**fields))


@control()
def control_subscribe(request, body, page_id: str):
    """POST {webhook_url}: Facebook's handshake against the URL, then the page's webhooks go there."""
    page = get_object_or_404(SandboxPage, page_id=page_id)
    subscribe(page, str(need(body, "webhook_url")))
    return page_json(page)


@control()
def control_start(request, body):
    thread = start(person=_person(body), page=_page(body), ref=str(body.get("ref") or ""))
    return {"psid": thread.psid, "page_id": thread.page.page_id}


@control()
def control_say(request, body):
    message = say(person=_person(body), page=_page(body), text=str(need(body, "text")))
    return {"mid": message.mid, "psid": message.thread.psid}


@control()
def control_tap(request, body):
    kind = str(body.get("kind") or "quick_reply")
    if kind not in ("quick_reply", "postback"):
        raise BadRequest("kind: quick_reply or postback")
    tap(
        person=_person(body),
        page=_page(body),
        payload=str(need(body, "payload")),
        title=str(body.get("title") or ""),
        kind=kind,
    )
    return {"ok": True}


@control()
def control_age(request, body):
    """POST {user, page_id, hours}: the person's last message moves `hours` into the past (the window closes)."""
    thread = PageThread.objects.filter(page=_page(body), person=_person(body)).first()
    if thread is None or thread.last_message_at is None:
        raise BadRequest("no conversation")
    thread.last_message_at -= dt.timedelta(hours=float(need(body, "hours")))
    thread.save(update_fields=["last_message_at"])
    return {"last_message_at": thread.last_message_at.isoformat()}


@control(methods=("GET",))
def control_messages(request, body):
    """GET ?page_id&user[&direction]: the thread's messages, oldest first, as the phone shows them."""
    thread = PageThread.objects.filter(page=_page(body), person=_person(body)).first()
    if thread is None:
        return []
    messages = thread.messages.all()
    if body.get("direction"):
        messages = messages.filter(direction=body["direction"])
    return [shown(m) for m in messages]


@control(methods=("GET",))
def control_deliveries(request, body):
    deliveries = PageDelivery.objects.filter(page=_page(body))
    if body.get("field"):
        deliveries = deliveries.filter(field=body["field"])
    return [
        {"field": d.field, "psid": d.psid, "state": d.state, "attempts": d.attempts, "body": d.body} for d in deliveries
    ]


# -- the phone's chat page ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest, page_id: str):
    """The page's chat in Messenger on the sandbox phone, for the person chosen on /sandbox/."""
    from .phone import current_person

    page = get_object_or_404(SandboxPage, page_id=page_id)
    person = current_person(request)
    if person is None:
        return redirect("sandbox:home")
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "start":
            start(person=person, page=page, ref=request.POST.get("ref", ""))
        elif action in ("quick_reply", "postback"):
            tap(
                person=person,
                page=page,
                payload=request.POST.get("payload", ""),
                title=request.POST.get("title", ""),
                kind=action,
            )
        elif request.POST.get("text", "").strip():
            say(person=person, page=page, text=request.POST["text"].strip())
        return redirect("sandbox:messenger_chat", page_id=page.page_id)
    thread = PageThread.objects.filter(page=page, person=person).first()
    messages = [shown(m) for m in thread.messages.all()] if thread else []
    last_out = next((m for m in reversed(messages) if m["direction"] == PageMessage.OUT), None)
    return render(
        request,
        "sandbox/messenger.html",
        {
            "page": page,
            "person": person,
            "thread": thread,
            "messages": messages,
            "quick_replies": last_out["quick_replies"] if last_out and messages[-1] is last_out else [],
            "ref": request.GET.get("ref", ""),
        },
    )
