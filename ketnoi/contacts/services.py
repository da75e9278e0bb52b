"""Writes to contacts: who people are on each channel. Called by the inbound pipeline (ketnoi/pipeline/inbound.py,
`contact_from_event` first for every event a person sent) and by jobs."""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import EventKind, InboundEvent, Profile
from ketnoi.core.audit import audit_record
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.prepared import PreparedRead, update_fields
from ketnoi.core.sql import insert_new_rows

from .models import ChannelContact, Contact, InboundMessage

logger = logging.getLogger(__name__)


# What opens the free-message window (reference §3.3: following, sending a message, opening the chat, calls, query
# buttons, which arrive as messages).
INTERACTION_KINDS = {EventKind.MESSAGE, EventKind.FOLLOW, EventKind.CHAT_OPENED}


# The person with their Contact, locked: the first statement of every event a person sends (compiled once).
_PERSON = PreparedRead(
    lambda channel_id, user_id: (
        ChannelContact.objects.select_for_update(of=("self",))
        .select_related("contact")
        .filter(channel_id=channel_id, user_id=user_id)
        .order_by("pk")[:1]
    ),
    channel_id=int,
    user_id=str,
)


def channel_contact_for(*, channel: Channel, user_id: str, app_user_id: str = "") -> tuple[ChannelContact, bool]:
    """The person as this channel knows them (with their Contact), created on first sight. Locks the row: the
    person's events are handled one at a time. One statement when the person is known."""
    found = _PERSON.first(channel_id=channel.pk, user_id=user_id)
    if found is None:
        locked = ChannelContact.objects.select_for_update(of=("self",)).select_related("contact")
        try:
            with transaction.atomic():
                contact = Contact.objects.create()
                found = ChannelContact.objects.create(
                    channel=channel, contact=contact, user_id=user_id, app_user_id=app_user_id
                )
        except IntegrityError:  # another worker created it a moment ago
            found = locked.get(channel=channel, user_id=user_id)
        else:
            return found, True
    found.channel = channel  # the caller's (cached) channel: no query for it later
    if app_user_id and not found.app_user_id:
        found.app_user_id = app_user_id
        found.save(update_fields=["app_user_id"])
    return found, False


def contact_from_event(*, channel: Channel, event: InboundEvent) -> tuple[ChannelContact, InboundMessage | None]:
    """What an event says about the person who sent it: identity (created on first sight), the free window, follow
    state, shared info, provider tags, and the message itself (stored once). The person comes back locked, with their
    Contact, for the pipeline's later steps; the message is unsaved-by-us when it was already stored (no pk)."""
    person, _created = channel_contact_for(channel=channel, user_id=event.user_id, app_user_id=event.app_user_id)
    before = {f: getattr(person, f) for f in _EVENT_FIELDS}
    if event.kind in INTERACTION_KINDS:
        note_interaction(person, event.occurred_at)
    if event.kind in (EventKind.FOLLOW, EventKind.UNFOLLOW):
        apply_follow(person, following=event.kind == EventKind.FOLLOW, at=event.occurred_at, source=event.source)
    elif event.kind == EventKind.SUBMIT_INFO:
        apply_shared_info(
            person,
            phone=event.phone or str(event.info.get("phone", "")),
            name=str(event.info.get("name", "")),
            address=str(event.info.get("address", "")),
        )
        person.consent_at = person.consent_at or event.occurred_at
    elif event.kind == EventKind.TAGGED:
        person.tags = sorted(set(person.tags) | set(event.tags))
    changed = [f for f in _EVENT_FIELDS if getattr(person, f) != before[f]]
    if changed:
        update_fields(person, changed)
    message = _message_store(person, event) if event.kind == EventKind.MESSAGE else None
    if not person.display_name and channel.channel_type.supports_profiles:
        pk = person.pk
        transaction.on_commit(lambda: _enqueue_profile_refresh(pk))
    return person, message


_EVENT_FIELDS = (
    "last_interaction_at",
    "followed_at",
    "unfollowed_at",
    "follow_source",
    "is_follower",
    "consent_at",
    "shared_phone",
    "shared_address",
    "display_name",
    "tags",
)


