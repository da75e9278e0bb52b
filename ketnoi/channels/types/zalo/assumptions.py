"""Every point of the Zalo integration that the reference (shared/reference/zalo-oa-api.md) marks unconfirmed.

Each is a constant or a setting read here, with the assumption in its docstring, so that checking them against a
live OA means reading this one file. Tests that depend on one name it (grep for the constant's name).
"""

import datetime as dt

from django.conf import settings

# --- Webhook ---------------------------------------------------------------------------------------------------

TIMESTAMP_HEADER = "X-ZEvent-Timestamp"
"""Unconfirmed (§2.4, §10.5): some code reads the signed timestamp from this header. The verified formula uses the
body's `timestamp`; the header is used only when the body cannot be parsed (so a signed but malformed body can still
be checked)."""


def webhook_max_age() -> dt.timedelta:
    """Zalo documents no replay window (§2.4); we refuse events older than this (default 10 minutes).

    Assumption: Zalo's retries (30 s, 5 min, 15 min, 30 min, 1 h) repeat the body, so a retry later than this window
    is refused too. Widen ZALO_WEBHOOK_MAX_AGE_SECONDS if live logs show late retries being lost.
    """
    return dt.timedelta(seconds=getattr(settings, "ZALO_WEBHOOK_MAX_AGE_SECONDS", 600))


def webhook_max_future() -> dt.timedelta:
    """Clock skew we tolerate for timestamps ahead of ours (default 5 minutes)."""
    return dt.timedelta(seconds=getattr(settings, "ZALO_WEBHOOK_MAX_FUTURE_SECONDS", 300))


QUERY_BUTTON_ARRIVES_AS_TEXT = True
"""Unconfirmed (§2.3, §10.4): tapping an oa.query.show / oa.query.hide button arrives as `user_send_text` with the
button payload in message.text. Nothing special is parsed for it; the text handler sees the payload."""

INTERACTION_EVENTS = frozenset({"user_click_chatnow", "user_call_oa", "user_reply_consent"})
"""Events that are neither messages nor follows but count as an interaction for the 48 h window (§3.3 lists tapping
"Nhắn tin" and accepting a call). The literals for calls are from a third-party list (§2.3): unconfirmed."""

IGNORED_EVENT_PREFIXES = ("oa_send_", "anonymous_send_", "oa_send_anonymous_")
"""Echoes of our own messages and anonymous traffic: stored, not processed (group traffic: see GMF below)."""

LOCATION_SHAPES = ("message.location", "attachment type location with payload.coordinates or payload")
"""Unconfirmed (§2.2): the shape of user_send_location. Both `message.location{latitude,longitude}` and an
attachment of type `location` (coordinates in payload or payload.coordinates) are read."""

SUBMIT_INFO_ADDRESS_FIELDS = ("address", "ward", "district", "city")
"""Unconfirmed (§2.2): user_submit_info fields differ between sources; address parts are joined in this order, or
`full_address` (a dict or a string) is used when present."""


SUBMITTED_PHONE_IS_UNVERIFIED = True
"""Not an assumption to switch off: the phone in user_submit_info is whatever the person typed (the form pre-fills the
account's number, and it can be edited), so it is only a shared phone, a way to reach them. It never links or reveals
a dossier; a one-time code sent to the number proves it (conversations.services.verification)."""


DELIVERY_RECIPIENT_IS_PHONE_WHEN = ("tracking_id", "delivery_time")
"""§2.2/§5.5: a ZBS delivery receipt carries tracking_id / delivery_time and its recipient.id is a phone (or its
hash); an OA message receipt has neither, and the person is whichever of sender/recipient is not the OA."""

# --- OAuth -----------------------------------------------------------------------------------------------------


def refresh_ahead() -> dt.timedelta:
    """Refresh proactively this long before the access token expires (reference §8: at about 20 of 25 hours)."""
    return dt.timedelta(seconds=getattr(settings, "ZALO_TOKEN_REFRESH_AHEAD_SECONDS", 5 * 3600))


