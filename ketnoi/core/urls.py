"""Links we store and show: only http(s) URLs (or a path on this site), never javascript:, data:, vbscript: or
anything a browser would run. Services check every stored URL with `clean_http_url`; templates render every
stored link through the `safe_url` filter (core/templatetags/safe_urls.py), which refuses the rest."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from .errors import ApplicationError

_VALIDATOR = URLValidator(schemes=["http", "https"])
MAX_LENGTH = 1000


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host (no control characters, no credentials)."""
    value = value or ""
    if not value or len(value) > MAX_LENGTH or value != value.strip() or any(ord(ch) < 32 for ch in value):
        return False
    try:
        _VALIDATOR(value)
    except ValidationError:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.username


def is_site_path(value: str) -> bool:
    """A path on this site: '/thu-tuc/x/', not '//evil.example/' (protocol-relative) nor '/\\evil'."""
    value = value or ""
    return value.startswith("/") and not value.startswith(("//", "/\\")) and not any(ord(ch) < 32 for ch in value)


def clean_http_url(value: str, *, allow_site_path: bool = False) -> str:
    """The URL stripped, '' for '', or ApplicationError (code invalid_url) for anything but http(s)."""
    value = (value or "").strip()
    if not value or is_http_url(value) or (allow_site_path and is_site_path(value)):
        return value
    raise ApplicationError(
        _("'%(url)s' is not a web address (http:// or https://).") % {"url": value[:80]}, code="invalid_url"
    )


def safe_url(value) -> str:
    """For rendering: the value when it is an http(s) URL or a path on this site, else ''."""
    value = str(value or "").strip()
    return value if is_http_url(value) or is_site_path(value) else ""
