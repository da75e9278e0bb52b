"""The sandbox's knobs, with Zalo's real values as defaults. Override any of them with settings.SANDBOX = {...} or,
for a server started from the command line (benchmarks), the environment: SANDBOX_SETTINGS='{"RECEIVED_EVENTS": false}'.

Where the reference marks a behaviour unconfirmed, the choice made here is named below, so a live test that
proves otherwise changes one value.
"""

import functools
import json
import os
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # OAuth v4: access token 25 hours (expires_in "90000"), refresh token 3 months and single use.
    "ACCESS_TOKEN_TTL": 90000,
    "REFRESH_TOKEN_TTL": 90 * 24 * 3600,
    "AUTH_CODE_TTL": 600,
    # OA API rate limit: requests per rolling 60 s per app (-32 beyond). Each app may override it.
    "RATE_LIMIT_PER_MINUTE": 4000,
    # Interaction windows for consultation (CS) messages.
    "FREE_WINDOW_HOURS": 48,
    "PAID_WINDOW_DAYS": 7,
    "PAID_CS_COST": 55,  # đồng per CS message sent 48 h - 7 days after the last interaction
    # Template prices (đồng). Real prices are per template (price_uid / price_sdt); these are stand-ins.
    "TEMPLATE_UID_COST": 200,
    "TEMPLATE_PHONE_COST": 300,
    # ZBS daily quota reported in answers. Real OAs get a dynamic quota (500/day for small OAs); the sandbox
    # default is high so load tests are not throttled by it. Beyond it: -211 "Out of quota".
    "ZBS_DAILY_QUOTA": 100000,
    # Webhooks: Zalo waits 2 s and retries after 30 s, 5 min, 15 min, 30 min, 1 h. The ladder is shortened
    # here. Assumption (unconfirmed in the reference): a non-2xx answer or a slow one is retried like a
    # connection failure.
    "WEBHOOK_TIMEOUT": 2.0,
    "WEBHOOK_RETRY_DELAYS": [1, 2, 4, 8, 16],
    "WEBHOOK_WORKERS": 8,
    # Delay before the user's phone "receives" an OA message (user_received_message).
    "RECEIVED_DELAY": 0.2,
    # Echo every accepted OA message as oa_send_* (Zalo does so when the app subscribes to those events).
    "ECHO_OA_MESSAGES": True,
    "RECEIVED_EVENTS": True,
    # Follow from a QR or link carrying a token. Unconfirmed: the reference only shows source="oa_profile".
    # The sandbox puts the token in this field of the follow event (and in user/detail's dynamic_param),
    # and sets source to FOLLOW_SOURCE_QR when the follow came through a link or QR.
    "FOLLOW_TOKEN_FIELD": "source",
    "FOLLOW_SOURCE_PROFILE": "oa_profile",
    "FOLLOW_SOURCE_QR": "qr_code",
    # Conversation history: src 0 = sent by the OA, 1 = sent by the user (assumed from the v2 docs).
    "CONVERSATION_MAX_COUNT": 10,
    # Upload limits (bytes) and accepted types.
    "IMAGE_MAX_BYTES": 1024 * 1024,
    "FILE_MAX_BYTES": 5 * 1024 * 1024,
    # What the simulated phone page posts at most (a very long text, a file to send).
    "PHONE_POST_MAX_BYTES": 12 * 1024 * 1024,
    "IMAGE_TYPES": ["jpg", "jpeg", "png"],
    "FILE_TYPES": ["pdf", "doc", "docx", "csv"],
    "GIF_MAX_BYTES": 5 * 1024 * 1024,
    "GIF_TYPES": ["gif"],
    # The largest request body any sandbox endpoint reads (an upload's file included); beyond it Zalo's shape:
    # HTTP 200 {"error": -201, "message": "request body is too large"}. Zalo's own gateway limit is unpublished.
    "MAX_BODY_BYTES": 6 * 1024 * 1024,
    # What Zalo answers for a path it does not have. Unconfirmed: the reference lists -209 "Not supported this api";
    # the answer is HTTP 200 with {"error", "message"} like every other refusal (§1.5).
    "UNKNOWN_API_ERROR": [-209, "Not supported this api"],
    # The v2.0 message endpoints (/v2.0/oa/message...) are shut down (§3.1).
    "MESSAGE_V2_ERROR": [-240, "MessageV2 API has been shut down"],
    # /template/all: at most this many templates per page.
    "TEMPLATE_PAGE_MAX": 100,
    # Buttons per CS message (the PHP SDK caps elements and buttons at 5).
    "MAX_BUTTONS": 5,
    "GROUP_MAX_MEMBERS": 1000,  # a GMF group (reference §6)
    "GROUP_MAX_INITIAL_MEMBERS": 200,  # members named when the group is created (third-party SDK)
    "MAX_TEXT_LENGTH": 2000,
    # Fault switch: how long a "timeout" answer sleeps when the switch does not say.
    "TIMEOUT_SECONDS": 5.0,
    # A template by phone reaches a phone only when a sandbox user has that number (like a real Zalo account);
    # True sends the delivery receipt for any number.
    "ZBS_RECEIPT_FOR_UNKNOWN_PHONES": False,
    # UNCONFIRMED: ZNS answers a phone with no Zalo account with an error (-118 "Zalo account does not exist")
    # rather than accepting it silently. Off by default (the sandbox then accepts it and sends no receipt); the
    # notifications API's tests switch it on to reach SMS for a phone with no Zalo.
    "ZBS_REFUSE_UNKNOWN_PHONES": False,
}


@functools.cache
def _from_environment() -> dict[str, Any]:
    raw = os.environ.get("SANDBOX_SETTINGS", "")
    return json.loads(raw) if raw else {}


def sandbox_setting(name: str) -> Any:
    """Read at call time, so tests can change settings.SANDBOX while the live server runs."""
    overrides = getattr(settings, "SANDBOX", {}) or {}
    if name in overrides:
        return overrides[name]
    return _from_environment().get(name, DEFAULTS[name])
