"""Settings of broadcasts, with their defaults. Provider facts (windows, costs, night bans) come from the channel
type (Zalo: channels/types/zalo/assumptions.py); these are our own policies."""

import datetime as dt
import zoneinfo

from django.conf import settings

FANOUT_BATCH = 1000
FANOUT_SQL_BATCH = 10_000


def fanout_batch(*, in_sql: bool) -> int:
    """Followers covered per transaction (the cursor is committed with each batch); BROADCAST_FANOUT_BATCH sets both.

    Written by one INSERT ... SELECT (PostgreSQL), 10,000: pages of 1,000 spent a tenth of the fan-out's CPU on the
    per-statement work around each page; larger pages were no faster (WAL and deferred key checks per transaction
    grow) and would hold the broadcast's row lock, which a cancel waits for, longer. Built in Python (SQLite,
    template messages by phone, group chats), 1,000: about 2 ms a row there, so a page is seconds already."""
    configured = getattr(settings, "BROADCAST_FANOUT_BATCH", None)
    if configured:
        return int(configured)
    return FANOUT_SQL_BATCH if in_sql else FANOUT_BATCH


def night_hours(channel_type=None) -> tuple[int, int] | None:
    """(start hour, end hour) when promotional kinds must not be sent, local time; None: no night rule.

    BROADCAST_NIGHT_HOURS overrides; else the provider's own rule (Zalo: 22:00-06:00, -234); else none.
    """
    configured = getattr(settings, "BROADCAST_NIGHT_HOURS", "provider")
    if configured != "provider":
        return tuple(configured) if configured else None
    return getattr(channel_type, "promotion_night_hours", None)


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(getattr(settings, "BROADCAST_TIME_ZONE", "Asia/Ho_Chi_Minh"))


def night_release(now: dt.datetime, hours: tuple[int, int] | None) -> dt.datetime | None:
    """If `now` falls in the night (start..end hour, local time, across midnight), when sending may resume."""
    if not hours:
        return None
    start, end = hours
    local = now.astimezone(local_zone())
    hour = local.hour
    in_night = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not in_night:
        return None
    release = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if release <= local:
        release += dt.timedelta(days=1)
    return release.astimezone(dt.UTC)


def meeting_reminder_window() -> dt.timedelta:
    """A reminder whose moment passed longer ago than this (the scheduler was down) is not sent late."""
    return dt.timedelta(minutes=int(getattr(settings, "MEETING_REMINDER_GRACE_MINUTES", 30)))
