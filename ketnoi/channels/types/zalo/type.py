"""The Zalo Official Account channel type (reference: shared/reference/zalo-oa-api.md)."""

import datetime as dt
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from ketnoi.channels.types.base import (
    ChannelType,
    ErrorKind,
    GroupCreated,
    InboundEvent,
    InvalidRequest,
    OutboundPayload,
    Profile,
    Recipient,
    SendError,
    SendResult,
    WindowState,
)
from ketnoi.core.db import in_thread

from . import assumptions, connect, parse, tokens
from .client import AsyncZaloClient, ZaloApiError, ZaloClient, ZaloTransportError
from .errors import classify

if TYPE_CHECKING:
    import httpx

    from django.http import HttpRequest

    from ketnoi.channels.models import Channel

SIGNATURE_HEADER = "X-ZEvent-Signature"
GROUP_KINDS = ("text", "image", "file")
BUTTON_TYPES = {
    "url": "oa.open.url",
    "query_show": "oa.query.show",
    "query_hide": "oa.query.hide",
    "phone": "oa.open.phone",
}


def signature(*, app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """sha256_hex(app_id + raw body + timestamp + OA secret key): plain SHA-256, not HMAC (reference §2.4)."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def tracking_id(idempotency_key: str) -> str:
    if len(idempotency_key) <= assumptions.TRACKING_ID_MAX:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[: assumptions.TRACKING_ID_MAX]


class ZaloType(ChannelType):
    code = "zalo"
    name = "Zalo OA"
    secret_fields = ("app_secret", "oa_secret_key", "access_token", "refresh_token")
    redact_keys = frozenset({"access_token", "refresh_token", "secret_key", "app_secret", "oa_secret_key", "phone"})
    supports_buttons = True
    supports_images = True
    supports_files = True
    supports_templates = True
    supports_request_info = True
    supports_profiles = True
    supports_groups = True
    max_text_length = 2000
    default_quota_per_minute = 4000
    webhook_events = connect.WEBHOOK_EVENTS

    def test_event(self, channel: "Channel", *, test_id: str) -> tuple[bytes, dict[str, str]]:
        app_id = str(channel.config.get("app_id", ""))
        body = connect.test_event_body(app_id=app_id, oa_id=channel.external_id, test_id=test_id)
        timestamp = str(json.loads(body)["timestamp"])
        mac = signature(
            app_id=app_id, body=body, timestamp=timestamp, oa_secret_key=str(channel.secrets.get("oa_secret_key", ""))
        )
        return body, {SIGNATURE_HEADER: f"mac={mac}", "Content-Type": "application/json"}

    # read by broadcasts (estimates and night rules); the facts themselves live in assumptions.py
    promotion_night_hours = assumptions.PROMOTION_NIGHT_HOURS
    window_edges = ((assumptions.FREE_WINDOW, WindowState.FREE), (assumptions.PAID_WINDOW, WindowState.PAID))
    paid_message_cost = staticmethod(assumptions.paid_cs_cost)
    template_message_cost = staticmethod(assumptions.template_cost)
    article_config_key = assumptions.ARTICLE_BROADCAST_CONFIG_KEY

    # -- inbound -----------------------------------------------------------------------------------------------

    def verify_request(self, channel: "Channel", request: "HttpRequest") -> None:
        header = (request.headers.get(SIGNATURE_HEADER) or "").strip()
        if header.lower().startswith("mac="):
            header = header[4:].strip()
        if not header:
            raise InvalidRequest("No signature.")
        body = request.body
        timestamp = parse.signed_timestamp(body, request.headers.get(assumptions.TIMESTAMP_HEADER))
        if not timestamp:
            # Without a signed time there is no replay window: a captured event could be posted again at will.
            raise InvalidRequest("No timestamp.")
        expected = signature(
            app_id=str(channel.config.get("app_id", "")),
            body=body,
            timestamp=timestamp,
            oa_secret_key=str(channel.secrets.get("oa_secret_key", "")),
        )
        if not hmac.compare_digest(expected, header.lower()):
            raise InvalidRequest("Bad signature.")
        sent_at = parse.from_millis(timestamp)
        now = timezone.now()
        if sent_at is None:
            raise InvalidRequest("Unreadable timestamp.")
        if now - sent_at > assumptions.webhook_max_age():
            raise InvalidRequest("Stale event (possible replay).")
        if sent_at - now > assumptions.webhook_max_future():
            raise InvalidRequest("Event timestamp is in the future.")

    def parse_events(self, channel: "Channel", body: bytes) -> list[InboundEvent]:
        return parse.parse(body, oa_id=channel.external_id)

    # -- outbound ----------------------------------------------------------------------------------------------

    def send(
        self, channel: "Channel", recipient: Recipient, payload: OutboundPayload, *, idempotency_key: str
    ) -> SendResult:
        """Consultation messages go to /v3.0/oa/message/cs by user id. A "template" goes by phone (ZBS, with
        tracking_id = the idempotency key) when the recipient has a phone, else by user id (cheaper, no key): pass
        a Recipient without phone to choose UID."""
        call, body, cost = self._outgoing(channel, recipient, payload, idempotency_key)
        data = self._call(channel, lambda client: getattr(client, call)(body))
        return SendResult(str(data.get("message_id") or data.get("msg_id") or ""), cost=cost, raw=_safe(data))

    async def send_async(
        self,
        channel: "Channel",
        recipient: Recipient,
        payload: OutboundPayload,
        *,
        idempotency_key: str,
        http: "httpx.AsyncClient",
    ) -> SendResult:
        """send() over the dispatcher's httpx.AsyncClient: the same call, the same answer, the same errors."""
        call, body, cost = self._outgoing(channel, recipient, payload, idempotency_key)
        data = await self._call_async(channel, http, lambda client: getattr(client, call)(body))
        return SendResult(str(data.get("message_id") or data.get("msg_id") or ""), cost=cost, raw=_safe(data))

    def _outgoing(
        self, channel: "Channel", recipient: Recipient, payload: OutboundPayload, idempotency_key: str
    ) -> tuple[str, dict[str, Any], int]:
        """Which client call a send makes, with what body, at what cost."""
        if payload.kind == "template":
            if recipient.phone:
                body = self._template_by_phone(recipient, payload, idempotency_key)
                return "send_template_by_phone", body, assumptions.template_cost()
            if recipient.user_id:
                body = {"user_id": recipient.user_id, "template_id": payload.template_id}
                body["template_data"] = payload.template_data
                return "send_template_by_uid", body, assumptions.template_cost()
            raise SendError(ErrorKind.UNREACHABLE, "A template message needs a phone number or a Zalo user id.")
        if recipient.group_id:
            if payload.kind not in GROUP_KINDS:
                raise SendError(ErrorKind.PERMANENT, f"A group chat takes text, images or files, not {payload.kind!r}.")
            body = {"recipient": {"group_id": recipient.group_id}, "message": self.message_body(payload)}
            return "send_group", body, 0  # messages inside groups are free (reference §6)
        if not recipient.user_id:
            raise SendError(ErrorKind.UNREACHABLE, "This person has no Zalo user id for this OA.")
        body = {"recipient": {"user_id": recipient.user_id}, "message": self.message_body(payload)}
        window = self.window(channel, recipient, timezone.now())
        return "send_cs", body, assumptions.paid_cs_cost() if window == WindowState.PAID else 0

    def message_body(self, payload: OutboundPayload) -> dict[str, Any]:
        """The `message` object of a consultation message (reference §3.2)."""
        text = unicodedata.normalize("NFC", payload.text or "")
        if len(text) > self.max_text_length:
            raise SendError(
                ErrorKind.PERMANENT,
                f"Text is {len(text)} characters; Zalo accepts at most {self.max_text_length} (after NFC).",
            )
        if payload.kind == "text":
            if not text:
                raise SendError(ErrorKind.PERMANENT, "Empty text message.")
            return {"text": text}
        if payload.kind == "image":
            element: dict[str, Any] = {"media_type": "image"}
            if payload.attachment_token:
                element["attachment_id"] = payload.attachment_token
            elif payload.media_url:
                element["url"] = payload.media_url
            else:
                raise SendError(ErrorKind.PERMANENT, "An image message needs a URL or an attachment id.")
            message: dict[str, Any] = {
                "attachment": {"type": "template", "payload": {"template_type": "media", "elements": [element]}}
            }
            if text:
                message["text"] = text
            return message
        if payload.kind == "file":
            if not payload.attachment_token:
                raise SendError(ErrorKind.PERMANENT, "A file message needs the token of an uploaded file.")
            return {"attachment": {"type": "file", "payload": {"token": payload.attachment_token}}}
        if payload.kind == "buttons":
            if not payload.buttons or len(payload.buttons) > assumptions.MAX_BUTTONS:
                raise SendError(ErrorKind.PERMANENT, f"Between 1 and {assumptions.MAX_BUTTONS} buttons are allowed.")
            buttons = [self._button(b.title, b.action, b.value) for b in payload.buttons]
            message = {"attachment": {"type": "template", "payload": {"buttons": buttons}}}
            if text:
                message["text"] = text
            return message
        if payload.kind == "request_info":
            element = {"title": unicodedata.normalize("NFC", payload.title or text), "subtitle": text}
            if payload.media_url:
                element["image_url"] = payload.media_url
            return {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "request_user_info", "elements": [element]},
                }
            }
        raise SendError(ErrorKind.PERMANENT, f"Zalo cannot send a {payload.kind!r} message.")

    @staticmethod
    def _button(title: str, action: str, value: str) -> dict[str, Any]:
        try:
            button_type = BUTTON_TYPES[action]
        except KeyError:
            raise SendError(ErrorKind.PERMANENT, f"Unknown button action {action!r}.") from None
        if action == "url":
            button_payload: Any = {"url": value}
        elif action == "phone":
            button_payload = {"phone_code": value.lstrip("+")}
        else:
            button_payload = value
        return {"title": unicodedata.normalize("NFC", title), "type": button_type, "payload": button_payload}

    @staticmethod
    def _template_by_phone(recipient: Recipient, payload: OutboundPayload, idempotency_key: str) -> dict[str, Any]:
        return {
            "phone": recipient.phone.lstrip("+"),
            "template_id": payload.template_id,
            "template_data": payload.template_data,
            "tracking_id": tracking_id(idempotency_key),
        }

    def _call(self, channel: "Channel", operation: Callable[[ZaloClient], Any]) -> Any:
        """Run one API call with the channel's token; on a token error refresh once (single-flight) and retry once."""
        token, app_secret = tokens.credentials(channel)
        try:
            return operation(ZaloClient(access_token=token, app_secret=app_secret))
        except ZaloApiError as exc:
            if exc.code not in assumptions.TOKEN_ERROR_CODES:
                raise classify(exc) from exc
        except ZaloTransportError as exc:
            raise classify(exc) from exc
        token = tokens.refresh(channel, stale_token=token)
        try:
            return operation(ZaloClient(access_token=token, app_secret=app_secret))
        except Exception as exc:
            raise classify(exc) from exc

    async def _call_async(
        self, channel: "Channel", http: "httpx.AsyncClient", operation: Callable[[AsyncZaloClient], Awaitable[Any]]
    ) -> Any:
        """_call() for the async client. Reading and refreshing the token touch the database: done in a thread, and
        only when the in-process cache has no fresh token."""
        token, app_secret = await tokens.credentials_async(channel)
        try:
            return await operation(AsyncZaloClient(http, access_token=token, app_secret=app_secret))
        except ZaloApiError as exc:
            if exc.code not in assumptions.TOKEN_ERROR_CODES:
                raise classify(exc) from exc
        except ZaloTransportError as exc:
            raise classify(exc) from exc
        token = await in_thread(tokens.refresh, channel, stale_token=token)
        try:
            return await operation(AsyncZaloClient(http, access_token=token, app_secret=app_secret))
        except Exception as exc:
            raise classify(exc) from exc

    def window(self, channel: "Channel", recipient: Recipient, now: dt.datetime, *, purpose: str = "") -> WindowState:
        last = recipient.last_interaction_at
        if last is None:
            return WindowState.CLOSED
        age = now - last
        if age < assumptions.FREE_WINDOW:
            return WindowState.FREE
        if age < assumptions.PAID_WINDOW:
            return WindowState.PAID
        return WindowState.CLOSED

    def find_sent(
        self,
        channel: "Channel",
        recipient: Recipient,
        payload: OutboundPayload,
        *,
        idempotency_key: str,
        since: dt.datetime,
        is_taken: Callable[[list[str]], set[str]] | None = None,
    ) -> str | None:
        """Template by phone: rely on tracking_id (assumptions.TRACKING_ID_DEDUPLICATES); template by UID: no proof
        is possible (no key, and its text is Zalo's rendering): None, so it is sent again. Otherwise the oldest OA
        message to this person sent since `since` with the same text or attachment, among those no other outbox row
        holds (`is_taken`); the conversation history is read back to `since`."""
        if payload.kind == "template" or not recipient.user_id or recipient.group_id:
            return None  # a group's history is not read back: a post whose outcome is unknown is posted again
        wanted_text = unicodedata.normalize("NFC", payload.text or payload.title or "")
        wanted_media = payload.media_url or payload.attachment_token
        since = since - assumptions.provider_clock_skew()
        page = assumptions.CONVERSATION_PAGE
        matches: list[str] = []  # newest first, as the history comes
        # History comes newest first, a page at a time: read back until the messages are older than `since`.
        for offset in range(0, page * assumptions.CONVERSATION_MAX_PAGES, page):
            items = self._call(
                channel, lambda client, offset=offset: client.conversation(user_id=recipient.user_id, offset=offset)
            )
            reached_since = False
            for item in items:
                sent_at = parse.from_millis(_field(item, "time"))
                if sent_at is None or sent_at < since:  # no time, no proof that it came after our attempt
                    reached_since = reached_since or sent_at is not None
                    continue
                if not _from_oa(item, channel.external_id):
                    continue
                text = unicodedata.normalize("NFC", str(_field(item, "text") or ""))
                media = {str(item.get(k) or "") for k in ("url", "thumb", "attachment_id", "token")}
                message_id = str(_field(item, "id") or "")
                if message_id and ((wanted_text and text == wanted_text) or (wanted_media and wanted_media in media)):
                    matches.append(message_id)
            if reached_since or len(items) < page:
                break
        taken = is_taken(matches) if (is_taken and matches) else set()
        return next((message_id for message_id in reversed(matches) if message_id not in taken), None)

    # -- group chats (GMF; wire details in assumptions.gmf) --------------------------------------------------------

    def create_group(
        self, channel: "Channel", *, name: str, description: str = "", member_user_ids: tuple[str, ...] = ()
    ) -> GroupCreated:
        body: dict[str, Any] = {"group_name": unicodedata.normalize("NFC", name)[:100]}
        if description:
            body["group_description"] = unicodedata.normalize("NFC", description)[:500]
        if channel.config.get("gmf_asset_id"):
            body["asset_id"] = channel.config["gmf_asset_id"]
        body["member_user_ids"] = list(member_user_ids)
        data = self._call(channel, lambda client: client.create_group(body))
        group_id = str(data.get("group_id") or "")
        if not group_id:
            raise SendError(ErrorKind.PERMANENT, "Zalo created no group (no group_id in the answer).")
        return GroupCreated(group_id=group_id, invite_link=str(data.get(assumptions.gmf("link_field")) or ""))

    # -- people ------------------------------------------------------------------------------------------------

    def fetch_profile(self, channel: "Channel", user_id: str) -> Profile | None:
        data = self._call(channel, lambda client: client.user_detail(user_id=user_id))
        if not data:
            return None
        shared = data.get("shared_info") if isinstance(data.get("shared_info"), dict) else {}
        tags_info = data.get("tags_and_notes_info") if isinstance(data.get("tags_and_notes_info"), dict) else {}
        address = ", ".join(str(shared.get(k)) for k in ("address", "district", "city") if shared.get(k))
        last = _day(str(data.get("user_last_interaction_date", "")))
        follower = data.get("user_is_follower")
        return Profile(
            user_id=str(data.get("user_id") or user_id),
            app_user_id=str(data.get("user_id_by_app") or ""),
            display_name=str(data.get("display_name") or ""),
            is_follower=bool(follower) if follower is not None else None,
            tags=tuple(str(t) for t in tags_info.get("tag_names") or []),
            phone=str(shared.get("phone") or ""),
            address=address,
            last_interaction_on=last,
        )

    def add_tag(self, channel: "Channel", user_id: str, tag: str) -> None:
        self._call(channel, lambda client: client.tag_follower(user_id=user_id, tag_name=tag))

    def remove_tag(self, channel: "Channel", user_id: str, tag: str) -> None:
        self._call(channel, lambda client: client.remove_follower_from_tag(user_id=user_id, tag_name=tag))

    def follower_ids(self, channel: "Channel", *, offset: int = 0, count: int = 50, **filters: Any) -> dict[str, Any]:
        return self._call(channel, lambda client: client.user_list(offset=offset, count=count, **filters))

    def upload_file(self, channel: "Channel", *, filename: str, content: bytes, content_type: str) -> str:
        """Upload a file (PDF, DOC, XLSX...) to the OA: the token a "file" message sends (it expires; send soon)."""
        return self._call(
            channel, lambda client: client.upload_file(filename=filename, content=content, content_type=content_type)
        )

    def upload_image(self, channel: "Channel", *, filename: str, content: bytes, content_type: str) -> str:
        """Upload an image (JPG/PNG up to 1 MB): the attachment_id an "image" message sends."""
        return self._call(
            channel, lambda client: client.upload_image(filename=filename, content=content, content_type=content_type)
        )

    def oa_tags(self, channel: "Channel") -> list[str]:
        return self._call(channel, lambda client: client.tags_of_oa())


def _day(text: str) -> dt.date | None:
    """'24/11/2026' -> date(2026, 11, 24)."""
    try:
        day, month, year = (int(part) for part in text.split("/"))
        return dt.date(year, month, day)
    except ValueError:
        return None


def _field(item: dict[str, Any], name: str) -> Any:
    for key in assumptions.CONVERSATION_FIELDS[name]:
        if item.get(key) not in (None, ""):
            return item[key]
    return None


def _from_oa(item: dict[str, Any], oa_id: str) -> bool:
    sender = _field(item, "from")
    if sender is not None:
        return str(sender) == oa_id
    return str(_field(item, "src")) == "0"


def _safe(data: dict[str, Any]) -> dict[str, Any]:
    """The answer as kept by the outbox: without anything that identifies the person beyond ids."""
    return {k: v for k, v in data.items() if k not in ("phone",)}
