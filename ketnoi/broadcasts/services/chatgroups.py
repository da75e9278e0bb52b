"""Group chats of community groups (Zalo GMF, issue 22): created at the provider for a community group, posted into
through the outbox, and kept current from the provider's group webhooks.

- chat_group_create: the provider creates the group (HTTP, before the transaction: a failure leaves nothing here),
  then one transaction keeps it and audits it. The ward's group is its residential-group leaders', a residential
  group's is its households': the leaders who follow the OA are its first members, everyone else joins by the link.
- chat_group_post: one outbox row addressed to the group (outbox.payloads.group_address) and the post kept with the
  group, in the caller's transaction; free at the provider, so no window and no cost.
- chat_group_event: the inbound handler for GROUP_* events (registered by the app at order 45): members joining and
  leaving, messages members write (kept with the group, visible to its officials in the console), the group
  dispersed. Group traffic never reaches contacts, the inbox or the conversation engine (they do not take these
  kinds).
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import EventKind, InboundEvent, OutboundPayload, SendError
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.urls import clean_http_url
from ketnoi.orgs.scoping import scope_of
from ketnoi.outbox.models import Lane
from ketnoi.outbox.payloads import group_address
from ketnoi.outbox.services import outbox_enqueue

from ..models import ChatGroup, ChatGroupMember, ChatGroupMessage, ChatGroupStatus, CommunityGroup, GroupRole

MAX_INITIAL_MEMBERS = 200  # the provider's cap on members named at creation (third-party SDK; the rest join by link)


def _check(actor, group: CommunityGroup) -> None:
    if actor is None:
        return
    scope = scope_of(actor).narrowed("broadcasts.compose")
    if not scope.can("broadcasts.compose") or not scope.covers_path(group.unit.path):
        raise NotPermitted()


def group_chat_channel(group: CommunityGroup) -> Channel | None:
    """The OA that owns the group's chat: an active channel of the group's commune that has group chats, else one of
    a unit above it (the province's OA)."""
    from ketnoi.channels.types import get_channel_type

    candidates = Channel.objects.filter(is_active=True).select_related("unit").order_by("pk")
    for channel in sorted(candidates, key=lambda c: -len(c.unit.path)):  # the nearest unit first
        if not group.unit.path.startswith(channel.unit.path):
            continue
        try:
            if get_channel_type(channel.type_code).supports_groups:
                return channel
        except LookupError:
            continue
    return None


def _first_members(group: CommunityGroup, channel: Channel) -> tuple[str, ...]:
    """Who is in the group from the start: the leaders following this OA (for the ward's group: the leaders of its
    residential groups). Everyone else joins by the invite link."""
    leaders = ChannelContact.objects.filter(channel=channel, is_follower=True, group_memberships__role=GroupRole.LEADER)
    if group.residential_group_id is None:
        leaders = leaders.filter(group_memberships__group__unit=group.unit)
    else:
        leaders = leaders.filter(group_memberships__group=group)
    return tuple(leaders.values_list("user_id", flat=True).distinct()[:MAX_INITIAL_MEMBERS])


def chat_group_create(*, actor, group: CommunityGroup, channel: Channel | None = None) -> ChatGroup:
    """Create the community group's chat at the provider and keep it. Not atomic around the HTTP call on purpose:
    the provider answers first, then one transaction stores the group and its audit row."""
    _check(actor, group)
    if ChatGroup.objects.filter(community_group=group).exists():
        raise ApplicationError(_("%(group)s already has a group chat.") % {"group": group.name}, code="chat_exists")
    channel = channel or group_chat_channel(group)
    if channel is None or not channel.channel_type.supports_groups:
        raise ApplicationError(_("No official account of this area can hold group chats."), code="no_gmf_channel")
    if not group.unit.path.startswith(channel.unit.path):
        raise ApplicationError(_("This official account does not serve the group's area."), code="bad_channel")
    description = (
        _("Group of the residential-group leaders of %(unit)s") % {"unit": group.unit.name}
        if group.residential_group_id is None
        else _("Households of %(unit)s") % {"unit": group.residential_group.name}
    )
    try:
        created = channel.channel_type.create_group(
            channel, name=group.name, description=description, member_user_ids=_first_members(group, channel)
        )
    except SendError as exc:
        raise ApplicationError(
            _("Zalo did not create the group: %(reason)s") % {"reason": exc.message}, code="provider_refused"
        ) from exc
    return chat_group_adopt(
        actor=actor, group=group, channel=channel, provider_group_id=created.group_id, invite_link=created.invite_link
    )


@transaction.atomic
def chat_group_adopt(
    *, actor, group: CommunityGroup, channel: Channel, provider_group_id: str, invite_link: str = ""
) -> ChatGroup:
    """Keep a group chat the OA already owns as the community group's (one created just now, or one a ward made in
    Zalo's own console before ketnoi: its id and link from there). Its members arrive with the group webhooks."""
    _check(actor, group)
    if not provider_group_id.strip():
        raise ApplicationError(_("A Zalo group needs its id."), code="no_group_id")
    if ChatGroup.objects.filter(community_group=group).exists():
        raise ApplicationError(_("%(group)s already has a group chat.") % {"group": group.name}, code="chat_exists")
    if not group.unit.path.startswith(channel.unit.path):
        raise ApplicationError(_("This official account does not serve the group's area."), code="bad_channel")
    chat = ChatGroup.objects.create(
        community_group=group,
        channel=channel,
        provider_group_id=provider_group_id.strip(),
        invite_link=clean_http_url(invite_link) if invite_link else "",
        created_by=as_actor(actor).user,
    )
    audit_record(
        actor=actor,
        action="broadcasts.chat_group_create",
        target=chat,
        unit_path=group.unit.path,
        after={"group": group.name, "channel": channel.name, "provider_group_id": chat.provider_group_id},
    )
    return chat


def _post_payload(*, text: str, image_url: str = "", image_token: str = "", file_token: str = "") -> OutboundPayload:
    if file_token:
        return OutboundPayload(kind="file", attachment_token=file_token)
    if image_url or image_token:
        return OutboundPayload(kind="image", text=text, media_url=image_url, attachment_token=image_token)
    if not text.strip():
        raise ApplicationError(_("Write something to post."), code="empty_post")
    return OutboundPayload(kind="text", text=text.strip())


def chat_group_post(
    *,
    actor,
    chat_group: ChatGroup,
    text: str = "",
    image_url: str = "",
    image_token: str = "",
    file_token: str = "",
    file_name: str = "",
    lane: Lane = Lane.BULK,
    source_type: str = "group_post",
    source_id: str = "",
    key: str = "",
    audit: bool = True,
) -> ChatGroupMessage:
    """One post into the group chat: the outbox row and the post kept with the group, in the caller's transaction
    (opened here when there is none). `key` makes it idempotent (a broadcast's fan-out passes one per group)."""
    _check(actor, chat_group.community_group)
    if not chat_group.is_active:
        raise ApplicationError(_("This group chat was dispersed."), code="chat_dispersed")
    payload = _post_payload(text=text, image_url=image_url, image_token=image_token, file_token=file_token)
    with transaction.atomic():
        if key:
            done = ChatGroupMessage.objects.filter(outbound__idempotency_key=key).first()
            if done is not None:
                return done
        post = ChatGroupMessage(
            chat_group=chat_group,
            direction=ChatGroupMessage.OUT,
            author=as_actor(actor).user,
            kind=payload.kind,
            text=payload.text,
            attachments=[{"type": payload.kind, "url": image_url, "name": file_name}] if payload.kind != "text" else [],
            source_type=source_type,
            source_id=str(source_id),
        )
        post.save()
        message = outbox_enqueue(
            channel=chat_group.channel,
            payload=payload,
            idempotency_key=key or f"group-post:{chat_group.uuid}:{post.pk}",
            lane=lane,
            recipient_user_id=group_address(chat_group.provider_group_id),
            source_type=source_type,
            source_id=str(source_id or chat_group.uuid),
        )
        post.outbound = message
        post.save(update_fields=["outbound"])
        if audit:
            audit_record(
                actor=actor,
                action="broadcasts.chat_group_post",
                target=chat_group,
                unit_path=chat_group.community_group.unit.path,
                after={"kind": payload.kind, "text": payload.text[:200]},
            )
    return post


POST_IMAGE_MAX_BYTES = 1024 * 1024  # Zalo's image upload limit (reference §8)
POST_FILE_MAX_BYTES = 5 * 1024 * 1024  # and its file upload limit


def chat_group_post_upload(*, actor, chat_group: ChatGroup, text: str, upload) -> ChatGroupMessage:
    """A post with a photo or a PDF the official chose: judged by its bytes (core.uploads), uploaded to the OA
    (HTTP, before the post's transaction), then posted as an image or a file."""
    from ketnoi.core.uploads import DOCUMENT_TYPES, check_upload

    _check(actor, chat_group.community_group)
    checked = check_upload(upload, max_bytes=POST_FILE_MAX_BYTES, allowed=DOCUMENT_TYPES)
    channel_type = chat_group.channel.channel_type
    try:
        if checked.is_image:
            if len(checked.content) > POST_IMAGE_MAX_BYTES:
                raise ApplicationError(_("A photo for Zalo must be at most 1 MB."), code="file_too_large")
            token = channel_type.upload_image(
                chat_group.channel, filename=checked.name, content=checked.content, content_type=checked.content_type
            )
            return chat_group_post(actor=actor, chat_group=chat_group, text=text, image_token=token)
        token = channel_type.upload_file(
            chat_group.channel, filename=checked.name, content=checked.content, content_type=checked.content_type
        )
    except SendError as exc:
        raise ApplicationError(
            _("Zalo did not take the file: %(reason)s") % {"reason": exc.message}, code="provider_refused"
        ) from exc
    if text.strip():  # a Zalo file message carries no text: the words go first, as their own post
        chat_group_post(actor=actor, chat_group=chat_group, text=text)
    return chat_group_post(actor=actor, chat_group=chat_group, file_token=token, file_name=checked.name)


# -- the provider's group webhooks ---------------------------------------------------------------------------------

GROUP_KINDS = {EventKind.GROUP_JOINED, EventKind.GROUP_LEFT, EventKind.GROUP_MESSAGE, EventKind.GROUP_DISPERSED}


def chat_group_event(channel: Channel, event: InboundEvent) -> None:
    """Runs inside the inbound queue's transaction. An event for a group we do not know is ignored (a group made in
    Zalo's own console, or one removed here)."""
    chat = ChatGroup.objects.filter(channel=channel, provider_group_id=event.group_id).first()
    if chat is None or not event.group_id:
        return
    if event.kind == EventKind.GROUP_DISPERSED:
        chat.status = ChatGroupStatus.DISPERSED
        chat.save(update_fields=["status"])
        return
    if event.kind == EventKind.GROUP_JOINED:
        for user_id in event.member_ids or (event.user_id,):
            _joined(chat, channel, user_id, event.occurred_at)
    elif event.kind == EventKind.GROUP_LEFT:
        for user_id in event.member_ids or (event.user_id,):
            _left(chat, user_id, event.occurred_at)
    elif event.kind == EventKind.GROUP_MESSAGE:
        _member_wrote(chat, channel, event)


def _person(channel: Channel, user_id: str) -> ChannelContact | None:
    return ChannelContact.objects.filter(channel=channel, user_id=user_id).first()


def _joined(chat: ChatGroup, channel: Channel, user_id: str, at) -> None:
    if not user_id:
        return
    member, created = ChatGroupMember.objects.get_or_create(
        chat_group=chat, user_id=user_id, defaults={"joined_at": at, "channel_contact": _person(channel, user_id)}
    )
    if created or member.left_at is not None:
        if not created:
            member.left_at, member.joined_at = None, at
            member.channel_contact = member.channel_contact or _person(channel, user_id)
            member.save(update_fields=["left_at", "joined_at", "channel_contact"])
        ChatGroup.objects.filter(pk=chat.pk).update(member_count=F("member_count") + 1)


def _left(chat: ChatGroup, user_id: str, at) -> None:
    changed = ChatGroupMember.objects.filter(chat_group=chat, user_id=user_id, left_at__isnull=True).update(left_at=at)
    if changed:
        ChatGroup.objects.filter(pk=chat.pk, member_count__gt=0).update(member_count=F("member_count") - 1)


def _member_wrote(chat: ChatGroup, channel: Channel, event: InboundEvent) -> None:
    kind = event.attachments[0].type if event.attachments else "text"
    try:
        with transaction.atomic():
            ChatGroupMessage.objects.create(
                chat_group=chat,
                direction=ChatGroupMessage.IN,
                user_id=event.user_id,
                channel_contact=_person(channel, event.user_id),
                kind=kind[:20],
                text=event.text,
                attachments=[{"type": a.type, "url": a.url, "name": a.name} for a in event.attachments],
                provider_message_id=event.provider_message_id,
                occurred_at=event.occurred_at or timezone.now(),
            )
    except IntegrityError:
        return  # the same message again (a provider retry under another dedup key)
    if event.user_id:
        _joined(chat, channel, event.user_id, event.occurred_at)  # someone writing is in the group
