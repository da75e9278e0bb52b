"""A generic HTTP SMS gateway: POST {"to", "text", "reference"} as JSON with a bearer key (the outbox's last
fallback). Vietnamese gateways differ; anything that accepts this shape, or a small proxy in front of one, works.

Channel.config: {"url": ..., "sender": ..., "cost_per_message": đồng}. Secrets: {"api_key": ...}.
Answer: 2xx with JSON {"id" | "message_id" | "reference"}; errors by HTTP status.
"""

import unicodedata
from typing import TYPE_CHECKING

import httpx

from django.conf import settings

from ketnoi.channels.types.base import (
    ChannelType,
    ErrorKind,
    InboundEvent,
    InvalidRequest,
    OutboundPayload,
    Recipient,
    SendError,
    SendResult,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ketnoi.channels.models import Channel

STATUS_KINDS = {
    400: ErrorKind.PERMANENT,
    401: ErrorKind.CREDENTIALS_EXPIRED,  # the key was revoked or mistyped: a human must fix the channel
    403: ErrorKind.CREDENTIALS_EXPIRED,
    404: ErrorKind.PERMANENT,
    408: ErrorKind.RETRYABLE,
    409: ErrorKind.PERMANENT,  # the gateway already has this reference
    422: ErrorKind.UNREACHABLE,  # the gateway refuses the number
    429: ErrorKind.RATE_LIMITED,
}


class SmsType(ChannelType):
    code = "sms"
    name = "SMS gateway"
    secret_fields = ("api_key",)
    redact_keys = frozenset({"api_key", "authorization", "to"})
    max_text_length = 459  # three concatenated GSM segments; Vietnamese without diacritics
    default_quota_per_minute = 600

    def verify_request(self, channel: "Channel", request: "HttpRequest") -> None:
        raise InvalidRequest("The SMS gateway adapter receives nothing.")

    def parse_events(self, channel: "Channel", body: bytes) -> list[InboundEvent]:
        return []

    def send(
        self, channel: "Channel", recipient: Recipient, payload: OutboundPayload, *, idempotency_key: str
    ) -> SendResult:
        if not recipient.phone:
            raise SendError(ErrorKind.UNREACHABLE, "No phone number to send an SMS to.")
        text = unicodedata.normalize("NFC", payload.text or "")
        if not text:
            raise SendError(ErrorKind.PERMANENT, f"An SMS carries text only, not a {payload.kind!r} message.")
        if len(text) > self.max_text_length:
            raise SendError(ErrorKind.PERMANENT, f"SMS text is {len(text)} characters; at most {self.max_text_length}.")
        url = str(channel.config.get("url", ""))
        if not url:
            raise SendError(ErrorKind.PERMANENT, "The SMS channel has no gateway URL.")
        body = {"to": recipient.phone, "text": text, "reference": idempotency_key}
        if channel.config.get("sender"):
            body["sender"] = channel.config["sender"]
        headers = {"Authorization": f"Bearer {channel.secrets.get('api_key', '')}"}
        timeout = float(getattr(settings, "SMS_HTTP_TIMEOUT", 10.0))
        try:
            response = httpx.post(url, json=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise SendError(ErrorKind.RETRYABLE, "SMS gateway timed out.") from exc
        except httpx.HTTPError as exc:
            raise SendError(ErrorKind.RETRYABLE, f"SMS gateway unreachable ({type(exc).__name__}).") from exc
        status = response.status_code
        if status >= 500:
            raise SendError(ErrorKind.RETRYABLE, f"SMS gateway answered {status}.", provider_code=str(status))
        if status >= 300:
            kind = STATUS_KINDS.get(status, ErrorKind.PERMANENT)
            retry_after = _retry_after(response) if kind == ErrorKind.RATE_LIMITED else None
            detail = _detail(response)
            raise SendError(
                kind, f"SMS gateway refused ({status}){detail}", provider_code=str(status), retry_after=retry_after
            )
        try:
            data = response.json()
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        message_id = str(data.get("id") or data.get("message_id") or data.get("reference") or idempotency_key)
        return SendResult(message_id, cost=int(channel.config.get("cost_per_message", 0) or 0), raw=data)


def _retry_after(response: httpx.Response) -> float:
    try:
        return float(response.headers.get("Retry-After", "60"))
    except ValueError:
        return 60.0


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict) and (data.get("error") or data.get("message")):
        return f": {str(data.get('error') or data.get('message'))[:200]}"
    return ""
