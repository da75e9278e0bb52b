"""The one interface every channel type implements (after RapidPro's ChannelType and GOV.UK Notify's clients).

Inbound: verify a webhook request and parse its body into InboundEvents; the rest of the system never sees
provider JSON. Outbound: send an OutboundPayload and return a SendResult, or raise SendError with a kind that
tells the outbox what to do next. Provider-specific branches live only in the type's own folder.
"""

import abc
import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ketnoi.core.db import in_thread

if TYPE_CHECKING:
    from collections.abc import Callable

    import httpx

    from django.http import HttpRequest

    from ketnoi.channels.models import Channel


class EventKind(enum.StrEnum):
    MESSAGE = "message"  # the person wrote, sent media or a location, or tapped a query button
    FOLLOW = "follow"
    UNFOLLOW = "unfollow"
    SUBMIT_INFO = "submit_info"  # the person answered the share-your-info form (phone, name, address)
    DELIVERED = "delivered"
    SEEN = "seen"
    TAGGED = "tagged"
    CHAT_OPENED = "chat_opened"  # the person opened the chat (counts as an interaction)
    # Group chats the OA owns (Zalo GMF): never one-to-one traffic, handled by broadcasts' community groups only.
    GROUP_JOINED = "group_joined"
    GROUP_LEFT = "group_left"
    GROUP_MESSAGE = "group_message"  # a member wrote in the group (event.group_id, event.user_id)
    GROUP_DISPERSED = "group_dispersed"
    OTHER = "other"  # stored, never processed


@dataclass(frozen=True)
class Attachment:
    type: str  # image, file, audio, video, sticker, gif, link, location
    url: str = ""
    name: str = ""
    thumbnail: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class InboundEvent:
    kind: EventKind
    provider_event: str  # the provider's own name, e.g. "user_send_text"
    dedup_key: str  # stable across provider retries of the same event
    occurred_at: dt.datetime
    user_id: str = ""  # the person's id on this channel ("" for events about the channel itself)
    app_user_id: str = ""  # app-scoped id (Zalo user_id_by_app)
    provider_message_id: str = ""
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    message_ids: tuple[str, ...] = ()  # for delivered / seen: the outbound messages concerned
    tracking_id: str = ""  # for template messages sent by phone
    phone: str = ""  # for template delivery receipts and submitted info
    info: dict[str, Any] = field(default_factory=dict)  # submitted info: name, phone, address...
    source: str = ""  # follow source, e.g. a QR token
    tags: tuple[str, ...] = ()
    group_id: str = ""  # group events: the provider's group id
    member_ids: tuple[str, ...] = ()  # group join/leave: everyone the event names (user_id is the first)


class ErrorKind(enum.StrEnum):
    RETRYABLE = "retryable"  # network, timeout, 5xx: try again later
    PERMANENT = "permanent"  # the request itself is wrong: do not retry
    UNREACHABLE = "unreachable"  # this person cannot be reached this way (not a follower, outside the window)
    RATE_LIMITED = "rate_limited"  # slow the channel down, retry
    CREDENTIALS_EXPIRED = "credentials_expired"  # refresh credentials once, retry