def refresh_on_use_margin() -> dt.timedelta:
    """A send refreshes first if the token expires within this margin (default 2 minutes)."""
    return dt.timedelta(seconds=getattr(settings, "ZALO_TOKEN_USE_MARGIN_SECONDS", 120))


DEFAULT_EXPIRES_IN_SECONDS = 90000
"""`expires_in` is a string of seconds (§1.4); 25 hours when missing or unreadable."""

TOKEN_ERROR_CODES = frozenset({-216, -220, -124})
"""Codes meaning the access token is bad: refresh once and retry once (§3.4, §8; -124 is from third-party code)."""


def send_appsecret_proof() -> bool:
    """Unconfirmed (§1.5): whether OA endpoints enforce appsecret_proof. Off by default; ZALO_APPSECRET_PROOF=True
    adds the header hex(HMAC-SHA256(app_secret, access_token)) to every call."""
    return bool(getattr(settings, "ZALO_APPSECRET_PROOF", False))


# --- Sending ---------------------------------------------------------------------------------------------------


def rate_limit_pause_seconds() -> float:
    """After -32 (call limit) or -211 (out of quota), how long the OA waits before calling again. Zalo's limits are
    per minute (§3.5) but no Retry-After is given: 60 s by default (ZALO_RATE_LIMIT_PAUSE_SECONDS)."""
    return float(getattr(settings, "ZALO_RATE_LIMIT_PAUSE_SECONDS", 60.0))


FREE_WINDOW = dt.timedelta(hours=48)
PAID_WINDOW = dt.timedelta(days=7)


def paid_cs_cost() -> int:
    """Cost in đồng of a consultation message 48 h-7 d after the last interaction (55 đ quoted from oa.zalo.me news,
    §3.3; packages include some free quota that we do not track)."""
    return int(getattr(settings, "ZALO_PAID_CS_COST", 55))


def template_cost() -> int:
    """Cost in đồng of a ZBS template message. Per template in reality (price_sdt / price_uid, §5.6); one setting
    until templates are synchronised (default 300 đ, the historical Type 1 ZNS price)."""
    return int(getattr(settings, "ZALO_TEMPLATE_COST", 300))


TRACKING_ID_MAX = 48
"""§5.2: tracking_id is at most 48 characters. Longer idempotency keys are replaced by a 48-character hash."""

TRACKING_ID_DEDUPLICATES = True
"""Unconfirmed: that Zalo refuses or ignores a second phone template with the same tracking_id. find_sent relies on it
for template messages (returns None) instead of looking the message up."""

TEMPLATE_PHONE_FORMAT = "84"
"""§5.2: phone as `84xxxxxxxxx` (the `+84` form is also reported to work); E.164 is sent without the plus."""

UID_TEMPLATE_BODY = "flat"
"""Unconfirmed (§5.3, §10.1): the UID template body is `{"user_id", "template_id", "template_data"}` (flat), not
`{"recipient": {"user_id"}}`."""

BUTTONS_IN_CS_MESSAGE = "template_payload_buttons"
"""Unconfirmed (§3.2): buttons go in `message.attachment = {"type": "template", "payload": {"buttons": [...]}}`
beside `message.text` on /v3.0/oa/message/cs, as community bots do."""

MAX_BUTTONS = 5
"""The PHP SDK caps elements and buttons at 5 (its error text says 4)."""

CONVERSATION_PAGE = 10
"""§4: /v2.0/oa/conversation returns at most 10 messages per page."""

CONVERSATION_MAX_PAGES = 20
"""How far back find_sent reads a conversation (newest first) looking for a copy whose outcome a crash hid."""


def provider_clock_skew() -> dt.timedelta:
    """How far Zalo's clock (the `time` of a conversation item) may run behind ours. find_sent accepts a copy sent
    this long before the row's first attempt (default 1 s; ZALO_CLOCK_SKEW_SECONDS). Larger admits an unrelated
    earlier message with the same text that no row holds (an official typing in Zalo's own OA manager); smaller
    makes a visible duplicate more likely when the clocks differ."""
    return dt.timedelta(seconds=float(getattr(settings, "ZALO_CLOCK_SKEW_SECONDS", 1.0)))


