"""Production: refuses to start when it would be unsafe, and can never carry the Zalo sandbox."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_str

from .base import *  # noqa: F403
from .base import CACHES, DEBUG, FIELD_ENCRYPTION_KEY, INSECURE_DEFAULT_SECRET_KEY, INSTALLED_APPS, LOGGING, SECRET_KEY

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production.")
if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters in production.")
if FIELD_ENCRYPTION_KEY == SECRET_KEY or len(FIELD_ENCRYPTION_KEY) < 32:
    # Encrypted ID numbers, channel tokens and DVCQG payloads must survive a change of SECRET_KEY, and the key must
    # be backed up apart from the database (docs/operations.md, "Keys").
    raise ImproperlyConfigured(
        "Set FIELD_ENCRYPTION_KEY to its own random value of at least 32 characters in production (not SECRET_KEY)."
    )
if "ketnoi.sandbox" in INSTALLED_APPS:
    raise ImproperlyConfigured("The Zalo sandbox cannot be installed in production.")
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # Each gunicorn worker would count rate limits alone: a limit of 10 a minute would let 10 through per worker.
    raise ImproperlyConfigured("Set CACHE_URL to Redis (redis://host:6379/0) in production: rate limits are shared.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The load balancer's and Prometheus' probes come over plain HTTP from inside: answered, never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# One JSON object a line for the log collector, unless LOG_FORMAT=plain.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "plain"
