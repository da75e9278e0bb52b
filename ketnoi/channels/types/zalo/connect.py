"""Connecting an OA the way Zalo intends (reference §1.2-1.4): the OA's administrator grants our app permission on
Zalo's OA permission page, Zalo sends them back with a one-time code, and we exchange it (with the PKCE verifier
and the app secret) for the access and refresh tokens.

    GET {ZALO_OAUTH_BASE}/v4/oa/permission?app_id=…&redirect_uri=…&code_challenge=…&state=…
    → redirect_uri?code=…&oa_id=…&state=…        (the code lives 10 minutes and works once)
    POST {ZALO_OAUTH_BASE}/v4/oa/access_token     (code, app_id, grant_type=authorization_code, code_verifier)

Unconfirmed (§1.2, §10.11): one source says the developer console fixes the code_challenge and builds the consent
link itself; the official PHP SDK builds the URL per request with a fresh challenge, which is what we do. The
redirect_uri must equal the "Official Account Callback Url" saved in the app's settings (-14003 otherwise), so the
console shows the administrator the URL to save there.
"""

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings

PERMISSION_PATH = "/v4/oa/permission"

WEBHOOK_EVENTS = (
    "follow",
    "unfollow",
    "user_send_text",
    "user_send_image",
    "user_send_file",
    "user_send_location",
    "user_send_sticker",
    "user_submit_info",
    "user_click_chatnow",
    "user_received_message",
    "user_seen_message",
    "add_user_to_tag",
)
"""What the app should subscribe to in its webhook settings (§2.3): what the handlers of the inbound path read.
Echoes (oa_send_*) are not needed."""

TEST_EVENT_NAME = "ketnoi_webhook_test"
"""Not a Zalo event: the console's "send a test event" signs one with the OA secret key and posts it to the webhook
URL, so the administrator sees that the address answers and the stored key verifies. It is stored and ignored."""


def pkce_pair() -> tuple[str, str]:
    """(verifier, challenge) as the PHP SDK's PKCEUtil: 32 random bytes, base64url without padding; S256."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def permission_url(*, app_id: str, redirect_uri: str, code_challenge: str, state: str) -> str:
    query = urlencode(
        {"app_id": app_id, "redirect_uri": redirect_uri, "code_challenge": code_challenge, "state": state}
    )
    return f"{settings.ZALO_OAUTH_BASE}{PERMISSION_PATH}?{query}"


def test_event_body(*, app_id: str, oa_id: str, test_id: str) -> bytes:
    body = {
        "app_id": app_id,
        "oa_id": oa_id,
        "event_name": TEST_EVENT_NAME,
        "test_id": test_id,
        "timestamp": str(int(time.time() * 1000)),
    }
    return json.dumps(body, separators=(",", ":")).encode()
