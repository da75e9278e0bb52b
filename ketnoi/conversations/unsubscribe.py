"""Unfollowing stops what the person did not ask for: queued bulk messages are cancelled, and the news and policy
subscriptions are switched off. Emergency alerts and the notices of their own dossiers are essential and stay."""

from ketnoi.broadcasts.services.subscriptions import subscription_for, subscription_set
from ketnoi.contacts.models import ChannelContact
from ketnoi.outbox.services import outbox_cancel_bulk_for

ESSENTIAL_TOPICS = {"emergency"}


def stop_non_essential(*, channel_contact: ChannelContact) -> int:
    cancelled = outbox_cancel_bulk_for(channel_contact=channel_contact, reason="The person unfollowed the account.")
    subscription = subscription_for(channel_contact)
    if subscription is not None and set(subscription.topics) - ESSENTIAL_TOPICS:
        subscription_set(
            channel_contact=channel_contact,
            topics=set(subscription.topics) & ESSENTIAL_TOPICS,
            area=subscription.area,
            group=subscription.group,
        )
    return cancelled
