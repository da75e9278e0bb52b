"""Unfollowing stops what the person did not ask for: queued bulk messages are cancelled, and broadcast
subscriptions (news, policies) are switched off. Emergency alerts and their own dossiers' notices are essential."""

from ketnoi.contacts.models import ChannelContact
from ketnoi.outbox.services import outbox_cancel_bulk_for


def stop_non_essential(*, channel_contact: ChannelContact) -> int:
    cancelled = outbox_cancel_bulk_for(channel_contact=channel_contact, reason="The person unfollowed the account.")
    try:
        from ketnoi.broadcasts.services import subscriptions_stop_non_essential
    except ImportError:
        return cancelled
    subscriptions_stop_non_essential(channel_contact=channel_contact)
    return cancelled
