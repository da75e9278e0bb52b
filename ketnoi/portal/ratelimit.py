"""Per-client limits on the public lookup, so receipt codes cannot be enumerated.

Fixed windows counted in Django's cache (local memory by default; a shared cache such as Redis in production so
every web process counts together). Limits come from settings so an operator can tune them without code.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

DEFAULTS = {
    "LOOKUP_PER_MINUTE": 10,
    "LOOKUP_PER_DAY": 100,
    # Wrong second factors (last phone digits): per client and per dossier, per hour.
    "SECOND_FACTOR_FAILURES_PER_CLIENT": 5,
    "SECOND_FACTOR_FAILURES_PER_DOSSIER": 5,
    # Citizen actions behind the QR token (postal, authorization, rating, attachments): per client per hour.
    "ACTIONS_PER_HOUR": 30,
}


def limit(name: str) -> int:
    return int(getattr(settings, "PORTAL_RATE_LIMITS", {}).get(name, DEFAULTS[name]))


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, which behind nginx ketnoi.core.proxies has already set to the address
    nginx saw (TRUSTED_PROXIES); gunicorn's --forwarded-allow-ips does not change it."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


@dataclass(frozen=True)
class Window:
    name: str
    seconds: int
    allowed: int


def _cache():
    return caches[getattr(settings, "PORTAL_RATE_LIMIT_CACHE", "default")]


def _key(window: Window, subject: str) -> str:
    bucket = int(timezone.now().timestamp()) // window.seconds
    return f"ketnoi:rl:{window.name}:{subject}:{bucket}"


def hit(windows: list[Window], subject: str) -> bool:
    """Count one request in every window; False when any window is already full (the request is then refused)."""
    cache = _cache()
    allowed = True
    for window in windows:
        key = _key(window, subject)
        cache.add(key, 0, timeout=window.seconds + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window.seconds + 5)
            count = 1
        if count > window.allowed:
            allowed = False
    return allowed


def exceeded(windows: list[Window], subject: str) -> bool:
    """True when a window is full, without counting anything (checked before a second-factor attempt)."""
    cache = _cache()
    return any((cache.get(_key(w, subject)) or 0) >= w.allowed for w in windows)


def lookup_windows() -> list[Window]:
    return [
        Window("lookup-min", 60, limit("LOOKUP_PER_MINUTE")),
        Window("lookup-day", 86400, limit("LOOKUP_PER_DAY")),
    ]


def second_factor_client_windows() -> list[Window]:
    return [Window("2fa-client", 3600, limit("SECOND_FACTOR_FAILURES_PER_CLIENT"))]


def second_factor_dossier_windows() -> list[Window]:
    return [Window("2fa-dossier", 3600, limit("SECOND_FACTOR_FAILURES_PER_DOSSIER"))]


def action_windows() -> list[Window]:
    return [Window("portal-action", 3600, limit("ACTIONS_PER_HOUR"))]
