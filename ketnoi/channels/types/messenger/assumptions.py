"""What the Messenger adapter takes as given about Facebook's Messenger Platform, in one place.

Sources (stored public documentation, read December 2026): the Send API reference (POST /{page-id}/messages,
`messaging_type` RESPONSE / UPDATE / MESSAGE_TAG, answer {recipient_id, message_id}), the webhook reference (a GET
handshake with hub.mode=subscribe, hub.verify_token, hub.challenge; POSTs {"object": "page", "entry": [{"id",
"time", "messaging": [...]}]} signed `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app
secret>`), quick replies (at most 13, title 20 characters, payload 1,000), the button template (text 640
characters, 1-3 buttons), the policy overview (the standard messaging window is 24 hours from the person's last
message; message tags send personal, non-promotional updates outside it; HUMAN_AGENT lets a person answer for 7
days) and the common error codes. Where a fact is unconfirmed it is a setting, named below.
"""

import datetime as dt

from django.conf import settings

# -- hosts and version ---------------------------------------------------------------------------------------------


def graph_base() -> str:
    """https://graph.facebook.com/<version>; development and tests point it at the sandbox's stand-in."""
    return str(getattr(settings, "MESSENGER_GRAPH_BASE", "https://graph.facebook.com/v25.0")).rstrip("/")


def http_timeout() -> float:
    return float(getattr(settings, "MESSENGER_HTTP_TIMEOUT", 10.0))


# -- webhooks --------------------------------------------------------------------------------------------------------

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="


# Messenger puts no timestamp in a header; every entry carries `time` (milliseconds) inside the signed body. An
# event older than this is refused as a possible replay. Facebook retries a failed delivery for up to some hours
# (unconfirmed how long), so the default is generous; a province that sees refused retries raises it.
def webhook_max_age() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "MESSENGER_WEBHOOK_MAX_AGE_SECONDS", 6 * 3600)))


def webhook_max_future() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "MESSENGER_WEBHOOK_MAX_FUTURE_SECONDS", 300)))


WEBHOOK_FIELDS = ("messages", "messaging_postbacks", "messaging_referrals", "message_deliveries", "message_reads")
# The "Get started" button's postback payload, set in the page's Messenger profile: a person starting the
# conversation is taken as following the page (the welcome and the main menu), as a Zalo follow is.
GET_STARTED_PAYLOAD = "GET_STARTED"

# -- the windows -----------------------------------------------------------------------------------------------------

STANDARD_WINDOW = dt.timedelta(hours=24)
HUMAN_AGENT_WINDOW = dt.timedelta(days=7)


def message_tags() -> dict[str, str]:
    """OutboundPayload.purpose -> the message tag that may carry it outside the 24-hour window.

    A dossier's or petition's status change is a personal, non-promotional update (ACCOUNT_UPDATE: "a non-recurring
    update to the person's application"); an official's answer in the inbox is HUMAN_AGENT (needs the Human Agent
    permission, granted per app). Meta has changed the tag list before: a tag set to "" here turns that purpose off,
    and such messages then go by SMS (the outbox's fallback) outside the window."""
    return {
        "update": str(getattr(settings, "MESSENGER_UPDATE_TAG", "ACCOUNT_UPDATE")),
        "human_reply": str(getattr(settings, "MESSENGER_HUMAN_AGENT_TAG", "HUMAN_AGENT")),
    }


def tag_window(tag: str) -> dt.timedelta | None:
    """How long after the person's last message a tag may be used (None: no limit)."""
    return HUMAN_AGENT_WINDOW if tag == "HUMAN_AGENT" else None


# -- message limits --------------------------------------------------------------------------------------------------

MAX_TEXT = 2000
MAX_TEMPLATE_TEXT = 640  # the button template's text
MAX_TEMPLATE_BUTTONS = 3
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20  # button and quick reply titles
MAX_PAYLOAD = 1000

# -- errors ----------------------------------------------------------------------------------------------------------

TOKEN_ERROR_CODES = frozenset({190, 102})  # invalid or expired page access token: reconnect the page
