"""Writes of the broadcasts app. Import from here: `from ketnoi.broadcasts.services import subscription_set`."""

from .internal import (
    document_notify,
    notice_mark_read,
    official_link_by_code,
    official_link_code,
    official_notify,
    official_unlink,
)
from .subscriptions import subscription_for, subscription_set

__all__ = [
    "document_notify",
    "notice_mark_read",
    "official_link_by_code",
    "official_link_code",
    "official_notify",
    "official_unlink",
    "subscription_for",
    "subscription_set",
]
