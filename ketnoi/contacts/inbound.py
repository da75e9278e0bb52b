"""The contacts handler for inbound events (order 10): identities, follow state, shared info, tags, windows, and
the messages people send. Runs inside the transaction that marks the event handled."""

from django.db import IntegrityError, transaction

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import EventKind, InboundEvent

from . import services
from .models import InboundMessage

HANDLED_KINDS = {
    EventKind.MESSAGE,
    EventKind.FOLLOW,
    EventKind.UNFOLLOW,
    EventKind.SUBMIT_INFO,
    EventKind.TAGGED,
    EventKind.CHAT_OPENED,
}
# What opens the free-message window (reference §3.3: following, sending a message, opening the chat, calls, query
# buttons, which arrive as messages).
INTERACTION_KINDS = {EventKind.MESSAGE, EventKind.FOLLOW, EventKind.CHAT_OPENED}


def handle_event(channel: Channel, event: InboundEvent) -> None:
    if not event.user_id:
        return
    channel_contact, _created = services.channel_contact_for(
        channel=channel, user_id=event.user_id, app_user_id=event.app_user_id
    )
    if event.kind in INTERACTION_KINDS:
        services.note_interaction(channel_contact, event.occurred_at)
    if event.kind in (EventKind.FOLLOW, EventKind.UNFOLLOW):
        services.apply_follow(
            channel_contact, following=event.kind == EventKind.FOLLOW, at=event.occurred_at, source=event.source
        )
    elif event.kind == EventKind.SUBMIT_INFO:
        services.apply_shared_info(
            channel_contact,
            phone=event.phone or str(event.info.get("phone", "")),
            name=str(event.info.get("name", "")),
            address=str(event.info.get("address", "")),
        )
        channel_contact.consent_at = channel_contact.consent_at or event.occurred_at
    elif event.kind == EventKind.TAGGED:
        channel_contact.tags = sorted(set(channel_contact.tags) | set(event.tags))
    elif event.kind == EventKind.MESSAGE:
        _store_message(channel, channel_contact, event)
    channel_contact.save()
    if not channel_contact.display_name and channel.channel_type.supports_profiles:
        pk = channel_contact.pk
        transaction.on_commit(lambda: _enqueue_profile_refresh(pk))


def _store_message(channel: Channel, channel_contact, event: InboundEvent) -> None:
    first = event.attachments[0] if event.attachments else None
    kind = first.type if first else "text"
    location = next((a for a in event.attachments if a.type == "location"), None)
    message_id = event.provider_message_id or event.dedup_key
    if InboundMessage.objects.filter(channel=channel, provider_message_id=message_id).exists():
        return
    try:
        with transaction.atomic():
            InboundMessage.objects.create(
                channel=channel,
                channel_contact=channel_contact,
                provider_message_id=message_id[:100],
                provider_event=event.provider_event[:80],
                kind=kind[:20],
                text=event.text,
                attachments=[
                    {"type": a.type, "url": a.url, "name": a.name, "thumbnail": a.thumbnail}
                    for a in event.attachments
                    if a.type != "location"
                ],
                latitude=location.latitude if location else None,
                longitude=location.longitude if location else None,
                received_at=event.occurred_at,
            )
    except IntegrityError:
        return


def _enqueue_profile_refresh(channel_contact_id: int) -> None:
    from .tasks import refresh_contact_profile

    refresh_contact_profile.enqueue(channel_contact_id)