CONVERSATION_FIELDS = {
    "id": ("message_id", "msg_id"),
    "text": ("message", "text"),
    "time": ("time", "sent_time"),
    "from": ("from_id",),
    "src": ("src",),
}
"""Unconfirmed: the fields of a conversation history item (the reference names the endpoint only). Read
defensively; a message is the OA's when from_id is the OA id, or, without from_id, when src == 0."""

# --- Broadcasts ------------------------------------------------------------------------------------------------

PROMOTION_NIGHT_HOURS = (22, 6)
"""§3.3: promotion / broadcast messages are refused at night with -234 ("10:00PM - 6:00AM"); consultation messages
are allowed 24/7. The time zone is not stated: assumed Asia/Ho_Chi_Minh. Broadcasts hold promotional kinds (news,
policies; never emergency alerts) between these hours."""

ARTICLE_BROADCAST_CONFIG_KEY = "article_broadcast"
"""Unconfirmed (§3.2 names the article/broadcast message type, not its API for a government OA): an OA whose
channel config sets this key true may be offered the article-broadcast path; until the API is confirmed, such a
broadcast is sent as a consultation message carrying the article link, under the promotional night rule."""

# --- Group chats (GMF) -----------------------------------------------------------------------------------------
# Zalo's GMF pages (developers.zalo.me/docs/official-account/nhom-chat-gmf/...) could not be read; what follows is
# what public code calling them agrees on (third-party Node, Go, Python and n8n clients; reference §2.3, §6).
# Every literal is overridable: settings.ZALO_GMF = {"key": value, ...}; read through gmf() only.

GMF_DEFAULTS = {
    # POST {group_name, group_description?, asset_id?, member_user_ids[]} -> data {group_id, group_link}. Seen in a Go
    # and a browser client. `asset_id` is the GMF package asset the group is charged to: the channel's config
    # `gmf_asset_id` when set, else not sent (unconfirmed whether Zalo then picks one).
    "create_path": "/v3.0/oa/group/creategroupwithoa",
    # POST {recipient: {group_id}, message: {...}}: the `message` object of a consultation message. Seen in several
    # clients; one older note sends to /v3.0/oa/message with recipient.conversation_id (not used).
    "message_path": "/v3.0/oa/group/message",
    # The invite link in the create answer (https://zalo.me/g/<code>).
    "link_field": "group_link",
    # Members a group holds (reference §6: up to 1,000; one SDK says 200 on smaller packages).
    "max_members": 1000,
    # Unconfirmed: Zalo documents no group message rate. Group posts share the OA's call quota (4,000/min, paced by
    # the outbox's token bucket); a positive number also spreads one broadcast's posts at most this many a minute.
    "max_posts_per_minute": 0,
    # Webhook events; the reference (§2.3) lists two spellings for some: both are read.
    "join_events": ("user_join_group", "react_request_join_group", "accept_request_join_group"),
    "leave_events": ("user_out_group", "user_leave_group"),
    "change_events": ("create_group", "update_group_info", "add_group_admin", "remove_group_admin"),
    "dispersed_events": ("disperse_group", "delete_group"),
    "user_message_prefix": "user_send_group_",
    "oa_message_prefix": "oa_send_group_",
    # Where the group id and the member sit in a group event: the first non-empty of these dotted paths (clients
    # read recipient.group_id, a flat group_id, message.conversation_id, or recipient.id when it is not the OA).
    "group_id_paths": ("recipient.group_id", "group_id", "message.conversation_id", "conversation.id", "recipient.id"),
    "member_paths": ("sender.id", "user_id", "follower.id"),
    # A lifecycle event may name several members at once (one client reads `users`): [{"user_id"}] or ["id"].
    "members_list_paths": ("users", "members", "user_ids"),
}


def gmf(name: str):
    """One GMF wire detail: settings.ZALO_GMF[name] when set, else GMF_DEFAULTS[name]."""
    overrides = getattr(settings, "ZALO_GMF", None) or {}
    return overrides.get(name, GMF_DEFAULTS[name])