def _message_store(person: ChannelContact, event: InboundEvent) -> InboundMessage:
    """One INSERT that does nothing when the provider's message is already stored (a replayed event): the returned
    row then has no primary key, and whoever needs the stored one reads it (inbox.handoff_for_message). The
    statement is made once (core.sql.insert_new_rows), not compiled by bulk_create on every message."""
    first = event.attachments[0] if event.attachments else None
    location = next((a for a in event.attachments if a.type == "location"), None)
    message = InboundMessage(
        channel=person.channel,
        channel_contact=person,
        provider_message_id=(event.provider_message_id or event.dedup_key)[:100],
        provider_event=event.provider_event[:80],
        kind=(first.type if first else "text")[:20],
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
    insert_new_rows([message], key="provider_message_id")
    return message


def _enqueue_profile_refresh(channel_contact_id: int) -> None:
    from .tasks import refresh_contact_profile

    refresh_contact_profile.enqueue(channel_contact_id)


def channel_contact_handoff_hint(*, channel_contact: ChannelContact, hint: bool) -> None:
    """Whether the inbox should look for this person's hand-off when they write (ChannelContact.handoff_hint): set
    by the inbox when one opens, cleared when a message found none active or reopenable."""
    if channel_contact.handoff_hint != hint:
        channel_contact.handoff_hint = hint
        ChannelContact.objects.filter(pk=channel_contact.pk).update(handoff_hint=hint)


def note_interaction(channel_contact: ChannelContact, at: dt.datetime) -> None:
    """Events arrive unordered: the window opens at the latest interaction seen, never an earlier one."""
    if channel_contact.last_interaction_at is None or at > channel_contact.last_interaction_at:
        channel_contact.last_interaction_at = at


def apply_follow(channel_contact: ChannelContact, *, following: bool, at: dt.datetime, source: str = "") -> None:
    """Follow state is whatever the latest follow/unfollow says, whatever order they arrive in."""
    if following:
        if channel_contact.followed_at is None or at > channel_contact.followed_at:
            channel_contact.followed_at = at
            if source:
                channel_contact.follow_source = source[:120]
    elif channel_contact.unfollowed_at is None or at > channel_contact.unfollowed_at:
        channel_contact.unfollowed_at = at
    followed, unfollowed = channel_contact.followed_at, channel_contact.unfollowed_at
    channel_contact.is_follower = followed is not None and (unfollowed is None or followed > unfollowed)
    # Following an OA is taken as consent to hear from it; unfollowing withdraws it.
    if channel_contact.is_follower:
        channel_contact.consent_at = channel_contact.consent_at or followed
    else:
        channel_contact.consent_at = None


def apply_shared_info(channel_contact: ChannelContact, *, phone: str, name: str, address: str) -> None:
    """Keep what the person put in Zalo's share-your-information form. The phone there is whatever they typed (Zalo
    pre-fills the account's number, but it can be edited), so it is kept as `shared_phone`, a way to reach them,
    and never as proof: only a one-time code sent to the number makes it the Contact's (verified) phone."""
    if phone:
        try:
            e164 = normalize_phone(phone)
        except InvalidPhoneNumber:
            logger.info("Channel contact %s shared an unreadable phone number.", channel_contact.pk)
        else:
            channel_contact.shared_phone = e164
    if address:
        channel_contact.shared_address = address[:255]
    if name:
        channel_contact.display_name = channel_contact.display_name or name[:150]
        contact = channel_contact.contact
        if not contact.name:
            contact.name = name[:150]
            contact.save(update_fields=["name"])


def link_verified_phone(*, channel_contact: ChannelContact, phone: str) -> Contact:
    """One Contact per person: a channel identity with a verified phone joins the Contact that has that phone.
    Only for a phone proven by a one-time code sent to it (conversations.services.verification): the Contact's phone is what
    links dossiers and reveals them.

    The channel contact's own Contact, if it then has no other identity, is left empty (never deleted: outbound
    messages may point at it).
    """
    e164 = normalize_phone(phone)
    existing = Contact.objects.filter(phone=e164).exclude(pk=channel_contact.contact_id).order_by("pk").first()
    if existing is None:
        contact = channel_contact.contact
        if contact.phone != e164:
            contact.phone = e164
            contact.save(update_fields=["phone"])
        return contact
    channel_contact.contact = existing
    channel_contact.save(update_fields=["contact"])
    return existing


def contact_choose_notice_channel(*, channel_contact: ChannelContact) -> Contact:
    """The person asked for their notices on this chat (the subscriptions flow's "notices here"), whichever chat they
    use last. Runs in the caller's transaction (the chat's turn)."""
    contact = channel_contact.contact
    if contact.notice_channel_contact_id != channel_contact.pk:
        contact.notice_channel_contact = channel_contact
        contact.save(update_fields=["notice_channel_contact"])
        audit_record(
            actor=None,
            action="contact.notice_channel",
            target=contact,
            unit_path=channel_contact.channel.unit.path,
            after={"channel": str(channel_contact.channel.uuid)},
        )
    return contact


@transaction.atomic
def channel_contact_apply_profile(*, channel_contact_id: int, profile: Profile) -> ChannelContact:
    channel_contact = ChannelContact.objects.select_for_update().select_related("contact").get(pk=channel_contact_id)
    fields = []
    if profile.display_name and profile.display_name != channel_contact.display_name:
        channel_contact.display_name = profile.display_name[:150]
        fields.append("display_name")
        if not channel_contact.contact.name:
            channel_contact.contact.name = profile.display_name[:150]
            channel_contact.contact.save(update_fields=["name"])
    if profile.app_user_id and not channel_contact.app_user_id:
        channel_contact.app_user_id = profile.app_user_id
        fields.append("app_user_id")
    if profile.is_follower is not None and profile.is_follower != channel_contact.is_follower:
        apply_follow(channel_contact, following=profile.is_follower, at=timezone.now())
        fields += ["is_follower", "followed_at", "unfollowed_at", "follow_source", "consent_at"]
    if list(profile.tags) != list(channel_contact.tags):
        channel_contact.tags = sorted(set(profile.tags))
        fields.append("tags")
    if profile.phone and not channel_contact.shared_phone:
        try:
            channel_contact.shared_phone = normalize_phone(profile.phone)
            fields.append("shared_phone")
        except InvalidPhoneNumber:
            pass
    if profile.address and not channel_contact.shared_address:
        channel_contact.shared_address = profile.address[:255]
        fields.append("shared_address")
    if fields:
        channel_contact.save(update_fields=sorted(set(fields)))
    return channel_contact


def follower_sync(*, channel_contact: ChannelContact) -> ChannelContact | None:
    """Fetch the person's profile and tags from the provider (Zalo user/detail) and store them. Outside any
    transaction: it makes an HTTP call."""
    channel = channel_contact.channel
    if not channel.channel_type.supports_profiles:
        return None
    profile = channel.channel_type.fetch_profile(channel, channel_contact.user_id)
    if profile is None:
        return None
    return channel_contact_apply_profile(channel_contact_id=channel_contact.pk, profile=profile)


def channel_contact_tag(*, actor, channel_contact: ChannelContact, tag: str, add: bool = True) -> ChannelContact:
    """Tag or untag a person at the provider, then record it here (an official's change: audited)."""
    channel = channel_contact.channel
    tag = tag.strip()
    if add:
        channel.channel_type.add_tag(channel, channel_contact.user_id, tag)
    else:
        channel.channel_type.remove_tag(channel, channel_contact.user_id, tag)
    with transaction.atomic():
        locked = ChannelContact.objects.select_for_update().get(pk=channel_contact.pk)
        before = list(locked.tags)
        tags = set(locked.tags)
        (tags.add if add else tags.discard)(tag)
        locked.tags = sorted(tags)
        locked.save(update_fields=["tags"])
        audit_record(
            actor=actor,
            action="contact.tag" if add else "contact.untag",
            target=locked,
            unit_path=channel.unit.path,
            before={"tags": before},
            after={"tags": locked.tags},
        )
    return locked
