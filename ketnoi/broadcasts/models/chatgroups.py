"""Group chats the OA owns for community groups (Zalo GMF): the ward's group of residential-group leaders, and each
residential group's group of households. Members join by the invite link (QR on the noticeboard) and are tracked
from the provider's group webhooks; the OA posts into the group (one outbox row per post, free), and what members
write is kept here, with the group, for its officials: never in one-to-one chats or the inbox."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.channels.models import Channel
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.models import UUIDModel
from ketnoi.outbox.models import OutboundMessage

from .audience import CommunityGroup


class ChatGroupStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISPERSED = "dispersed", _("Dispersed")


class ChatGroup(UUIDModel):
    community_group = models.OneToOneField(CommunityGroup, on_delete=models.PROTECT, related_name="chat")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="chat_groups")
    provider_group_id = models.CharField(max_length=64)
    invite_link = models.URLField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=ChatGroupStatus.choices, default=ChatGroupStatus.ACTIVE)
    member_count = models.PositiveIntegerField(default=0, help_text="Members now, kept from the join/leave events.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_group_id"], name="chat_group_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.community_group.name} ({self.provider_group_id})"

    @property
    def is_active(self) -> bool:
        return self.status == ChatGroupStatus.ACTIVE


class ChatGroupMember(models.Model):
    """Someone in the group chat, by their id on the OA; `left_at` set when they left (a rejoin clears it)."""

    chat_group = models.ForeignKey(ChatGroup, on_delete=models.CASCADE, related_name="members")
    user_id = models.CharField(max_length=64)
    channel_contact = models.ForeignKey(
        ChannelContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_group_memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["chat_group", "user_id"], name="chat_group_member_once")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.chat_group_id}"


class ChatGroupMessage(models.Model):
    """One message in the group: a member's (in) or the OA's post (out, with its outbox row)."""

    IN, OUT = "in", "out"
    chat_group = models.ForeignKey(ChatGroup, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=[(IN, _("From a member")), (OUT, _("Posted by the OA"))])
    user_id = models.CharField(max_length=64, blank=True, help_text="The member who wrote (in).")
    channel_contact = models.ForeignKey(
        ChannelContact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, default="text")
    text = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True, help_text="[{type, url, name}]")
    provider_message_id = models.CharField(max_length=80, blank=True)
    outbound = models.OneToOneField(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_group_message"
    )
    source_type = models.CharField(max_length=40, blank=True, help_text="What caused a post, e.g. 'broadcast'.")
    source_id = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["chat_group", "occurred_at"], name="chat_group_message_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["chat_group", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="chat_group_message_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.text[:30]}"
