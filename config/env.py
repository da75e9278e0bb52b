"""Read settings from the environment, in one place, with typed helpers."""

import os

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def night_hours_setting(raw: str) -> str | tuple[int, int] | None:
    """BROADCAST_NIGHT_HOURS from the environment: "provider" (the channel type's own rule), "off" (none), or the
    start and end hours, local time, as "22,6"."""
    if raw in ("provider", "off"):
        return None if raw == "off" else raw
    start, end = (int(hour) for hour in raw.split(","))
    return start, end


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return default if raw in (None, "") else float(raw)


def cache_from_url(url: str, *, key_prefix: str) -> dict:
    """CACHE_URL -> one entry of CACHES. redis://host:6379/9 (or rediss://) is shared by every process and machine;
    locmem:// is one process's memory (development only: each web worker would count its own rate limits)."""
    scheme = url.split("://", 1)[0].lower()
    if scheme in {"redis", "rediss", "unix"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": key_prefix,
            "TIMEOUT": 300,
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": url.split("://", 1)[1] or "ketnoi",
        }
    raise ImproperlyConfigured(f"CACHE_URL must be redis://, rediss:// or locmem://, not {scheme}://.")
