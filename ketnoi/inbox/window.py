"""Can an official answer this citizen for free right now? The channel type decides (Zalo: free within 48 h of the
last interaction, paid until 7 days, then refused; Messenger: 24 h, then 7 days with the HUMAN_AGENT tag; the numbers
live in each type's assumptions.py). The inbox
only asks, and shows the answer with the moment it changes, so the official knows before writing.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from ketnoi.channels.types.base import Recipient, WindowState
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone

from . import conf

HORIZON = dt.timedelta(days=30)  # beyond this, "when does it change" is not worth showing
PRECISION = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class ReplyWindow:
    state: WindowState
    last_interaction_at: dt.datetime | None
    changes_at: dt.datetime | None  # when `state` next changes (free → paid, paid → closed), if within HORIZON
    template_id: str  # the ZBS template for reaching the citizen by phone; "" when none is configured
    phone: str  # E.164, the citizen's shared or verified phone; "" when unknown

    @property
    def is_free(self) -> bool:
        return self.state == WindowState.FREE

    @property
    def can_reply(self) -> bool:
        return self.state != WindowState.CLOSED

    @property
    def template_possible(self) -> bool:
        return bool(self.template_id and self.phone)


def recipient_of(channel_contact: ChannelContact) -> Recipient:
    return Recipient(
        user_id=channel_contact.user_id,
        phone=citizen_phone(channel_contact),
        last_interaction_at=channel_contact.last_interaction_at,
        is_follower=channel_contact.is_follower,
    )


def citizen_phone(channel_contact: ChannelContact) -> str:
    raw = channel_contact.shared_phone or channel_contact.contact.phone
    if not raw:
        return ""
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber:
        return ""


def _state_at(channel_contact: ChannelContact, recipient: Recipient, at: dt.datetime) -> WindowState:
    channel = channel_contact.channel
    return WindowState(channel.channel_type.window(channel, recipient, at, purpose="human_reply"))


def reply_window(channel_contact: ChannelContact, now: dt.datetime | None = None) -> ReplyWindow:
    """The window now, and when it next changes (found by bisection over the channel type's own rule, which only
    moves one way: free → paid → closed)."""
    now = now or timezone.now()
    recipient = recipient_of(channel_contact)
    state = _state_at(channel_contact, recipient, now)
    changes_at = None
    if state != WindowState.CLOSED and _state_at(channel_contact, recipient, now + HORIZON) != state:
        low, high = now, now + HORIZON
        while high - low > PRECISION:
            middle = low + (high - low) / 2
            if _state_at(channel_contact, recipient, middle) == state:
                low = middle
            else:
                high = middle
        changes_at = high
    return ReplyWindow(
        state=state,
        last_interaction_at=channel_contact.last_interaction_at,
        changes_at=changes_at,
        template_id=conf.reply_template_id(channel_contact.channel),
        phone=recipient.phone,
    )