class SendError(Exception):
    def __init__(self, kind: ErrorKind, message: str, *, provider_code: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.provider_code = provider_code
        self.retry_after = retry_after


class InvalidRequest(Exception):
    """A webhook request that fails verification (bad signature, stale timestamp): answered 403, nothing stored."""


@dataclass(frozen=True)
class Button:
    title: str
    action: str  # "url", "query_show", "query_hide", "phone"
    value: str  # the URL, the query payload, or the phone number


@dataclass(frozen=True)
class OutboundPayload:
    """What to send, independent of the provider. `kind` selects the provider path."""

    kind: str  # "text", "image", "file", "buttons", "request_info", "template"
    text: str = ""
    buttons: tuple[Button, ...] = ()
    media_url: str = ""
    attachment_token: str = ""  # a provider file token from an earlier upload
    title: str = ""  # request_info form title / image caption
    template_id: str = ""
    template_data: dict[str, Any] = field(default_factory=dict)
    # Why the message is sent, for providers whose window depends on it (Messenger's message tags): "" (a reply in
    # the conversation, or bulk), "update" (a personal, non-promotional update: a dossier's or petition's notice),
    # "human_reply" (an official's answer from the inbox). Channel types without such rules ignore it.
    purpose: str = ""


@dataclass(frozen=True)
class Recipient:
    user_id: str = ""  # the person's id on this channel
    phone: str = ""  # E.164, for template messages by phone and SMS
    last_interaction_at: dt.datetime | None = None
    is_follower: bool = False
    group_id: str = ""  # a post into a group chat the channel owns (supports_groups): user_id and phone are empty


@dataclass(frozen=True)
class GroupCreated:
    """A group chat the provider created for the channel: its id and the invite link members join by."""

    group_id: str
    invite_link: str


@dataclass(frozen=True)
class Profile:
    """What the provider knows about a person (Zalo user/detail), for keeping ChannelContact current."""

    user_id: str
    app_user_id: str = ""
    display_name: str = ""
    is_follower: bool | None = None
    tags: tuple[str, ...] = ()
    phone: str = ""  # as the provider gives it; normalise before storing
    address: str = ""
    last_interaction_on: dt.date | None = None


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    cost: int = 0  # in đồng, where the provider charges
    raw: dict[str, Any] = field(default_factory=dict)


class WindowState(enum.StrEnum):
    FREE = "free"  # a free consultation message is possible
    PAID = "paid"  # possible, but the provider charges
    CLOSED = "closed"  # refused: use a template message by phone or another channel


class ChannelType(abc.ABC):
    code: ClassVar[str]  # "zalo", "webchat", "sms": the URL segment and Channel.type_code
    name: ClassVar[str]
    secret_fields: ClassVar[tuple[str, ...]] = ()  # stored encrypted; never logged
    redact_keys: ClassVar[frozenset[str]] = frozenset()  # keys masked in stored request/response logs
    supports_buttons: ClassVar[bool] = False
    supports_images: ClassVar[bool] = False
    supports_files: ClassVar[bool] = False
    supports_templates: ClassVar[bool] = False
    supports_request_info: ClassVar[bool] = False
    supports_profiles: ClassVar[bool] = False  # fetch_profile / add_tag / remove_tag work
    supports_groups: ClassVar[bool] = False  # create_group works and send() takes Recipient(group_id=...)
    max_text_length: ClassVar[int] = 2000
    default_quota_per_minute: ClassVar[int] = 4000

    # inbound
    @abc.abstractmethod
    def verify_request(self, channel: "Channel", request: "HttpRequest") -> None:
        """Raise InvalidRequest unless the request really comes from the provider for this channel."""

    def inbound_body(self, channel: "Channel", request: "HttpRequest") -> bytes:
        """The bytes stored as the event, after verify_request passed. Providers: the raw body, untouched."""
        return request.body

    def handshake(self, channel: "Channel", request: "HttpRequest") -> tuple[int, str] | None:
        """A provider's GET check of the webhook URL (Facebook's hub.challenge): (HTTP status, plain-text body), or
        None when the type has none (the URL then answers GET with 405)."""
        return None

    @abc.abstractmethod
    def parse_events(self, channel: "Channel", body: bytes) -> list[InboundEvent]:
        """Pure: provider JSON in, events out. Unknown event types come back as EventKind.OTHER."""

    # outbound
    @abc.abstractmethod
    def send(
        self, channel: "Channel", recipient: Recipient, payload: OutboundPayload, *, idempotency_key: str
    ) -> SendResult:
        """Send one message or raise SendError."""

    async def send_async(
        self,
        channel: "Channel",
        recipient: Recipient,
        payload: OutboundPayload,
        *,
        idempotency_key: str,
        http: "httpx.AsyncClient",
    ) -> SendResult:
        """send() for the dispatcher's event loop, which keeps hundreds of sends in flight. Types that speak HTTP
        override it with the dispatcher's `http` client (Zalo); the default runs send() in a thread."""
        return await in_thread(self.send, channel, recipient, payload, idempotency_key=idempotency_key)

    def window(self, channel: "Channel", recipient: Recipient, now: dt.datetime, *, purpose: str = "") -> WindowState:
        """Can a message for `purpose` (OutboundPayload.purpose) reach the person now, and at what price."""
        return WindowState.FREE

    def find_sent(
        self,
        channel: "Channel",
        recipient: Recipient,
        payload: OutboundPayload,
        *,
        idempotency_key: str,
        since: dt.datetime,
        is_taken: "Callable[[list[str]], set[str]] | None" = None,
    ) -> str | None:
        """After an attempt whose outcome is unknown (a timeout, a lost answer, a crash): the provider id of the copy
        the provider accepted, if it can be proven to be this message's; None means "send again".

        Proof is one of: the provider looks messages up by our key (web chat; Zalo ZBS by tracking_id, where the
        adapter returns None and relies on the provider refusing a second copy with the same tracking_id); or a
        message to this person sent at or after `since` (the row's first attempt) with the same content that no
        other row holds: `is_taken(ids)` says which of the provider ids other outbox rows already hold, and the
        oldest free one is this message's. Anything less is no proof: a visible duplicate beats a silent loss.
        """
        return None

    # people (optional: supports_profiles)
    def fetch_profile(self, channel: "Channel", user_id: str) -> Profile | None:
        return None

    def add_tag(self, channel: "Channel", user_id: str, tag: str) -> None:
        """Tag the person at the provider. Channels without provider-side tags keep tags in ketnoi only."""
        return None

    def remove_tag(self, channel: "Channel", user_id: str, tag: str) -> None:
        return None

    # group chats (optional: supports_groups)
    def create_group(
        self, channel: "Channel", *, name: str, description: str = "", member_user_ids: tuple[str, ...] = ()
    ) -> GroupCreated:
        raise SendError(ErrorKind.PERMANENT, f"{self.name} has no group chats.")

    # connecting (issue 18): what the console shows beside the webhook URL, and a signed test event
    webhook_events: tuple[str, ...] = ()

    def test_event(self, channel: "Channel", *, test_id: str) -> tuple[bytes, dict[str, str]] | None:
        """A request body and headers signed as the provider signs its webhooks, or None if the type has none."""
        return None

    # lifecycle (RapidPro activate/deactivate)
    def activate(self, channel: "Channel") -> None:
        return None

    def deactivate(self, channel: "Channel") -> None:
        return None
