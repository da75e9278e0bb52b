"""Defaults of the inbox, overridable in settings. A unit's ServicePolicy overrides the service-level ones."""

import datetime as dt

from django.conf import settings


def _get(name: str, default):
    return getattr(settings, name, default)


def default_first_response_minutes() -> int:
    """Business minutes to the first reply (Chatwoot-style SLA). Default: 2 working hours."""
    return int(_get("INBOX_FIRST_RESPONSE_MINUTES", 120))


def default_resolution_minutes() -> int:
    """Business minutes to closing. Default: two working days of 8 hours."""
    return int(_get("INBOX_RESOLUTION_MINUTES", 16 * 60))


def default_business_hours() -> tuple[dt.time, dt.time]:
    """Office hours of a working day, local time. Default 07:30-17:00 (government offices)."""
    start, end = _get("INBOX_BUSINESS_HOURS", ("07:30", "17:00"))
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def default_reopen_hours() -> int:
    """A closed hand-off not returned to the bot reopens when the citizen writes within this many hours."""
    return int(_get("INBOX_REOPEN_HOURS", 24))


def reply_template_id(channel) -> str:
    """The ZBS template used to reach a citizen by phone when the consultation window is closed: the channel's
    config["inbox_template_id"], else settings.INBOX_ZBS_TEMPLATE_ID. Empty: no template fallback."""
    return str((channel.config or {}).get("inbox_template_id") or _get("INBOX_ZBS_TEMPLATE_ID", "") or "")


def auto_close_days() -> int:
    """A conversation answered and left waiting for the citizen this many days is closed and given back to the
    assistant by the scheduled job (0: never)."""
    return int(_get("INBOX_AUTO_CLOSE_DAYS", 7))
