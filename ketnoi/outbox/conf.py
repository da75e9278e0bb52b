"""Outbox settings, each overridable in Django settings (OUTBOX_*), with the defaults the design assumes."""

from django.conf import settings


def setting(name: str, default):
    return getattr(settings, f"OUTBOX_{name}", default)


def max_attempts() -> int:
    return setting("MAX_ATTEMPTS", 8)


def retry_base_seconds() -> float:
    """First retry delay; doubled per attempt, with jitter, capped at RETRY_MAX_SECONDS."""
    return setting("RETRY_BASE_SECONDS", 5.0)


def retry_max_seconds() -> float:
    return setting("RETRY_MAX_SECONDS", 3600.0)


def lease_seconds() -> float:
    """How long a claim lasts; longer than the slowest send (HTTP timeouts included) by a wide margin."""
    return setting("LEASE_SECONDS", 120.0)


def rate_limit_pause_seconds() -> float:
    """How long a channel's bucket stays shut after the provider answers 'rate limited' without a Retry-After."""
    return setting("RATE_LIMIT_PAUSE_SECONDS", 10.0)


def quota_rate_fraction() -> float:
    """Share of quota_per_minute the bucket refills per minute; with the burst below it keeps any 60 s window
    at the provider under the quota (burst + rate*(60 s + send latency) < quota) while a backlog uses ~96 %."""
    return setting("QUOTA_RATE_FRACTION", 0.965)


def quota_burst_fraction() -> float:
    return setting("QUOTA_BURST_FRACTION", 0.015)


def quota_reserve_fraction() -> float:
    """Share of the bucket the bulk lane may not take: what is left waits for emergencies and replies."""
    return setting("QUOTA_RESERVE_FRACTION", 0.25)
